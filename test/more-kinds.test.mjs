// Raw fds, fs streams, intervals, child processes and workers, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { run, assertLeaksAsDeclared, ROOT } from './helpers.mjs';

const require = createRequire(import.meta.url);

test('fs.fd: sync, callback and promisified opens never closed; closed, failed and readFileSync ones are not', async () => {
  const result = await run('fs-fd.cjs');
  assert.equal(result.stdout, 'ENOENT\nENOENT\ntrue\ndone\n');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks[0].description, /^file .*fs-fd\.cjs \(fd \d+\)$/);
});

test('fs streams never finished are fs.ReadStream / fs.WriteStream, their fds are not reported again', async () => {
  const result = await run('fs-streams.mjs');
  assert.equal(result.stdout, 'ENOENT\ndone\n');
  assertLeaksAsDeclared(result);
  assert.deepEqual(result.report.leaks.map((leak) => leak.kind).sort(), ['fs.ReadStream', 'fs.WriteStream']);
  assert.match(result.report.leaks.find((leak) => leak.kind === 'fs.WriteStream').description, /^write stream to .*left-open\.txt \(fd \d+\)$/);
});

test('timers.Interval: global, named-import and timers/promises intervals never cleared (a full GC before exit loses none)', async () => {
  const result = await run('timers-interval.mjs', { nodeArgs: ['--expose-gc'] });
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'AbortError\n');
  assertLeaksAsDeclared(result);
  assert.deepEqual(result.report.leaks.map((leak) => leak.description).sort(), [
    'setInterval every 1000 ms',
    'setInterval every 2000 ms',
    'setInterval every 3000 ms',
    'timers/promises setInterval every 5 ms',
    'timers/promises setInterval every 7 ms',
  ]);
});

test('child_process.ChildProcess: children still running; finished, killed, failed and sync ones are not', async () => {
  const result = await run('child-process.mjs');
  assert.equal(result.stdout, 'done\n');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks.map((leak) => leak.description).join('\n'), /child process \d+: sleep 30/);
});

test('worker_threads.Worker: workers still running (unref\'d too); finished and terminated ones are not', async () => {
  const result = await run('worker-running.mjs');
  assert.equal(result.stdout, 'true function\n', 'instanceof and the prototype are unchanged');
  assertLeaksAsDeclared(result);
});

for (const fixture of ['timers-clean.cjs', 'child-process-clean.cjs', 'fs-fd.cjs']) {
  test(`${fixture} behaves as without the hook`, async () => {
    const [bare, hooked] = await Promise.all([run(fixture, { hook: false }), run(fixture)]);
    assert.equal(hooked.code, bare.code);
    assert.deepEqual(hooked.stdout.split('\n').sort(), bare.stdout.split('\n').sort());
    if (!fixture.includes('fd')) {
      assert.deepEqual(hooked.report.leaks, []);
      assert.equal(hooked.stderr, '');
    }
  });
}

test('the README example leaks one of each kind that needs no database, each reported once at its line', async () => {
  const result = await run(join(ROOT, 'examples', 'every-kind.mjs'));
  const kinds = result.report.leaks.map((leak) => leak.kind);
  // Node 20 has no global WebSocket without --experimental-websocket: the example opens one where there is.
  const expected = registeredKinds({ builtinOnly: true }).filter((kind) => kind !== 'undici.WebSocket' || typeof WebSocket === 'function');
  assert.deepEqual([...kinds].sort(), expected.sort());
  assert.ok(result.report.leaks.every((leak) => leak.openedAt.file.endsWith('examples/every-kind.mjs')));
  assert.match(result.stderr, /file \/.*every-kind\.mjs \(fd \d+\)/, 'file URLs are shown as paths');
});

test("the README's kind table lists exactly the kinds of the module definitions", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## What is tracked'), readme.indexOf('**A failed open is not a resource**'));
  const listed = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  assert.deepEqual([...listed].sort(), registeredKinds().sort());
});

/** The kind names the registry's definitions produce; `builtinOnly`: leave out those of npm packages. */
function registeredKinds({ builtinOnly = false } = {}) {
  const { definitions } = require('../dist/instrument/index.js');
  const { isBuiltinFile } = require('../dist/instrument/definition.js');
  const chosen = definitions.filter((definition) => !builtinOnly || definition.files.every(isBuiltinFile));
  return [...new Set(chosen.flatMap((definition) => definition.kinds.map((kind) => kind.name)))];
}

test('fs.FSWatcher (fs.watch, fs/promises watch while iterated), fs.StatWatcher and dgram.Socket: never closed are leaks; closed, unwatched, failed, ended by break or abort, never iterated are not; the program runs as bare', async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('watchers-udp.mjs', 'ENOENT\nchanged.txt AbortError\ndone\n');
  const iterated = hooked.report.leaks.find((leak) => leak.description.startsWith('fs/promises watch'));
  assert.match(iterated?.description ?? '', /^fs\/promises watch of .*leaktrack-watch-\w+, never ended$/);
  const byKind = Object.fromEntries(hooked.report.leaks.filter((leak) => leak !== iterated).map((leak) => [leak.kind, leak.description]));
  assert.match(byKind['dgram.Socket'], /^UDP socket \(udp4\) bound to 127\.0\.0\.1:\d+, never closed$/);
  assert.match(byKind['fs.FSWatcher'], /^fs\.watch of .*leaktrack-watch-\w+, never closed$/);
  assert.match(byKind['fs.StatWatcher'], /^fs\.watchFile of .*watched\.txt, never unwatched$/);
});

