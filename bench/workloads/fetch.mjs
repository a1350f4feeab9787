// global fetch GET, body read, one at a time.
import http from 'node:http';
import { measure } from './measure.mjs';

const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
await measure(5_000, async () => {
  await (await fetch(url)).text();
});
server.close();
process.exit(0); // undici keeps idle sockets for a few seconds
