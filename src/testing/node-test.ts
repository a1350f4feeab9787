// node:test: `node --test --import leaktrack/node-test`, or
// `import 'leaktrack/node-test'` at the top of a test file. The check runs in
// the test's own `after` hook, which node:test runs after every afterEach, so
// a server the test closes in afterEach is not a leak.
import { beforeEach, type TestContext } from 'node:test';
import { checkTestEnd, markTestStart, startTracking } from './guard';

// `node --test` passes --import to each test file's process (which has
// NODE_TEST_CONTEXT set); the orchestrating process itself runs no tests.
const orchestrator = process.execArgv.includes('--test') && !process.env.NODE_TEST_CONTEXT;

if (!orchestrator && startTracking()) {
  beforeEach((t) => {
    const mark = markTestStart();
    (t as TestContext).after(() => checkTestEnd(mark, t.name, { runner: 'node:test' }));
  });
}
