// What require-in-the-middle gets for `debug` inside leaktrack's bundle: its
// log lines are never wanted, and the real `debug` reads process.stderr when
// it loads (creating the program's stderr stream early, and loading tty and
// net), and would be the program's own copy of `debug` in require's cache.
module.exports = function debug() {
  const log = function () {};
  log.enabled = false;
  return log;
};
