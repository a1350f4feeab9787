// Unit tests for src/core: Tracker, Tag, stack capture and the first user frame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { Tracker } = require('../dist/core/tracker.js');
const { captureStack, resolveStack, isUserFrame, firstUserFrame } = require('../dist/core/stack.js');
const { findLeaks } = require('../dist/report/leaks.js');
const HERE = fileURLToPath(import.meta.url);
const REPORTED_LINE = readFileSync(HERE, 'utf8').split('\n').findIndex((line) => line.includes('// the line' + ' reported')) + 1;

test('a tag stays open until closed; closing twice is harmless', () => {
  const tracker = new Tracker();
  const tag = tracker.create('app.Lock', 'the big lock');
  assert.deepEqual(tracker.open(), [tag]);
  assert.equal(tag.kind, 'app.Lock');
  assert.equal(tag.description, 'the big lock');
  tag.close();
  tag.close();
  assert.deepEqual(tracker.open(), []);
});

test('close() returns an error listing what is open, and later creates throw', () => {
  const tracker = new Tracker();
  tracker.create('app.Subscription', 'orders');
  tracker.create('app.Subscription', 'payments').close();
  const error = tracker.close();
  assert.match(error.message, /^1 open resource\n---\napp\.Subscription \(orders\)$/);
  assert.throws(() => tracker.create('app.Late'), /after the tracker was closed/);
  assert.equal(new Tracker().close(), undefined);
});

test('tracked resources are open while their kind says so', () => {
  const tracker = new Tracker();
  const kind = { name: 'test.Thing', isOpen: (thing) => !thing.closed, describe: (thing, detail) => `thing ${detail}` };
  const thing = { closed: false };
  const tag = tracker.track(kind, thing, 'A');
  assert.deepEqual(tracker.open(), [tag]);
  assert.equal(tag.description, 'thing A');
  thing.closed = true;
  assert.deepEqual(tracker.open(), []);
});

test('a resource tracked twice (opened again) is listed once, with its newest tag', () => {
  const tracker = new Tracker();
  const kind = { name: 'test.Thing' };
  const thing = {};
  tracker.track(kind, thing);
  const newest = tracker.track(kind, thing);
  assert.deepEqual(tracker.open(), [newest]);
});

test('tags of resources that closed on their own are swept: the set stays bounded', () => {
  const tracker = new Tracker();
  const kind = { name: 'test.Thing', isOpen: (thing) => !thing.closed };
  let maxOpen = 0;
  for (let i = 0; i < 20_000; i++) {
    tracker.track(kind, { closed: true });
    if (i % 1000 === 0) maxOpen = Math.max(maxOpen, tracker.size);
  }
  assert.ok(maxOpen <= 2048, `set grew to ${maxOpen}`);
  const alive = { closed: false };
  tracker.track(kind, alive);
  assert.equal(tracker.open().length, 1);
});

test('a resource closed before the next open is let go at that open (V8 keeps WeakRef targets through young GCs)', () => {
  const tracker = new Tracker();
  const kind = { name: 'test.Thing', isOpen: (thing) => !thing.closed };
  for (let i = 0; i < 1000; i++) {
    const thing = { closed: false };
    tracker.track(kind, thing);
    assert.equal(tracker.size, 1, `open #${i}: the tag of the previous, closed one is still held`);
    thing.closed = true;
  }
  // Behind a resource that stays open, closed ones still go within a bounded number of opens.
  const server = { closed: false };
  tracker.track(kind, server);
  let maxHeld = 0;
  for (let i = 0; i < 1000; i++) {
    const thing = { closed: false };
    tracker.track(kind, thing);
    thing.closed = true;
    maxHeld = Math.max(maxHeld, tracker.size);
  }
  assert.ok(maxHeld <= 40, `held ${maxHeld} tags behind one open resource`);
  assert.equal(tracker.open().length, 1);
});

function openSomething(tracker) {
  return tracker.create('test.Opened'); // the line reported
}

test('the opening stack names the caller of create(), with its line', () => {
  const tracker = new Tracker();
  const tag = openSomething(tracker);
  const frames = tag.openingFrames();
  assert.equal(frames[0].file, HERE);
  assert.equal(frames[0].function, 'openSomething');
  assert.equal(frames[0].line, REPORTED_LINE);
  const [leak] = findLeaks([tag]);
  assert.equal(leak.openedAt.line, REPORTED_LINE);
  assert.equal(leak.kind, 'test.Opened');
});

