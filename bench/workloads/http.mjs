// http GET with keep-alive (the global agent), one at a time.
import http from 'node:http';
import { measure } from './measure.mjs';

const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;
await measure(10_000, () =>
  new Promise((resolve, reject) => {
    http.get(url, (res) => res.resume().on('end', resolve)).on('error', reject);
  }),
);
server.close();
