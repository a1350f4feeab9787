// ws with deliberate leaks: a client never closed, the server never closed.
import { WebSocketServer, WebSocket } from 'ws';
import { once } from 'node:events';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 }); // leak: net.Server
await once(server, 'listening');
server.on('connection', (socket) => socket.on('message', (data) => socket.send(`echo ${data}`)));
const client = new WebSocket(`ws://127.0.0.1:${server.address().port}`); // leak: http.ClientRequest
await once(client, 'open');
client.send('hello');
console.log('got', String((await once(client, 'message'))[0]));
// ws let go of the upgrade request: a full GC (run with --expose-gc) must not lose the leak.
await new Promise((resolve) => setTimeout(resolve, 150));
globalThis.gc?.();
process.exit(0);
