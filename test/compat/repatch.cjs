// A program that patches fs and net itself, after leaktrack did: both work.
const fs = require('node:fs');
const net = require('node:net');

const counts = { openSync: 0, connect: 0 };
const openSync = fs.openSync;
fs.openSync = function countedOpenSync(...args) {
  counts.openSync++;
  return openSync.apply(this, args);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function countedConnect(...args) {
  counts.connect++;
  return connect.apply(this, args);
};

fs.closeSync(fs.openSync(__filename, 'r'));
const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1', () => {
  const socket = net.connect(server.address().port, '127.0.0.1', () => socket.end());
  socket.on('close', () => {
    server.close();
    console.log(JSON.stringify(counts));
  });
});
