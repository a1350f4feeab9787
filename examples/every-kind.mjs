// One leak of each built-in kind that needs no database: what the report
// looks like. Run: node --import leaktrack/register examples/every-kind.mjs
import fs from 'node:fs';
import { open } from 'node:fs/promises';
import net from 'node:net';
import http from 'node:http';
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createHash } from 'node:crypto';

const self = new URL(import.meta.url);
const server = http.createServer((req, res) => res.end('hello')).listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${server.address().port}/`;
server.on('upgrade', (req, upgraded) => {
  const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  upgraded.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
});

const handle = await open(self);
const fd = fs.openSync(self);
const stream = fs.createReadStream(self);
const log = fs.createWriteStream('/dev/null');
const socket = net.connect(server.address().port, '127.0.0.1');
const [response] = await once(http.get(url), 'response');
const agent = new http.Agent({ keepAlive: true });
await new Promise((resolve) => http.get(url, { agent }, (res) => res.resume().on('end', resolve)));
const body = await fetch(url);
const timer = setInterval(() => {}, 60_000);
const child = spawn('sleep', ['10']);
const worker = new Worker('setInterval(() => {}, 60_000)', { eval: true });
await once(worker, 'online');
const watcher = fs.watch(self);
const statWatcher = fs.watchFile(self, () => {});
const udp = dgram.createSocket('udp4');
const dir = fs.opendirSync(new URL('.', self));
const h2server = http2.createServer().listen(0, '127.0.0.1');
await once(h2server, 'listening');
const session = http2.connect(`http://127.0.0.1:${h2server.address().port}`);
await once(session, 'connect');
const { port1 } = new MessageChannel();
port1.on('message', () => {});
if (typeof WebSocket === 'function') {
  // Node 22+ (on 20 the global needs --experimental-websocket)
  const ws = new WebSocket(url.replace('http', 'ws'));
  await once(ws, 'open');
}

process.on('exit', () => child.kill());
process.exit(0);
