// A WebSocket opened and closed (the global one where Node has it, else
// undici's): the handshake's stack is captured 64 frames deep.
import http from 'node:http';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { measure } from './measure.mjs';

const WebSocket = globalThis.WebSocket ?? (await import('undici')).WebSocket;
const server = http.createServer();
new WebSocketServer({ server });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `ws://127.0.0.1:${server.address().port}/`;
await measure(300, async () => {
  const ws = new WebSocket(url);
  await once(ws, 'open');
  ws.close();
  await once(ws, 'close');
});
server.close();
