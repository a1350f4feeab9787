// A library-style subclass of net.Socket, and a helper wrapping fs.promises.open: all closed.
import net from 'node:net';
import fs from 'node:fs';
import { once } from 'node:events';

class LineSocket extends net.Socket {
  sendLine(text) {
    this.write(`${text}\n`);
  }
}
const openFile = (path) => fs.promises.open(path, 'r');

const server = net.createServer((socket) => socket.pipe(socket)).listen(0, '127.0.0.1');
await once(server, 'listening');
const socket = new LineSocket().connect(server.address().port, '127.0.0.1');
await once(socket, 'connect');
socket.sendLine('ping');
console.log('echo', String((await once(socket, 'data'))[0]).trim(), socket instanceof net.Socket);
socket.end();
await once(socket, 'close');
const handle = await openFile(new URL(import.meta.url));
console.log('size', (await handle.stat()).size > 0);
await handle.close();
server.close();
