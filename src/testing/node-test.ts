// node:test: `node --test --import leaktrack/node-test`, or
// `import 'leaktrack/node-test'` at the top of a test file. The check runs in
// the test's own `after` hook, which node:test runs after every afterEach, so
// a server the test closes in afterEach is not a leak.
//
// Which resources are the test's: those opened after it started (its
// beforeEach hooks included) and still open after its afterEach hooks. Where
// node:test publishes `tracing:node.test:start` (Node 24.x, 26), each test's
// body also runs with a collector of its own, so a test that ran alongside
// another (`{ concurrency }`, `--test-concurrency` within a file) is blamed
// only for what its own body opened, never for its neighbour's.
import { tracingChannel } from 'node:diagnostics_channel';
import { beforeEach, type TestContext } from 'node:test';
import { bindCollector, currentCollector } from '../core/context';
import { Scope } from '../scope';
import { checkTestEnd, markTestStart, startTracking } from './guard';

interface TestStart {
  name: string;
  nesting: number;
  file?: string;
  type?: string;
}

/** One test body's collector, and whether another test (not one of its ancestors) ran beside it. */
class TestBody extends Scope {
  overlapped = false;
  constructor(readonly start: TestStart) {
    super(start.name);
  }
  isWithin(other: TestBody): boolean {
    for (let parent = this.parent; parent; parent = (parent as Scope).parent) if (parent === other) return true;
    return false;
  }
}

/** Bodies started and not yet checked, oldest first. */
const running: TestBody[] = [];

function startBody(start: TestStart): TestBody | Scope | undefined {
  if (start.type === 'suite' || start.name === '<root>') return currentCollector() as Scope | undefined;
  const body = new TestBody(start);
  for (const other of running) {
    if (body.isWithin(other)) continue;
    other.overlapped = body.overlapped = true;
  }
  running.push(body);
  return body;
}

/** The body of the test `t`: the oldest unchecked one with its name and file. */
function claimBody(t: TestContext): TestBody | undefined {
  const file = (t as { filePath?: string }).filePath;
  const index = running.findIndex((body) => body.start.name === t.name && (file === undefined || body.start.file === undefined || body.start.file === file));
  return index < 0 ? undefined : running.splice(index, 1)[0];
}

// `node --test` passes --import to each test file's process (which has
// NODE_TEST_CONTEXT set); the orchestrating process itself runs no tests.
const orchestrator = process.execArgv.includes('--test') && !process.env.NODE_TEST_CONTEXT;

if (!orchestrator && startTracking()) {
  // Node 20 and 22 publish nothing there: no AsyncLocalStorage for them to carry.
  if (Number(process.versions.node.split('.')[0]) >= 24) bindCollector(tracingChannel<TestStart>('node.test').start as never, startBody);
  beforeEach((t) => {
    const mark = markTestStart();
    (t as TestContext).after(() => {
      const body = claimBody(t as TestContext);
      // Alone, the test owns what opened in its time (its hooks too); beside others, only its body's.
      const fullName = (t as { fullName?: string }).fullName;
      return checkTestEnd(body?.overlapped ? body : mark, t.name, { runner: 'node:test', fullName });
    });
  });
}
