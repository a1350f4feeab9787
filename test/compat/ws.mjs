// ws: a server and three clients exchanging messages and pings, all closed.
import { WebSocketServer, WebSocket } from 'ws';
import { once } from 'node:events';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await once(server, 'listening');
server.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(`echo ${data}`));
  socket.ping();
});
const url = `ws://127.0.0.1:${server.address().port}`;
let received = 0;
for (let i = 0; i < 3; i++) {
  const client = new WebSocket(url);
  await once(client, 'open');
  client.send(`hello ${i}`);
  const [reply] = await once(client, 'message');
  received += String(reply).startsWith('echo') ? 1 : 0;
  client.close();
  await once(client, 'close');
}
await new Promise((resolve) => server.close(resolve));
console.log('received', received);
