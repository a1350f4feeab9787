// Scopes (AsyncLocalStorage) and the user-facing Tracker API, in process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, declaredLeaks, FIXTURES } from './helpers.mjs';

const require = createRequire(import.meta.url);
const { Tracker, scope, Scope, withScope, currentScope, LeakError, report, processTracker } = require('../dist/index.js');
const HERE = fileURLToPath(import.meta.url);

const lines = (leaks) => leaks.map((leak) => `${leak.kind}@${leak.openedAt.line}`).sort();
/** The line of this file marked `// opens: name`. */
const lineNumbers = Object.fromEntries(
  readFileSync(HERE, 'utf8').split('\n').flatMap((text, i) => {
    const m = /\/\/ opens: (\w+)/.exec(text);
    return m ? [[m[1], i + 1]] : [];
  }),
);
const lineOf = (marker) => lineNumbers[marker];

test('a scope holds what was opened in it: after an await, in a timer, in a callback; not what was opened outside', async () => {
  const tracker = new Tracker();
  const outside = tracker.create('app.Outside'); // opens: outside
  const held = [];
  const s = await scope(async () => {
    await sleep(1);
    held.push(tracker.create('app.AfterAwait')); // opens: afterAwait
    await new Promise((resolve) => setTimeout(() => resolve(held.push(tracker.create('app.InTimer'))), 1)); // opens: inTimer
    await new Promise((resolve) => process.nextTick(() => resolve(held.push(tracker.create('app.InTick'))))); // opens: inTick
  }, 'request');
  assert.ok(s instanceof Scope);
  assert.deepEqual(lines(s.open()), [`app.AfterAwait@${lineOf('afterAwait')}`, `app.InTick@${lineOf('inTick')}`, `app.InTimer@${lineOf('inTimer')}`]);
  assert.equal(s.open()[0].openedAt.file, HERE);
  held[0].close();
  assert.equal(s.open().length, 2, 'a closed tag leaves its scope');
  outside.close();
});

test('nested scopes: the inner one\'s resources count for the outer one too, not the other way round', async () => {
  const tracker = new Tracker();
  let inner;
  const outer = await scope(async () => {
    tracker.create('app.OuterOnly');
    inner = await scope(async () => {
      await sleep(1);
      tracker.create('app.Inner');
      assert.equal(currentScope().name, 'inner');
    }, 'inner');
    assert.equal(currentScope().name, 'outer');
  }, 'outer');
  assert.deepEqual(inner.open().map((leak) => leak.kind), ['app.Inner']);
  assert.deepEqual(outer.open().map((leak) => leak.kind).sort(), ['app.Inner', 'app.OuterOnly']);
  assert.equal(currentScope(), undefined);
});

test('check() throws a LeakError naming kind, description and opening line; passes when all closed', async () => {
  const tracker = new Tracker();
  let tag;
  const s = scope(() => {
    tag = tracker.create('app.Lock', 'orders table lock'); // opens: lock
  }, 'job 42');
  assert.ok(s instanceof Scope, 'a sync fn gives the scope itself');
  assert.throws(() => s.check(), (error) => {
    assert.ok(error instanceof LeakError);
    assert.match(error.message, /^scope "job 42" left 1 resource open/);
    assert.match(error.message, new RegExp(`app\\.Lock opened at \\S*scope\\.test\\.mjs:${lineOf('lock')}:`));
    assert.match(error.message, /orders table lock/);
    assert.equal(error.leaks.length, 1);
    return true;
  });
  tag.close();
  s.check();
});

test('withScope runs in an existing scope and returns the function\'s result; scope() passes errors through', async () => {
  const tracker = new Tracker();
  const job = new Scope('job');
  assert.equal(withScope(job, () => tracker.create('app.Sub') && 7), 7);
  assert.equal(job.open().length, 1);
  await assert.rejects(scope(async () => { throw new Error('boom'); }), /boom/);
  assert.throws(() => scope(() => { throw new Error('sync boom'); }), /sync boom/);
});

test('Tracker: close() lists what is open; creating afterwards throws, as in the seed', () => {
  const tracker = new Tracker();
  tracker.create('app.A', 'first');
  const b = tracker.create('app.B');
  b.close();
  assert.deepEqual(tracker.open().map((tag) => tag.kind), ['app.A']);
  const error = tracker.close();
  assert.match(error.message, /1 open resource\n---\napp\.A \(first\)/);
  assert.throws(() => tracker.create('app.C'), /after the tracker was closed/);
});

test('report() returns the JSON report structure with user tags of the process-wide tracker', () => {
  const tag = processTracker.create('app.Subscription', 'orders feed'); // opens: subscription
  const now = report();
  assert.equal(now.tool, 'leaktrack');
  assert.equal(now.pid, process.pid);
  const mine = now.leaks.find((leak) => leak.kind === 'app.Subscription');
  assert.deepEqual(mine.openedAt, { ...mine.openedAt, file: HERE, line: lineOf('subscription') });
  assert.equal(mine.description, 'orders feed');
  tag.close();
  assert.equal(report().leaks.some((leak) => leak.kind === 'app.Subscription'), false);
});

test('under the hook, a scope holds the sockets and files its code opened, and check() names their lines', async () => {
  const result = await run('scope-hook.mjs');
  assert.equal(result.code, 0, result.stderr);
  const [held, message] = result.stdout.split('\n---\n');
  const expected = declaredLeaks(result.file).map((entry) => entry.replace(` ${result.file}:`, '@'));
  assert.deepEqual(held.trim().split('\n').sort(), expected);
  assert.match(message, /^scope "handler" left 2 resources open/);
});

test('without the hook, the first scope() starts tracking and says so once; what it opens is seen', async () => {
  const fixture = join(FIXTURES, 'api-without-hook.mjs');
  const result = await run(fixture, { hook: false });
  const [declared] = declaredLeaks(fixture);
  assert.equal(result.stdout, `fs.FileHandle@${declared.split(':').pop()}\n1\n`);
  assert.equal(result.stderr, "leaktrack: the hook is not loaded (node --import leaktrack/register): tracking starts at this first scope()/report() call; what was opened before it is not seen\n");
});
