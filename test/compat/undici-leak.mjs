// undici workload with deliberate leaks leaktrack knows: the server left
// listening and a global fetch whose body is never read. (undici's own
// Client/Pool are not a tracked kind.)
import { Client } from 'undici';
import http from 'node:http';
import { once } from 'node:events';

const server = http.createServer((req, res) => res.end('hello')).listen(0, '127.0.0.1'); // leak: net.Server
await once(server, 'listening');
const origin = `http://127.0.0.1:${server.address().port}`;
const client = new Client(origin);
console.log(await (await client.request({ path: '/', method: 'GET' })).body.text());
await client.close();
const unread = await fetch(origin); // leak: fetch.Response
console.log(unread.status);
process.exit(0);
