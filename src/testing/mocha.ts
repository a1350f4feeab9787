// Mocha: `mocha --require leaktrack/mocha` (a root hook plugin). Each test's
// function is wrapped just before it runs: the check is part of the test, so
// a leak fails that test and the others run on. (Mocha reports a test as
// passed before its afterEach hooks run, and a failing afterEach hook makes
// it skip the rest of the suite; so the check cannot wait for afterEach.
// Resources opened in beforeEach are not the test's: the mark is taken after
// them.)
import { checkTestEnd, markTestStart, startTracking } from './guard';

type TestFn = ((this: unknown, done?: (error?: unknown) => void) => unknown) & { length: number };
interface MochaTest {
  fn?: TestFn;
  fullTitle(): string;
}
const wrapped = new WeakSet<object>();

function guard(test: MochaTest, original: TestFn): TestFn {
  const title = test.fullTitle();
  if (original.length > 0) {
    // Callback style: mocha decides by fn.length, so keep one parameter.
    return function guardedTest(this: unknown, done?: (error?: unknown) => void) {
      const mark = markTestStart();
      return original.call(this, (error?: unknown) => {
        if (error) return done?.(error);
        checkTestEnd(mark, title, { runner: 'mocha' }).then(() => done?.(), done);
      });
    };
  }
  return async function guardedTest(this: unknown) {
    const mark = markTestStart();
    const result = await original.call(this);
    await checkTestEnd(mark, title, { runner: 'mocha' });
    return result;
  };
}

export const mochaHooks = startTracking()
  ? {
      beforeEach(this: { currentTest?: MochaTest }) {
        const test = this.currentTest;
        if (!test?.fn || wrapped.has(test)) return;
        wrapped.add(test);
        test.fn = guard(test, test.fn);
      },
    }
  : {};
