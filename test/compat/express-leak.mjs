// express with deliberate leaks: a keep-alive agent never destroyed, the server never closed.
import express from 'express';
import http from 'node:http';
import { once } from 'node:events';

const app = express();
app.get('/', (req, res) => res.send('ok'));
const server = app.listen(0, '127.0.0.1'); // leak: net.Server
await once(server, 'listening');
const agent = new http.Agent({ keepAlive: true }); // leak: http.Agent
await new Promise((resolve) => http.get({ host: '127.0.0.1', port: server.address().port, agent }, (res) => res.resume().on('end', resolve)));
console.log('done');
process.exit(0);
