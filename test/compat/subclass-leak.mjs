// Deliberate leaks through a net.Socket subclass and a wrapper of fs.promises.open.
import net from 'node:net';
import fs from 'node:fs';
import { once } from 'node:events';

class LineSocket extends net.Socket {}
const openFile = (path) => fs.promises.open(path, 'r'); // leak: fs.FileHandle

const server = net.createServer(() => {}).listen(0, '127.0.0.1'); // leak: net.Server
await once(server, 'listening');
const socket = new LineSocket().connect(server.address().port, '127.0.0.1'); // leak: net.Socket
await once(socket, 'connect');
globalThis.kept = await openFile(new URL(import.meta.url));
console.log('connected');
process.exit(0);
