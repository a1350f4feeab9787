// The hook end to end: fixtures run under `node --import leaktrack/register`,
// checked against the `// leak:` lines they declare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, declaredLeaks, assertLeaksAsDeclared, signalWhen } from './helpers.mjs';

for (const fixture of ['fs-named-import.mjs', 'fs-default-import.mjs', 'fs-namespace-import.mjs', 'fs-require.cjs']) {
  test(`fs/promises open is tracked through ${fixture}`, async () => {
    const result = await run(fixture);
    assert.equal(result.code, 0, result.stderr);
    assertLeaksAsDeclared(result);
  });
}

test('a FileHandle leaked on an error path is reported; the safe variant is not', async () => {
  const result = await run('fs-error-path.mjs');
  assert.equal(result.stdout, 'first: header too long\nsecond: header too long\n');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].openedAt.function, 'readHeader');
  assert.deepEqual(result.report.leaks[0].stack.map((frame) => frame.function).slice(0, 1), ['readHeader']);
});

test('three handles leaked in a loop are three entries, folded on stderr', async () => {
  const result = await run('fs-loop.mjs');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks.length, 3);
  assert.match(result.stderr, /3× fs\.FileHandle opened at test\/fixtures\/fs-loop\.mjs:5:/);
});

test('closed handles and failed opens are not leaks', async () => {
  const clean = await run('fs-clean.mjs');
  assert.equal(clean.stdout, 'ENOENT\nEEXIST\ndone\n');
  assert.deepEqual(clean.report.leaks, []);
  assert.equal(clean.stderr, '');
});

test('FileHandles transferred to a worker are not leaks here, even once collected; a refused transfer leaves the handle the program\'s', async () => {
  const [bare, hooked] = await Promise.all([run('fs-handle-transfer.mjs', { hook: false }), run('fs-handle-transfer.mjs')]);
  assert.equal(bare.stdout, 'true -1\n'.repeat(5) + 'DataCloneError\n');
  assert.equal(hooked.stdout, bare.stdout);
  assertLeaksAsDeclared(hooked);
});

test('FileHandles dropped unclosed: collected and closed by GC exactly as bare (fds, heap, exit), and each reported as a leak', async () => {
  const options = { nodeArgs: ['--expose-gc'] };
  const [bare, hooked] = await Promise.all([run('fs-dropped-handles.mjs', { ...options, hook: false }), run('fs-dropped-handles.mjs', options)]);
  assert.equal(hooked.code, bare.code, hooked.stderr);
  if (bare.stdout) {
    // Up to Node 24 the program runs on (with a warning per fd); from Node 25 the first GC close ends it.
    const [b, h] = [JSON.parse(bare.stdout), JSON.parse(hooked.stdout)];
    assert.equal(b.fdsLeft, 0, 'bare: the GC closed every fd');
    // (An fd of Node's own may close meanwhile: no more left open than bare is what counts.)
    assert.ok(h.fdsLeft <= b.fdsLeft, `hooked: ${h.fdsLeft} fds left open, bare ${b.fdsLeft}`);
    // 80 MB were dropped: what stays must match bare within 5 % of that.
    assert.ok(Math.abs(h.retainedMB - b.retainedMB) <= 4, `${h.retainedMB} MB retained hooked against ${b.retainedMB} MB bare`);
    assert.match(hooked.stderr, /Closing file descriptor \d+ on garbage collection/);
    assertLeaksAsDeclared(hooked);
    for (const leak of hooked.report.leaks) {
      assert.match(leak.description, /^file .*fs-dropped-handles\.mjs \(fd \d+\): never closed by the program; garbage collection closed it$/);
    }
  } else {
    // Node 25+: the process ended at the first GC close, after however many opens the GC allowed.
    assert.match(hooked.stderr, /ERR_INVALID_STATE/);
    const [declared] = declaredLeaks(hooked.file);
    assert.ok(hooked.report.leaks.length >= 1);
    for (const leak of hooked.report.leaks) assert.equal(`${leak.kind} ${leak.openedAt.file}:${leak.openedAt.line}`, declared);
  }
});