test('http2: a session and a server never closed are leaks as http2.* (the session\'s socket is the session\'s); closed, destroyed, refused are not; the program runs as bare', async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('http2.mjs', 'hello\nhello\nECONNREFUSED\ndone\n');
  const byKind = Object.fromEntries(hooked.report.leaks.map((leak) => [leak.kind, leak.description]));
  assert.match(byKind['http2.Session'], /^HTTP\/2 session to http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(byKind['http2.Server'], /^HTTP\/2 server listening on 127\.0\.0\.1:\d+$/);
});

test('worker_threads.MessagePort: a port or BroadcastChannel with a listener never closed is a leak; closed, unref\'d, never listened to, a Worker\'s own ports are not; the program runs as bare', async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('message-ports.mjs', 'hi\ndone\n');
});

test('undici (the npm package): an Agent, Pool and Client never closed, and a request() body never consumed (promise or callback form), are leaks; closed, destroyed, consumed, dumped, refused and the global dispatcher are not; the program runs as bare', async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('undici-npm.mjs', 'hello\ncallback form returned undefined this object\nECONNREFUSED\ndone\n');
  const responses = hooked.report.leaks.filter((leak) => leak.kind === 'undici.Response').map((leak) => leak.description);
  assert.match(responses[0], /^request\(\) GET http:\/\/127\.0\.0\.1:\d+ \(response 200, body never consumed\)$/, 'no path or query (the token)');
  assert.match(responses[1], /^request\(\) POST http:\/\/127\.0\.0\.1:\d+ \(response 200, body never consumed\)$/, "the request's own method");
  assert.match(responses[2], /^request\(\) GET http:\/\/127\.0\.0\.1:\d+ \(response 200, body never consumed\)$/, 'callback form');
});

test("WebSocket (the global, and the undici package's): opened and never closed are leaks, at the line of new WebSocket(); closed by the client or the server, refused, and answered with 400 are not; the program runs as bare", async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('websockets.mjs', 'client closed 1005\nserver closed 1000\nrefused\nrejected\ndone\n');
  const descriptions = hooked.report.leaks.map((leak) => leak.description).sort();
  assert.match(descriptions[0], /^WebSocket to ws:\/\/127\.0\.0\.1:\d+\/chat\?token=… \(never closed\)$/, 'the query value (a token) is not shown');
  assert.match(descriptions[1], /^WebSocket to ws:\/\/127\.0\.0\.1:\d+\/npm \(never closed\)$/);
  assert.doesNotMatch(hooked.stderr, /secret/);
});

test('the global MessageChannel/BroadcastChannel before node:worker_threads: on Node 22+ counted as unseen (said, and failing under LEAKTRACK_FAIL), on Node 20 leaks at their lines; a closed port is neither', async () => {
  const [bare, hooked, failing] = await Promise.all([
    run('message-ports-global.mjs', { hook: false }),
    run('message-ports-global.mjs'),
    run('message-ports-global.mjs', { env: { LEAKTRACK_FAIL: '1' } }),
  ]);
  assert.equal(hooked.stdout, bare.stdout);
  assert.equal(hooked.code, 0);
  assert.equal(failing.code, 1, 'what leaktrack cannot see still fails the run it was asked to fail');
  if (Number(process.versions.node.split('.')[0]) >= 22) {
    assert.deepEqual(hooked.report.leaks, []);
    assert.deepEqual(hooked.report.unseen, { 'worker_threads.MessagePort': 2 });
    assert.match(hooked.stderr, /^leaktrack: 2 worker_threads\.MessagePort still open were made through the global MessageChannel or BroadcastChannel, .*; not listed$/m);
  } else {
    // Node 20 patches worker_threads at start: each at its line.
    assert.deepEqual(hooked.report.leaks.map((leak) => leak.openedAt.line), [6, 7]); // a BroadcastChannel is ref'd at construction
    assert.equal(hooked.report.unseen, undefined);
  }
});

test('fs.Dir: closed by closeSync, close(), close(callback) or a for await are not leaks; never closed, or read to the end without close(), are', async () => {
  const hooked = await runsAsBareWithDeclaredLeaks('dirs.mjs', 'true true ENOENT\n');
  assert.match(hooked.report.leaks[0].description, /^directory .*fixtures, never closed$/);
});

/** The fixture bare and hooked: same exit code and stdout (`stdout` exactly), and the hooked report names exactly its declared leaks. */
async function runsAsBareWithDeclaredLeaks(fixture, stdout) {
  const [bare, hooked] = await Promise.all([run(fixture, { hook: false }), run(fixture)]);
  assert.equal(hooked.code, bare.code);
  assert.equal(hooked.stdout, bare.stdout);
  assert.equal(hooked.stdout, stdout);
  assertLeaksAsDeclared(hooked);
  return hooked;
}
