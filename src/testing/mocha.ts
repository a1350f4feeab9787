// Mocha: `mocha --require leaktrack/mocha` (a root hook plugin). Mocha
// reports a test as passed *before* its afterEach hooks run, and a failing
// afterEach hook makes it skip the rest of the suite. So the check is not a
// hook: leaktrack steps into Mocha's Runner. The mark is taken once the
// beforeEach hooks are done (what they open is not the test's). When the test
// passes with something of its own still open, its "pass" is held back until
// its afterEach hooks are done; then it is reported as passed, or as failed
// with the leak, and the rest of the suite runs on.
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { findLeaks } from '../report/leaks';
import { checkTestEnd, markTestStart, opensSince, startTracking } from './guard';

interface MochaTest {
  fullTitle(): string;
}
interface MochaRunner {
  test?: MochaTest;
  emit(event: string, ...args: unknown[]): boolean;
  fail(test: MochaTest, error: unknown): void;
  hookDown(name: string, fn: (...args: unknown[]) => void): void;
  hookUp(name: string, fn: (...args: unknown[]) => void): void;
}
type RunnerPrototype = MochaRunner;

/**
 * The Runner class of the Mocha that loaded this file (`--require`,
 * `.mocharc`, `new Mocha({ rootHooks })`): lib/mocha.js (Mocha ≤ 11) or
 * lib/mocha.cjs (12) is in require's cache by then.
 */
function mochaRunner(): RunnerPrototype | undefined {
  const main = new RegExp(`\\${sep}mocha\\${sep}lib\\${sep}mocha\\.c?js$`);
  const loaded = Object.keys(require.cache).find((file) => main.test(file));
  try {
    const mocha = (loaded ? require.cache[loaded]?.exports : createRequire(join(process.cwd(), 'noop.js'))('mocha')) as { Runner?: { prototype?: RunnerPrototype } } | undefined;
    const prototype = mocha?.Runner?.prototype;
    return typeof prototype?.hookUp === 'function' && typeof prototype.hookDown === 'function' && typeof prototype.fail === 'function' ? prototype : undefined;
  } catch {
    return undefined;
  }
}

const marks = new WeakMap<MochaTest, number>();
/** Tests whose "pass" (and "test end") is held until their afterEach hooks are done. */
const held = new WeakSet<MochaTest>();

function stepIn(runner: RunnerPrototype): void {
  const { emit, hookDown, hookUp } = runner;
  runner.hookDown = function leaktrackHookDown(this: MochaRunner, name, fn) {
    if (name !== 'beforeEach') return hookDown.call(this, name, fn);
    return hookDown.call(this, name, (...args: unknown[]) => {
      if (this.test) marks.set(this.test, markTestStart());
      fn(...args);
    });
  };
  runner.emit = function leaktrackEmit(this: MochaRunner, event: string, ...args: unknown[]) {
    const test = args[0] as MochaTest;
    if (event === 'pass' && marks.has(test) && findLeaks(opensSince(marks.get(test)!)).length > 0) held.add(test);
    if ((event === 'pass' || event === 'test end') && held.has(test)) return true;
    return emit.call(this, event, ...args);
  };
  runner.hookUp = function leaktrackHookUp(this: MochaRunner, name, fn) {
    const test = this.test;
    if (name !== 'afterEach' || !test || !held.has(test)) return hookUp.call(this, name, fn);
    return hookUp.call(this, name, (...args: unknown[]) => {
      held.delete(test);
      const mark = marks.get(test)!;
      marks.delete(test);
      checkTestEnd(mark, test.fullTitle(), { runner: 'mocha' }).then(
        () => emit.call(this, 'pass', test),
        (error: unknown) => this.fail(test, error),
      ).finally(() => {
        emit.call(this, 'test end', test);
        fn(...args);
      });
    });
  };
}

if (startTracking()) {
  const runner = mochaRunner();
  if (!runner) throw new Error("leaktrack: cannot find Mocha's Runner (mocha/lib/runner.js); the test helpers cannot check for leaks");
  stepIn(runner);
}

/** A root hook plugin with no hooks: loading it is the set-up. */
export const mochaHooks = {};
