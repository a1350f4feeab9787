// Never change the program: hostile settings, odd exits, double loading,
// frozen modules, bad report paths, many processes. Each compared with the
// same program run bare where that says something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, FIXTURES, ROOT } from './helpers.mjs';

const hostile = (name) => join(FIXTURES, 'hostile', name);

async function sameAsBare(fixture, options = {}) {
  const [bare, hooked] = await Promise.all([run(fixture, { ...options, hook: false }), run(fixture, options)]);
  assert.equal(hooked.code, bare.code, hooked.stderr);
  assert.equal(hooked.signal, bare.signal);
  assert.equal(hooked.stdout, bare.stdout);
  return { bare, hooked };
}

const lines = (stderr) => stderr.split('\n').filter((line) => line.startsWith('leaktrack: ') && !/resources? still open|leaks? from/.test(line));

test("the program's Error.stackTraceLimit = 0 and its own prepareStackTrace: its stacks unchanged, ours still work", async () => {
  const { hooked } = await sameAsBare(hostile('stack-settings.cjs'));
  assert.match(hooked.stdout, /^"Error: limit 0"\ncustom \| 3 frames \| named\n3 function\n$/);
  assertLeaksAsDeclared(hooked);
});

test('an exit listener that throws, and one that calls process.exit: same exit code and error, report written', async () => {
  for (const fixture of ['exit-listener-throws.cjs', 'exit-listener-exits.cjs']) {
    const { bare, hooked } = await sameAsBare(hostile(fixture));
    assert.ok(hooked.stderr.endsWith(bare.stderr), `${fixture}: the program's own error text, unchanged and last`);
    assertLeaksAsDeclared(hooked);
  }
});

test('closing twice, closing inside its own close listener, server.close twice: unchanged, nothing reported', async () => {
  const { hooked } = await sameAsBare(hostile('close-twice.mjs'));
  assert.match(hooked.stdout, /second closeSync EBADF/);
  assert.deepEqual(hooked.report.leaks, []);
  assert.equal(hooked.stderr, '');
});

test('loaded twice (--import twice; NODE_OPTIONS and the command line): one report, no double patching', async () => {
  const twice = await run(hostile('leak-exit-3.cjs'), { nodeArgs: ['--import', 'leaktrack/register'] });
  const both = await run(hostile('leak-exit-3.cjs'), { env: { NODE_OPTIONS: '--import leaktrack/register' } });
  for (const result of [twice, both]) {
    assert.equal(result.code, 3);
    assert.equal(result.stdout, 'ran\n');
    assert.equal(result.stderr.match(/resources? still open/g)?.length, 1, result.stderr);
    assertLeaksAsDeclared(result);
  }
});

test('LEAKTRACK_REPORT unwritable, a directory, in a missing directory: one line each, exit code unchanged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-paths-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases = {
    [dir]: /cannot write LEAKTRACK_REPORT .*EISDIR/,
    [join(dir, 'missing', 'r.json')]: /cannot write LEAKTRACK_REPORT .*ENOENT/,
  };
  if (process.getuid?.() !== 0) {
    // root writes anywhere; anyone else is refused a read-only file
    writeFileSync(join(dir, 'ro.json'), '');
    chmodSync(join(dir, 'ro.json'), 0o444);
    cases[join(dir, 'ro.json')] = /cannot write LEAKTRACK_REPORT .*EACCES/;
  }
  cases['/proc/leaktrack-report.json'] = /cannot write LEAKTRACK_REPORT .*(ENOENT|EACCES|EROFS)/;
  for (const [path, message] of Object.entries(cases)) {
    const result = await run(hostile('leak-exit-3.cjs'), { env: { LEAKTRACK_REPORT: path } });
    assert.equal(result.code, 3);
    assert.equal(result.stdout, 'ran\n');
    const ours = lines(result.stderr);
    assert.equal(ours.length, 1, result.stderr);
    assert.match(ours[0], message);
  }
});

test('a relative LEAKTRACK_REPORT is written next to the cwd, with a note; malformed LEAKTRACK says so and tracks on', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-cwd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // (from another directory the package name does not resolve: import the register file itself)
  const register = ['--import', join(ROOT, 'register.mjs')];
  const relative = await run(hostile('leak-exit-3.cjs'), { hook: false, nodeArgs: register, env: { LEAKTRACK_REPORT: 'out/../report.json' }, cwd: dir });
  assert.match(lines(relative.stderr).join('\n'), /LEAKTRACK_REPORT should be an absolute path; writing .*report\.json/);
  assert.equal(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).leaks.length, 1);

  const malformed = await run(hostile('leak-exit-3.cjs'), { env: { LEAKTRACK: 'maybe' } });
  assert.deepEqual(lines(malformed.stderr), ['leaktrack: LEAKTRACK="maybe" is not one of 1/0/true/false; tracking stays on']);
  assertLeaksAsDeclared(malformed);

  const off = await run(hostile('leak-exit-3.cjs'), { env: { LEAKTRACK: '0' } });
  assert.equal(off.stderr, '');
  assert.equal(off.report, undefined, 'switched off: no report at all');
});