test("capture leaves the program's Error.stackTraceLimit and prepareStackTrace alone", () => {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  try {
    Error.stackTraceLimit = 0;
    const custom = () => 'custom';
    Error.prepareStackTrace = custom;
    const holder = (function opener() {
      return captureStack(opener);
    })();
    assert.equal(Error.stackTraceLimit, 0);
    const frames = resolveStack(holder);
    assert.ok(frames.length > 0, 'frames captured even with stackTraceLimit 0');
    assert.equal(Error.prepareStackTrace, custom);
    assert.equal(new Error('x').stack, 'custom');
  } finally {
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
});

test('user frames exclude node internals, node_modules and leaktrack itself', () => {
  const frame = (file) => ({ file, line: 1, column: 1, function: 'f' });
  assert.equal(isUserFrame(frame('/app/src/db.js')), true);
  assert.equal(isUserFrame(frame('[eval]')), true);
  assert.equal(isUserFrame(frame('node:net')), false);
  assert.equal(isUserFrame(frame('node:internal/fs/promises')), false);
  assert.equal(isUserFrame(frame('/app/node_modules/pg/lib/client.js')), false);
  const own = require.resolve('../dist/core/tracker.js');
  assert.equal(isUserFrame(frame(own)), false);
  assert.equal(firstUserFrame([frame('node:net'), frame('/app/node_modules/x/i.js'), frame('/app/a.js')]).file, '/app/a.js');
});

test('wrapMethod keeps name and length, refuses to patch twice, and unwrapMethod restores', () => {
  const { wrapMethod, unwrapMethod, isWrapped } = require('../dist/instrument/wrap.js');
  class Base {
    open(a, b) {
      return `base ${a} ${b}`;
    }
  }
  class Child extends Base {}
  const calls = [];
  const make = (original) =>
    function (...args) {
      calls.push(args);
      return original.apply(this, args);
    };
  assert.equal(wrapMethod(Child.prototype, 'open', make), true);
  assert.equal(wrapMethod(Child.prototype, 'open', make), false, 'a second patch is refused');
  assert.equal(Child.prototype.open.name, 'open');
  assert.equal(Child.prototype.open.length, 2);
  assert.equal(new Child().open(1, 2), 'base 1 2');
  assert.deepEqual(calls, [[1, 2]]);
  assert.equal(isWrapped(Child.prototype.open), true);
  unwrapMethod(Child.prototype, 'open');
  // The method was inherited: unwrapping removes the own property again.
  assert.equal(Object.hasOwn(Child.prototype, 'open'), false);
  assert.equal(Child.prototype.open, Base.prototype.open);
});

test('the full sweep drops tags whose resources closed on their own behind the young queue', () => {
  const tracker = new Tracker();
  const kind = { name: 'test.Thing', isOpen: (thing) => !thing.closed };
  // Open long enough to leave the young queue, then closed without a word to leaktrack.
  const things = Array.from({ length: 1100 }, () => ({ closed: false }));
  for (const thing of things) tracker.track(kind, thing);
  for (const thing of things) thing.closed = true;
  // The sweep runs when the set doubles: more resources, these ones staying open.
  const alive = Array.from({ length: 1100 }, () => ({ closed: false }));
  for (const thing of alive) tracker.track(kind, thing);
  assert.ok(tracker.size <= 1200, `${tracker.size} tags held for ${alive.length} open resources`);
  assert.equal(tracker.open().length, alive.length);
});

test('ignore rules: a file glob matches the path relative to the cwd, or the absolute path', () => {
  const { makeLeakFilter } = require('../dist/report/filter.js');
  const leak = (file) => ({ kind: 'fs.fd', openedAt: { file, line: 1, column: 1, function: 'f' }, stack: [], description: '' });
  const keep = makeLeakFilter({ ignore: [{ file: 'test/**' }, { file: '/opt/vendor/**' }] }, '/work/app');
  assert.equal(keep(leak('/work/app/test/a.js')), false, 'relative to the cwd');
  assert.equal(keep(leak('/opt/vendor/lib/b.js')), false, 'absolute, outside the cwd');
  assert.equal(keep(leak('/work/app/src/c.js')), true);
});

test('the test helpers wait the grace period for what is still closing, and fail on what stays open', async () => {
  const { checkTestEnd, markTestStart } = require('../dist/testing/guard.js');
  const { processTracker } = require('../dist/core/tracker.js');
  const kind = { name: 'test.Closing', isOpen: (thing) => !thing.closed };
  const closing = { closed: false };
  const mark = markTestStart();
  processTracker.track(kind, closing);
  queueMicrotask(() => (closing.closed = true)); // closes just after the test ended
  await checkTestEnd(mark, 'closes late'); // the default grace period (100 ms)
  const stuck = { closed: false };
  const next = markTestStart();
  processTracker.track(kind, stuck);
  await assert.rejects(checkTestEnd(next, 'leaks', { graceMs: 20 }), /test "leaks" left 1 resource open/);
  stuck.closed = true;
});
