// Run programs as a user would: `node --import leaktrack/register program`,
// from the package root (so the package name resolves to this checkout), and
// read the JSON report it writes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

/**
 * Run `node [nodeArgs] fixture` and wait for it. With `hook` (default) the
 * package's register is imported first and the report read back.
 * `onStdout(text, child)` sees stdout as it comes (to send a signal on "ready").
 */
export function run(fixture, { hook = true, nodeArgs = [], env = {}, onStdout, timeoutMs = 30_000, cwd = ROOT } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'leaktrack-test-'));
  const reportPath = join(dir, 'report.json');
  const file = fixture.startsWith('/') ? fixture : join(FIXTURES, fixture);
  const args = [...(hook ? ['--import', 'leaktrack/register'] : []), ...nodeArgs, file];
  const childEnv = { ...process.env, NODE_OPTIONS: '', LEAKTRACK_REPORT: reportPath, NO_COLOR: '1', ...env };
  delete childEnv.NODE_TEST_CONTEXT; // set by the node:test running the suite: a `node --test` child would report to it
  const child = spawn(process.execPath, args, {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    onStdout?.(stdout, child);
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const report = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : undefined;
      rmSync(dir, { recursive: true, force: true });
      resolvePromise({ code, signal, stdout, stderr, report, file });
    });
  });
}

/** `onStdout` helper: send `signal` once stdout contains `marker`. */
export function signalWhen(marker, signal = 'SIGTERM') {
  let sent = false;
  return (text, child) => {
    if (!sent && text.includes(marker)) {
      sent = true;
      child.kill(signal);
    }
  };
}

/**
 * The leaks a fixture declares: a `// leak: kind` comment on the line that
 * opens it, `// leak: kind x3` for a line that leaks three.
 */
export function declaredLeaks(file) {
  const expected = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const m = /\/\/ leak: (\S+)(?: x(\d+))?/.exec(text);
      if (m) for (let i = 0; i < Number(m[2] ?? 1); i++) expected.push(`${m[1]} ${file}:${index + 1}`);
    });
  return expected.sort();
}

/**
 * The report names exactly the declared leaks: kinds, files and lines.
 * `source`: the file declaring them, when the program run was built from it.
 */
export function assertLeaksAsDeclared(result, source = result.file) {
  assert.ok(result.report, `no report written; stderr:\n${result.stderr}`);
  const actual = result.report.leaks.map((leak) => `${leak.kind} ${leak.openedAt.file}:${leak.openedAt.line}`).sort();
  assert.deepEqual(actual, declaredLeaks(source), `stderr:\n${result.stderr}`);
}

/**
 * Test runners resolve `leaktrack/<runner>` from their own node_modules, as
 * they would in a user's project: link this package in there (what
 * `npm link` does).
 */
export function linkPackageIntoNodeModules() {
  const link = join(ROOT, 'node_modules', 'leaktrack');
  try {
    symlinkSync('..', link, 'dir');
  } catch (error) {
    if (error.code !== 'EEXIST') throw error;
  }
}
