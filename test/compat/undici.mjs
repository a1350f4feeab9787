// undici (npm): Client, Pool, request and stream against a local server, all closed.
import { Client, Pool, request, stream } from 'undici';
import http from 'node:http';
import { Writable } from 'node:stream';
import { once } from 'node:events';

const server = http.createServer((req, res) => res.end(`hello ${req.url}`)).listen(0, '127.0.0.1');
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;

const client = new Client(origin);
const a = await client.request({ path: '/client', method: 'GET' });
console.log(await a.body.text());
await client.close();

const pool = new Pool(origin, { connections: 2 });
const results = await Promise.all([1, 2, 3].map(async (i) => (await pool.request({ path: `/pool${i}`, method: 'GET' })).body.text()));
console.log(results.join(','));
await pool.close();

const b = await request(`${origin}/request`);
console.log(await b.body.text());
let streamed = '';
await stream(`${origin}/stream`, { method: 'GET' }, () => new Writable({ write(chunk, _e, cb) { streamed += chunk; cb(); } }));
console.log(streamed);
server.close();
server.closeAllConnections();
