// net connect + end on 127.0.0.1, one at a time.
import net from 'node:net';
import { measure } from './measure.mjs';

const server = net.createServer((socket) => socket.resume().on('end', () => socket.end())).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const { port } = server.address();
await measure(5_000, () =>
  new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end());
    socket.on('close', resolve).on('error', reject).resume();
  }),
);
server.close();
