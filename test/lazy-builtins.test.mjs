// Builtins patched when first reached (Node with module.registerHooks): a
// program that never uses http does not pay for loading it, and one that
// reaches it in any way gets it patched before it can use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared } from './helpers.mjs';

const lazy = typeof Module.registerHooks === 'function';
const COSTLY = ['net', 'http', 'https', 'tls', 'http2', 'child_process', 'worker_threads', 'stream', 'tty', 'fs/promises', 'internal/fs/promises', 'timers/promises'];

test('under the hook, costly builtins the program never reaches are not loaded', { skip: !lazy && 'Node 20 has no module.registerHooks: every builtin is patched at start' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-load-list-'));
  const loaded = async (hook) => {
    const file = join(dir, hook ? 'hooked.json' : 'bare.json');
    const result = await run('module-load-list.mjs', { hook, env: { LOAD_LIST: file } });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(readFileSync(file, 'utf8')).filter((entry) => COSTLY.some((name) => entry === `NativeModule ${name}`));
  };
  try {
    const bare = await loaded(false);
    assert.deepEqual(await loaded(true), bare);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a builtin first reached through process.getBuiltinModule is patched, and net with it', async () => {
  const result = await run('builtin-reached-late.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'listening\n');
  assertLeaksAsDeclared(result);
});

test('a pure ESM program that reaches http loads no CommonJS module: patching it is not taken for its first require()', async () => {
  const bare = await run('esm-http-no-require.mjs', { hook: false });
  const hooked = await run('esm-http-no-require.mjs');
  assert.equal(hooked.code, 0, hooked.stderr);
  assert.equal(bare.stdout, '[]\n');
  assert.equal(hooked.stdout, bare.stdout, 'require-in-the-middle is loaded only by a require() of the program');
  assertLeaksAsDeclared(hooked);
});
