// Jest: `setupFilesAfterEnv: ['leaktrack/jest']` in the Jest config. Jest runs
// afterEach hooks of a block in the order they were defined, and this file's
// are defined first: once the test file is loaded, ours is moved to the end
// of the root block, so it runs after every afterEach of the user's. A hook
// failure in Jest is the test's failure; the other tests run on.
import { checkTestEnd, markTestStart, startTracking } from './guard';

interface CircusHook {
  type: string;
  fn: unknown;
}
interface JestGlobals {
  beforeAll(fn: () => void): void;
  beforeEach(fn: () => void): void;
  afterEach(fn: () => Promise<void>): void;
  expect?: { getState?(): { currentTestName?: string } };
}

const runner = globalThis as unknown as JestGlobals;
let mark = 0;

async function checkLeaks(): Promise<void> {
  await checkTestEnd(mark, runner.expect?.getState?.().currentTestName ?? 'test', { runner: 'jest' });
}

/** jest-circus keeps its state on globalThis under a symbol; its root block lists the hooks. */
function moveCheckLast(): void {
  const key = Object.getOwnPropertySymbols(globalThis).find((symbol) => symbol.description === 'JEST_STATE_SYMBOL');
  const hooks = key && (globalThis as unknown as Record<symbol, { rootDescribeBlock?: { hooks?: CircusHook[] } }>)[key]?.rootDescribeBlock?.hooks;
  if (!Array.isArray(hooks)) return; // not jest-circus: ours stays first among the root block's afterEach hooks
  const index = hooks.findIndex((hook) => hook.fn === checkLeaks);
  if (index >= 0) hooks.push(...hooks.splice(index, 1));
}

if (typeof runner.afterEach === 'function' && startTracking()) {
  runner.beforeAll(moveCheckLast);
  runner.beforeEach(() => {
    mark = markTestStart();
  });
  runner.afterEach(checkLeaks);
}
