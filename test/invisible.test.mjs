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
  // Heap after GC moves by ±40 bytes per request between runs of the same
  // program here, more when other tests load the machine: a pair is taken
  // again (up to three) when the hooked run is over. What a tag keeping its
  // stack until a sweep cost (~150 bytes per request) is over in every pair.
  const pairs = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    const bare = await run('memory-loop.mjs', { ...options, hook: false });
    const hooked = await run('memory-loop.mjs', options);
    assert.deepEqual(hooked.report.leaks, []);
    const [b, h] = [JSON.parse(bare.stdout).bytesPerRequest, JSON.parse(hooked.stdout).bytesPerRequest];
    pairs.push(`${h} hooked against ${b} bare`);
    // Within 10 % of bare, plus 64 bytes for this machine's noise.
    if (h <= b * 1.1 + 64) return;
  }
  assert.fail(`bytes per request, in each of three pairs: ${pairs.join('; ')}`);
});

test("the hook's code cache: written once beside the bundle, then used; a damaged or unwritable cache changes nothing the program sees", async (t) => {
  const { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { ROOT } = await import('./helpers.mjs');
  // A copy of the package of its own: the suite's other runs share the real one's cache.
  const copy = mkdtempSync(join(tmpdir(), 'leaktrack-cache-'));
  t.after(() => rmSync(copy, { recursive: true, force: true }));
  cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true, filter: (source) => !source.includes('.cache') });
  cpSync(join(ROOT, 'register.mjs'), join(copy, 'register.mjs'));
  const cacheDir = join(copy, 'dist', '.cache');
  const hooked = () => run('fs-require.cjs', { hook: false, nodeArgs: ['--import', join(copy, 'register.mjs')] });
  const bare = await run('fs-require.cjs', { hook: false });
  const check = (result) => {
    assert.equal(result.code, bare.code, result.stderr);
    assert.equal(result.stdout, bare.stdout);
    assert.ok(result.report.leaks.length > 0, 'the hook ran and reported');
  };

  // Read as latin1 (one byte per character, src/load-hook.mts): only right while the bundle is ASCII.
  assert.doesNotMatch(readFileSync(join(copy, 'dist', 'hook.bundle.js'), 'latin1'), /[^\x00-\x7f]/, 'the bundle is ASCII');
  // Tracking off: start() compiles little, and a cache of that would serve every later start.
  const off = await run('fs-require.cjs', { hook: false, nodeArgs: ['--import', join(copy, 'register.mjs')], env: { LEAKTRACK: '0' } });
  assert.equal(off.stdout, bare.stdout);
  assert.ok(!existsSync(cacheDir) || readdirSync(cacheDir).length === 0, 'no cache from a run that did not track');

  // The first start writes it after start (a process killed later still
  // leaves one), and again after the exit report, the report's functions in it.
  const whileRunning = join(copy, 'while-running.bin');
  const first = await run('cache-snapshot.cjs', { hook: false, nodeArgs: ['--import', join(copy, 'register.mjs')], env: { CACHE_DIR: cacheDir, CACHE_COPY: whileRunning } });
  assert.equal(first.code, 0, first.stderr);
  const [file] = readdirSync(cacheDir);
  assert.notDeepEqual(readFileSync(join(cacheDir, file)), readFileSync(whileRunning), 'written again after the exit report');
  check(await hooked());
  assert.match(file, new RegExp(`^hook-${process.version.replace(/\./g, '\\.')}-${process.arch}-\\d+-\\d+-[0-9a-f]+\\.bin$`));
  const written = statSync(join(cacheDir, file)).mtimeMs;
  check(await hooked());
  assert.equal(statSync(join(cacheDir, file)).mtimeMs, written, 'an accepted cache is not written again');

  writeFileSync(join(cacheDir, file), 'not a code cache');
  check(await hooked());
  assert.notEqual(readFileSync(join(cacheDir, file), 'utf8'), 'not a code cache', 'a rejected cache is written anew');

  const withFlag = await run('fs-require.cjs', { hook: false, nodeArgs: ['--expose-gc', '--import', join(copy, 'register.mjs')] });
  assert.equal(withFlag.stdout, bare.stdout);
  assert.equal(readdirSync(cacheDir).length, 2, 'other Node options, a cache of their own (V8 would reject the first)');

  // A rebuilt bundle (an upgrade): its first start drops the earlier build's caches.
  const { utimesSync } = await import('node:fs');
  utimesSync(join(copy, 'dist', 'hook.bundle.js'), new Date(), new Date(Date.now() + 5000));
  check(await hooked());
  const [rebuilt, ...others] = readdirSync(cacheDir);
  assert.deepEqual(others, [], 'only the new build is cached');
  assert.notEqual(rebuilt, file);

  rmSync(cacheDir, { recursive: true });
  writeFileSync(cacheDir, ''); // a file where the directory would go: nothing can be written
  check(await hooked());
});
