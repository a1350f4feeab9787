// Real libraries under the hook (test/compat/): each workload runs bare and
// hooked and must behave the same (exit code, stdout) with nothing reported;
// a copy with deliberate leaks must have exactly those found, at their lines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, ROOT } from './helpers.mjs';
import { startPostgres } from './support/postgres.mjs';

const COMPAT = join(ROOT, 'test', 'compat');
const WORKLOADS = [
  ['ws', 'ws.mjs', 'ws-leak.mjs', { gc: true }],
  ['undici (npm)', 'undici.mjs', 'undici-leak.mjs'],
  ['express', 'express.mjs', 'express-leak.mjs'],
  ['pg with pg-cursor and pg-query-stream', 'pg-cursor.mjs', 'pg-cursor-leak.mjs', { pg: true }],
  ['node:stream pipelines over files and gzip', 'streams-gzip.mjs', 'streams-gzip-leak.mjs'],
  ['a net.Socket subclass and a wrapper of fs.promises.open', 'subclass.mjs', 'subclass-leak.mjs'],
  ['a program that patches fs and net after leaktrack', 'repatch.cjs', 'repatch-leak.cjs'],
];

let postgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

for (const [name, clean, leaky, options = {}] of WORKLOADS) {
  test(`${name}: unchanged under the hook, nothing reported; its deliberate leaks found at their lines`, async () => {
    const env = options.pg ? postgres.env : {};
    const [bare, hooked] = await Promise.all([run(join(COMPAT, clean), { hook: false, env }), run(join(COMPAT, clean), { env })]);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(hooked.code, bare.code);
    assert.equal(hooked.stdout, bare.stdout);
    assert.deepEqual(hooked.report.leaks, [], hooked.stderr);
    assert.equal(hooked.stderr, '');

    const leaked = await run(join(COMPAT, leaky), { env, nodeArgs: options.gc ? ['--expose-gc'] : [] });
    assertLeaksAsDeclared(leaked);
  });
}

test('a suite-like run (many small ws, undici, express and net tests in one process, node --test): the same results bare and hooked, nothing reported', async (t) => {
  const { mkdtempSync, readdirSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-suite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { execFile } = await import('node:child_process');
  const runSuite = (extraEnv) =>
    new Promise((resolve) => {
      const env = { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: '', NO_COLOR: '1', ...extraEnv };
      delete env.NODE_TEST_CONTEXT; // set by the node:test running this file
      execFile(process.execPath, ['--expose-gc', '--test', '--test-reporter=tap', join(COMPAT, 'suite-like.test.mjs')], { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? error.code : 0, stdout, stderr }),
      );
    });
  const [bare, hooked] = await Promise.all([runSuite({}), runSuite({ NODE_OPTIONS: '--expose-gc --import leaktrack/register', LEAKTRACK_REPORT: join(dir, 'r-%p.json') })]);
  const summary = (out) => out.split('\n').filter((line) => /^# (tests|pass|fail|cancelled|skipped)/.test(line)).join('\n');
  assert.match(bare.stdout, /^# pass 26$/m, bare.stdout.slice(-2000));
  assert.equal(summary(hooked.stdout), summary(bare.stdout));
  assert.equal(hooked.code, bare.code);
  assert.doesNotMatch(hooked.stderr, /leaktrack/);
  const reports = readdirSync(dir).map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')));
  assert.ok(reports.length >= 1, 'the test file\'s process reported');
  assert.deepEqual(reports.flatMap((report) => report.leaks), []);
});
