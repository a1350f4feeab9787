// TypeScript: reported positions are the .ts source's, through tsx's source
// maps and through the .js.map files plain tsc writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, FIXTURES, ROOT } from './helpers.mjs';

const TSX = ['--import', 'tsx', '--import', 'leaktrack/register'];

test('tsx, CommonJS .ts: a leak in a class method and one in a function, at their .ts lines and columns', async () => {
  const result = await run('ts/leaky.ts', { hook: false, nodeArgs: TSX });
  assert.equal(result.stdout, 'true true\n');
  assertLeaksAsDeclared(result);
  const handle = result.report.leaks.find((leak) => leak.kind === 'fs.FileHandle');
  assert.deepEqual(handle.openedAt, { file: result.file, line: 22, column: 38, function: 'ConfigLoader.load' });
  assert.deepEqual(handle.stack[1], { file: result.file, line: 37, column: 37, function: 'main' });
  assert.match(result.stderr, /fs\.FileHandle opened at test\/fixtures\/ts\/leaky\.ts:22:38\n/);
});

test('tsx, ESM .mts (code on generated line 2): a class method and a function, at their .mts lines', async () => {
  const result = await run('ts/leaky.mts', { hook: false, nodeArgs: TSX });
  assert.equal(result.stdout, 'tail\n');
  assertLeaksAsDeclared(result);
  const stream = result.report.leaks.find((leak) => leak.kind === 'fs.ReadStream');
  assert.equal(stream.openedAt.function, 'Watcher.follow');
  assert.equal(stream.openedAt.column, 32);
});

test('plain tsc output with .js.map files next to it: the .ts lines, with and without --enable-source-maps', async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'leaktrack-tsc-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const source = join(FIXTURES, 'ts', 'leaky.ts');
  execFileSync(process.execPath, [
    join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    ...['--outDir', outDir, '--sourceMap', '--module', 'commonjs', '--target', 'es2022', '--strict', '--types', 'node', source],
  ]);
  const compiled = join(outDir, 'leaky.js');
  assert.ok(existsSync(`${compiled}.map`));
  for (const nodeArgs of [[], ['--enable-source-maps']]) {
    const result = await run(compiled, { nodeArgs });
    assert.equal(result.stdout, 'true true\n');
    assertLeaksAsDeclared(result, source);
    // tsc emits `(0, promises_1.open)(...)`: V8 points at the call's paren, which maps to `open(`.
    const { column } = result.report.leaks.find((leak) => leak.kind === 'fs.FileHandle').openedAt;
    assert.ok(column >= 38 && column <= 42, `column ${column} is within \`open(\` on the .ts line`);
  }
});

// Type stripping is on by default from Node 22.18 and 23.6; Node 20 has none.
const stripsTypes = process.features.typescript !== undefined && process.features.typescript !== false;

test('Node\'s own type stripping (node --import leaktrack/register app.mts): the .mts positions, exactly', { skip: !stripsTypes && `Node ${process.version} has no type stripping` }, async () => {
  const result = await run('ts/stripped/leaky.mts', { env: { NODE_NO_WARNINGS: '1' } });
  assert.equal(result.stdout, 'true\n', result.stderr);
  assertLeaksAsDeclared(result);
  assert.deepEqual(result.report.leaks[0].openedAt, { file: result.file, line: 18, column: 38, function: 'Loader.load' });
});
