// Never change the program: what it can observe, what the GC can collect.
// Each program runs bare and hooked; the two must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './helpers.mjs';

async function bareAndHooked(fixture, options = {}) {
  const [bare, hooked] = await Promise.all([run(fixture, { ...options, hook: false }), run(fixture, options)]);
  assert.equal(hooked.code, bare.code, hooked.stderr);
  assert.equal(hooked.stdout, bare.stdout);
  return { bare, hooked };
}

test('an object whose method opened a socket is collected as bare: a FinalizationRegistry wait ends', async () => {
  const { hooked } = await bareAndHooked('finalization-wait.mjs', { nodeArgs: ['--expose-gc'] });
  assert.equal(hooked.stdout, 'collected\n');
});

test('listeners, event names, own keys and symbols of the program\'s objects and of patched functions are as bare', async () => {
  const { hooked } = await bareAndHooked('observable.mjs');
  assert.match(hooked.stdout, /^server listening: events {2}counts {2}keys /m, 'no listener on a listening server');
  assert.deepEqual(hooked.report.leaks, []);
});

test('a request loop with many requests in flight: the heap grows per request as it does bare', async () => {
  const options = { nodeArgs: ['--expose-gc'], timeoutMs: 60_000 };
  const bare = await run('memory-loop.mjs', { ...options, hook: false });
  const hooked = await run('memory-loop.mjs', options);
  const [b, h] = [JSON.parse(bare.stdout).bytesPerRequest, JSON.parse(hooked.stdout).bytesPerRequest];
  // Within 10 % of bare, plus 64 bytes for this machine's noise (a tag that
  // kept its stack until a sweep cost ~150 bytes per request here).
  assert.ok(h <= b * 1.1 + 64, `${h} bytes per request hooked against ${b} bare`);
  assert.deepEqual(hooked.report.leaks, []);
});