test('fs frozen by an earlier preload: one line, the program unchanged, fs/promises still tracked', async () => {
  const options = { nodeArgs: ['--import', hostile('freeze-fs.mjs')] };
  const bare = await run(hostile('frozen-program.cjs'), { ...options, hook: false });
  const hooked = await run(hostile('frozen-program.cjs'), { hook: false, nodeArgs: [...options.nodeArgs, '--import', 'leaktrack/register'] });
  assert.equal(hooked.code, bare.code);
  assert.equal(hooked.stdout, 'true function\n');
  assert.equal(hooked.stdout, bare.stdout);
  assert.deepEqual(lines(hooked.stderr), ['leaktrack: cannot patch fs (frozen or non-configurable); what it opens is not tracked']);
  assertLeaksAsDeclared(hooked);
});

test('worker threads: the worker runs as it would; the process reports what the main thread opened', async () => {
  const { hooked } = await sameAsBare(hostile('worker-leaks.mjs'));
  assert.equal(hooked.stdout, 'worker said number\n');
  assertLeaksAsDeclared(hooked);
});

test('50 child processes under NODE_OPTIONS, LEAKTRACK_REPORT with %p: 50 reports, one leak each', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-many-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const result = await run(hostile('many-children.mjs'), { env: { LEAKTRACK_REPORT: join(dir, 'report-%p.json') }, timeoutMs: 120_000 });
  assert.equal(result.stdout, '50 children exited 0\n');
  const reports = readdirSync(dir).map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
  const children = reports.filter((report) => report.pid !== reports.find((r) => r.leaks.length === 0)?.pid);
  assert.equal(reports.length, 51, 'the parent and its 50 children');
  assert.equal(new Set(reports.map((report) => report.pid)).size, 51);
  assert.equal(children.filter((report) => report.leaks.length === 1 && report.leaks[0].kind === 'fs.fd').length, 50);
});

test('a frozen Error (stackTraceLimit read-only): the program runs as bare, and its leak is still found at its line', async () => {
  const { hooked } = await sameAsBare(hostile('frozen-error.cjs'));
  assert.equal(hooked.stdout, 'number\nECONNREFUSED\n');
  assert.deepEqual(lines(hooked.stderr), []);
  assertLeaksAsDeclared(hooked);
});

test('leaktrack failing on the open path: the call returns as bare, one line names the kind no longer tracked', async () => {
  const { hooked } = await sameAsBare(hostile('capture-fails.cjs'));
  assert.equal(hooked.stdout, 'number\n');
  assert.deepEqual(lines(hooked.stderr), ['leaktrack: internal error (TypeError: capture is broken); fs.fd is not tracked']);
  assert.deepEqual(hooked.report.leaks, []);
  assert.deepEqual(hooked.report.notTracked, ['fs.fd']);
});

test('never silently green: with LEAKTRACK_FAIL, a kind no longer tracked, or a module that could not be patched, fails the run with why', async () => {
  const failing = await run(hostile('capture-fails.cjs'), { env: { LEAKTRACK_FAIL: '1' } });
  assert.equal(failing.code, 1, failing.stderr);
  assert.equal(failing.stdout, 'number\n');
  assert.deepEqual(lines(failing.stderr), [
    'leaktrack: internal error (TypeError: capture is broken); fs.fd is not tracked',
    'leaktrack: failing this run (LEAKTRACK_FAIL is set): fs.fd was not tracked, so leaks there would go unseen',
  ]);
  const frozen = await run(hostile('frozen-program.cjs'), { hook: false, env: { LEAKTRACK_FAIL: '1' }, nodeArgs: ['--import', hostile('freeze-fs.mjs'), '--import', 'leaktrack/register'] });
  assert.equal(frozen.code, 1);
  assert.deepEqual(frozen.report.notTracked, ['fs']);
  assert.match(frozen.stderr, /^leaktrack: failing this run \(LEAKTRACK_FAIL is set\): fs was not tracked, so leaks there would go unseen$/m);
});
