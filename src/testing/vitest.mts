// Vitest: `setupFiles: ['leaktrack/vitest']` in vitest.config. The check runs
// in onTestFinished, after the test's afterEach hooks, and a failure there is
// the test's own.
import { beforeEach } from 'vitest';
import { checkTestEnd, markTestStart, startTracking } from './guard.js';

if (startTracking()) {
  beforeEach((context) => {
    const mark = markTestStart();
    context.onTestFinished(() => checkTestEnd(mark, context.task.name, { runner: 'vitest' }));
  });
}
