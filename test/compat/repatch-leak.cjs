// The program's own patch of fs.openSync is user code: the leak is reported
// at its first user frame, inside that patch.
const fs = require('node:fs');

const openSync = fs.openSync;
fs.openSync = function countedOpenSync(...args) {
  return openSync.apply(this, args); // leak: fs.fd
};
fs.openSync(__filename, 'r');
console.log('done');
