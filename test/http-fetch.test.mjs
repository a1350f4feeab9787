// http, https agents and global fetch under the hook, with real servers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, assertLeaksAsDeclared, declaredLeaks, signalWhen } from './helpers.mjs';

// A paused socket is not an active handle: these programs end by themselves,
// and their leaks are reported at that exit.

test('an unconsumed response on a reused keep-alive socket of a custom agent: the later request, once', async () => {
  const result = await run('http-custom-agent-reuse.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'reused: true\nready\n');
  assertLeaksAsDeclared(result);
  const [leak] = result.report.leaks;
  // The request line inside get(), called from the second call site (line 17).
  assert.deepEqual(leak.stack.map((frame) => frame.line).slice(1), [10, 17]);
  assert.match(leak.description, /^GET http:\/\/127\.0\.0\.1:\d+\/big \(response 200 not consumed\)$/);
});

test('the same through http.globalAgent: the idle socket is fine, the unconsumed response is a leak', async () => {
  const result = await run('http-global-agent.cjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'idle before: 1, reused: true\nready\n');
  assertLeaksAsDeclared(result);
});

test('an unconsumed fetch beside a consumed one: fetch.Response, never its socket', async () => {
  const result = await run('fetch-mixed.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'status ok: true\ndownload: 200\nready\n');
  assertLeaksAsDeclared(result);
  assert.equal(result.report.leaks[0].openedAt.function, 'download');
  assert.match(result.report.leaks[0].description, /^GET http:\/\/127\.0\.0\.1:\d+\/big \(response 200, body neither consumed nor cancelled\)$/);
});

test('a custom keep-alive agent never destroyed, with an idle socket, is an http.Agent leak', async () => {
  const result = await run('http-agent-idle.mjs');
  assert.equal(result.stdout, 'idle: 1, global idle: 1\n');
  // The server is still listening too (it holds the other end of the idle socket).
  const leaks = result.report.leaks.map((leak) => leak.kind).sort();
  assert.deepEqual(leaks, ['http.Agent', 'net.Server']);
  const agent = result.report.leaks.find((leak) => leak.kind === 'http.Agent');
  assert.deepEqual([`http.Agent ${agent.openedAt.file}:${agent.openedAt.line}`], declaredLeaks(result.file));
  assert.equal(agent.description, 'custom http.Agent, never destroyed, holding 1 idle keep-alive socket');
});

test('an HTTP server left listening is a net.Server described as an HTTP server', async () => {
  const result = await run('http-server-left.mjs', { onStdout: signalWhen('ready') });
  assert.equal(result.signal, 'SIGTERM');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks[0].description, /^HTTP server listening on 127\.0\.0\.1:\d+$/);
});

test('consumed, destroyed, refused and cancelled requests and fetches report nothing; exits by itself', async () => {
  const bare = await run('http-clean.mjs', { hook: false });
  const result = await run('http-clean.mjs');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'hello\naborted: ECONNRESET\ntrue\nok\n1048576\nfetch: ECONNREFUSED\nget: ECONNREFUSED\nclosed\n');
  assert.equal(result.stdout, bare.stdout);
  assert.deepEqual(result.report.leaks, []);
  assert.equal(result.stderr, '');
});

test('https (TLS): an unconsumed response, a custom https.Agent, an HTTPS server; never their TLS sockets', async () => {
  const result = await run('https-leaks.mjs');
  assert.equal(result.stdout, '200 true\n');
  assertLeaksAsDeclared(result);
  assert.match(result.report.leaks.find((leak) => leak.kind === 'net.Server').description, /^HTTPS server listening on 127\.0\.0\.1:\d+$/);
  assert.match(result.report.leaks.find((leak) => leak.kind === 'http.Agent').description, /^custom https\.Agent/);
});

test('what an outer resource opens later from its own code (fetch sockets, queued agent sockets, a stream\'s fd) is never reported on its own', async () => {
  const result = await run('opened-later.mjs');
  assert.equal(result.code, 0, result.stderr);
  assertLeaksAsDeclared(result);
});

test("idle keep-alive sockets of fetch's global dispatcher (Node's, or an undici Agent set as global) are not leaks; a held body is", async () => {
  for (const dispatcher of ['node', 'undici']) {
    const result = await run('fetch-global-dispatcher.mjs', { env: { DISPATCHER: dispatcher } });
    assert.equal(result.stdout, 'done\n', result.stderr);
    assertLeaksAsDeclared(result);
  }
});
