// A library's own test suite in miniature: many small tests in one process,
// the way ws', undici's and express' suites run: each test starts a server,
// talks to it and closes everything; one waits for an object to be collected.
// Run by compat.test.mjs with `node --test`, bare and under the hook.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import express from 'express';
import { WebSocketServer, WebSocket } from 'ws';
import { Client, Pool, request } from 'undici';

async function listening(server) {
  if (!server.listening) await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
}

for (let i = 0; i < 8; i++) {
  test(`express ${i}: a JSON route over keep-alive, then a graceful close`, async () => {
    const app = express();
    app.get('/n/:n', (req, res) => res.json({ n: Number(req.params.n) * 2 }));
    const server = app.listen(0, '127.0.0.1');
    const origin = await listening(server);
    const agent = new http.Agent({ keepAlive: true });
    const body = await new Promise((resolve, reject) =>
      http.get(`${origin}/n/${i}`, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject),
    );
    assert.deepEqual(body, { n: i * 2 });
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
}

for (let i = 0; i < 8; i++) {
  test(`ws ${i}: echo, ping, close from the client`, async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(wss, 'listening');
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
    const client = new WebSocket(`ws://127.0.0.1:${wss.address().port}`);
    await once(client, 'open');
    client.send(`m${i}`);
    const [reply] = await once(client, 'message');
    assert.equal(String(reply), `echo m${i}`);
    client.ping();
    await once(client, 'pong');
    client.close();
    await once(client, 'close');
    await new Promise((resolve) => wss.close(resolve));
  });
}

for (let i = 0; i < 8; i++) {
  test(`undici ${i}: Client, Pool and request() bodies consumed, all closed`, async () => {
    const server = http.createServer((req, res) => res.end(`hi ${req.url}`)).listen(0, '127.0.0.1');
    const origin = await listening(server);
    const client = new Client(origin);
    assert.equal(await (await client.request({ path: '/c', method: 'GET' })).body.text(), 'hi /c');
    await client.close();
    const pool = new Pool(origin, { connections: 2 });
    assert.equal(await (await pool.request({ path: '/p', method: 'GET' })).body.text(), 'hi /p');
    await pool.close();
    assert.equal(await (await request(`${origin}/r`)).body.text(), 'hi /r');
    assert.equal(await (await fetch(`${origin}/f`)).text(), 'hi /f');
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
}

test('net: three sockets accepted by the server, then destroyed', async () => {
  let accepted = 0;
  const server = net.createServer(() => accepted++).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = [1, 2, 3].map(() => net.connect(server.address().port, '127.0.0.1'));
  while (accepted < 3) await once(server, 'connection');
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

test('a dropped client object is collected (FinalizationRegistry), its socket closed afterwards', { skip: typeof globalThis.gc !== 'function' }, async () => {
  const server = net.createServer(() => {}).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = [];
  let collected = false;
  const registry = new FinalizationRegistry(() => (collected = true));
  (() => {
    const owner = { open() { this.socket = net.connect(server.address().port, '127.0.0.1'); sockets.push(this.socket); } };
    owner.open();
    registry.register(owner, 'owner');
  })();
  for (let i = 0; i < 150 && !collected; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(collected, true);
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});
