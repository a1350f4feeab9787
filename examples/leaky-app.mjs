// A small program with the two leaks of the seed article. Run it with
// `npm run demo` (node --import leaktrack/register examples/leaky-app.mjs).
import net from 'node:net';
import { open } from 'node:fs/promises';

// File leak: the error path returns before close().
async function readConfig(path) {
  const file = await open(path);
  const text = await file.readFile('utf8');
  if (!text.startsWith('{')) throw new Error(`${path} is not JSON`);
  await file.close();
  return JSON.parse(text);
}

// Connection leak: when the second dial fails, the first is never closed.
function dial(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function forward(sourcePort, destinationPort) {
  const source = await dial(sourcePort);
  const destination = await dial(destinationPort);
  source.pipe(destination);
}

const server = net.createServer((connection) => connection.unref()).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));

await readConfig(new URL(import.meta.url)).catch((error) => console.log(`config: ${error.message}`));
await forward(server.address().port, 1).catch((error) => console.log(`forward: ${error.code}`));
console.log('done (the server and a socket are still open, so exit explicitly)');
process.exit(0);
