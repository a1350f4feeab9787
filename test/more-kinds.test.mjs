// Raw fds, fs streams, intervals, child processes and workers, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, assertLeaksAsDeclared, ROOT } from './helpers.mjs';

test('fs.fd: sync, callback and promisified opens never closed; closed, failed and readFileSync ones are not', async () => {
  const result = await run('fs-fd.cjs');
  assert.equal(result.stdout, 'ENOENT\nENOENT\ntrue\ndone\n');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks[0].description, /^file .*fs-fd\.cjs \(fd \d+\)$/);
});

test('fs streams never finished are fs.ReadStream / fs.WriteStream, their fds are not reported again', async () => {
  const result = await run('fs-streams.mjs');
  assert.equal(result.stdout, 'ENOENT\ndone\n');
  assertLeaksAsDeclared(result);
  assert.deepEqual(result.report.leaks.map((leak) => leak.kind).sort(), ['fs.ReadStream', 'fs.WriteStream']);
  assert.match(result.report.leaks.find((leak) => leak.kind === 'fs.WriteStream').description, /^write stream to .*left-open\.txt \(fd \d+\)$/);
});

test('timers.Interval: global, named-import and timers/promises intervals never cleared', async () => {
  const result = await run('timers-interval.mjs');
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'AbortError\n');
  assertLeaksAsDeclared(result);
  assert.deepEqual(result.report.leaks.map((leak) => leak.description).sort(), [
    'setInterval every 1000 ms',
    'setInterval every 2000 ms',
    'setInterval every 3000 ms',
    'timers/promises setInterval every 5 ms',
  ]);
});

test('child_process.ChildProcess: children still running; finished, killed, failed and sync ones are not', async () => {
  const result = await run('child-process.mjs');
  assert.equal(result.stdout, 'done\n');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks.map((leak) => leak.description).join('\n'), /child process \d+: sleep 30/);
});

test('worker_threads.Worker: workers still running (unref\'d too); finished and terminated ones are not', async () => {
  const result = await run('worker-running.mjs');
  assert.equal(result.stdout, 'true function\n', 'instanceof and the prototype are unchanged');
  assertLeaksAsDeclared(result);
});

for (const fixture of ['timers-clean.cjs', 'child-process-clean.cjs', 'fs-fd.cjs']) {
  test(`${fixture} behaves as without the hook`, async () => {
    const [bare, hooked] = await Promise.all([run(fixture, { hook: false }), run(fixture)]);
    assert.equal(hooked.code, bare.code);
    assert.deepEqual(hooked.stdout.split('\n').sort(), bare.stdout.split('\n').sort());
    if (!fixture.includes('fd')) {
      assert.deepEqual(hooked.report.leaks, []);
      assert.equal(hooked.stderr, '');
    }
  });
}

test('the README example leaks one of each kind, each reported once at its line', async () => {
  const result = await run(join(ROOT, 'examples', 'every-kind.mjs'));
  const kinds = result.report.leaks.map((leak) => leak.kind);
  assert.deepEqual([...kinds].sort(), [
    'child_process.ChildProcess', 'fetch.Response', 'fs.FileHandle', 'fs.ReadStream', 'fs.fd', 'http.Agent',
    'http.ClientRequest', 'net.Server', 'net.Socket', 'timers.Interval', 'worker_threads.Worker',
  ]);
  assert.ok(result.report.leaks.every((leak) => leak.openedAt.file.endsWith('examples/every-kind.mjs')));
  assert.match(result.stderr, /file \/.*every-kind\.mjs \(fd \d+\)/, 'file URLs are shown as paths');
});