test('the seed example: the first socket leaks when the second dial is refused', async () => {
  const result = await run('net-second-dial-fails.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'copy failed: ECONNREFUSED\n');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].openedAt.function, '<anonymous>');
  // Innermost first: the Promise executor, dial(), copy() (then the module body).
  assert.deepEqual(result.report.leaks[0].stack.map((frame) => frame.function).slice(0, 3), ['<anonymous>', 'dial', 'copy']);
  assert.match(result.report.leaks[0].description, /^TCP socket to 127\.0\.0\.1:\d+$/);
});

test('a socket whose peer hung up but that never ended its side is still open', async () => {
  const result = await run('net-half-open.mjs');
  assert.equal(result.stdout, 'peer ended\n');
  assertLeaksAsDeclared(result);
});

test('ended, destroyed, refused and failed-to-listen sockets and servers are not leaks', async () => {
  const result = await run('net-clean.cjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'listen: EADDRINUSE\nconnect: ECONNREFUSED\n');
  assert.deepEqual(result.report.leaks, []);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`a server left listening is reported when the process is stopped by ${signal}, which still kills it`, async () => {
    const bare = await run('net-server-signal.mjs', { hook: false, onStdout: signalWhen('ready', signal) });
    const result = await run('net-server-signal.mjs', { onStdout: signalWhen('ready', signal) });
    assert.equal(bare.signal, signal);
    assert.equal(result.signal, signal);
    assert.equal(result.code, bare.code);
    assertLeaksAsDeclared(result);
    assert.match(result.report.leaks[0].description, /^TCP server listening on 127\.0\.0\.1:\d+$/);
  });
}

test("a program's own SIGTERM handler keeps deciding how it ends", async () => {
  const result = await run('own-signal-handler.cjs', { onStdout: signalWhen('ready') });
  assert.equal(result.signal, null);
  assert.equal(result.code, 0);
  assert.equal(result.stdout, 'ready\nstopping\n');
  assertLeaksAsDeclared(result);
});

test('process.exit(3) with leaks: exit code kept, report written', async () => {
  const result = await run('process-exit.mjs');
  assert.equal(result.code, 3);
  assert.equal(result.stdout, 'exiting with 3\n');
  assertLeaksAsDeclared(result);
});

for (const fixture of ['uncaught-exception.cjs', 'unhandled-rejection.mjs']) {
  test(`${fixture}: same exit code and error text as without the hook, leaks reported`, async () => {
    const bare = await run(fixture, { hook: false });
    const hooked = await run(fixture);
    assert.equal(hooked.code, bare.code);
    assert.equal(hooked.code, 1);
    assert.equal(hooked.stdout, bare.stdout);
    assert.ok(bare.stderr.length > 0);
    // The program's own error text and stack, unchanged, after our report.
    assert.ok(hooked.stderr.endsWith(bare.stderr), `hooked stderr:\n${hooked.stderr}\n--- bare:\n${bare.stderr}`);
    assertLeaksAsDeclared(hooked);
  });
}

test('the stderr report names kind, site, description and stack, relative to the cwd', async () => {
  const result = await run('process-exit.mjs');
  assert.match(result.stderr, /^leaktrack: 2 resources still open$/m);
  assert.match(result.stderr, /fs\.FileHandle opened at test\/fixtures\/process-exit\.mjs:4:\d+/);
  assert.match(result.stderr, /net\.Server opened at test\/fixtures\/process-exit\.mjs:5:\d+/);
  assert.match(result.stderr, /TCP server listening on 127\.0\.0\.1:\d+/);
  assert.match(result.stderr, /^leaktrack: 2 leaks from 2 sites: 1 fs\.FileHandle, 1 net\.Server$/m);
});

test('the JSON report has the contract shape, also when there are no leaks', async () => {
  const leaky = await run('process-exit.mjs');
  assert.deepEqual(Object.keys(leaky.report), ['tool', 'version', 'pid', 'leaks']);
  assert.equal(leaky.report.tool, 'leaktrack');
  assert.equal(leaky.report.version, 1);
  assert.equal(typeof leaky.report.pid, 'number');
  for (const leak of leaky.report.leaks) {
    assert.deepEqual(Object.keys(leak), ['kind', 'openedAt', 'stack', 'description']);
    assert.deepEqual(Object.keys(leak.openedAt), ['file', 'line', 'column', 'function']);
    assert.ok(leak.openedAt.file.startsWith('/'));
    assert.deepEqual(leak.stack[0], leak.openedAt);
  }
  const clean = await run('fs-clean.mjs');
  assert.deepEqual(clean.report.leaks, []);
});

// `using` declarations need V8's explicit resource management: Node 24 and later.
const hasUsing = Number(process.versions.node.split('.')[0]) >= 24;

test('using / await using: disposing a FileHandle, a server, an interval and directories is closing them', { skip: !hasUsing && `Node ${process.version} has no using declarations` }, async () => {
  const result = await run('disposal.mjs');
  assert.equal(result.stdout, 'true true function function function\ndone\n', result.stderr);
  assertLeaksAsDeclared(result);
});
