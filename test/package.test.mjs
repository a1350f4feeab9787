// What a user installs: the published files and types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

const packed = () => {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
  return info.files.map((file) => file.path);
};

test('the package ships its licence, the hook bundle and typed entry points, and nothing of the build left unused', () => {
  const files = packed();
  for (const needed of ['LICENSE', 'README.md', 'register.mjs', 'dist/hook.bundle.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']) {
    assert.ok(files.includes(needed), `${needed} is not in the package`);
  }
  assert.deepEqual(files.filter((file) => /^dist\/hook\.(js|d\.ts)$/.test(file)), []);
});

test('the published types name no internal member', () => {
  const declarations = packed().filter((file) => file.endsWith('.d.ts'));
  assert.ok(declarations.length > 10);
  for (const file of declarations) assert.doesNotMatch(readFileSync(join(ROOT, file), 'utf8'), /@internal/, file);
  const tracker = readFileSync(join(ROOT, 'dist', 'core', 'tracker.d.ts'), 'utf8');
  assert.match(tracker, /track<R extends object>\(kind: ResourceKind<R>, resource: R, detail\?: unknown\): Tag;/, 'the public track() is usable');
  assert.doesNotMatch(tracker, /trackCaptured/);
});
