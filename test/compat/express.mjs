// express: a server and 20 keep-alive requests through a custom agent, then a graceful close.
import express from 'express';
import http from 'node:http';
import { once } from 'node:events';

const app = express();
app.get('/items/:id', (req, res) => res.json({ id: Number(req.params.id) }));
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
let sum = 0;
for (let i = 0; i < 20; i++) {
  const body = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.address().port, path: `/items/${i}`, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
  sum += body.id;
}
agent.destroy();
await new Promise((resolve) => server.close(resolve));
console.log('sum', sum);
