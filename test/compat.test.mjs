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
