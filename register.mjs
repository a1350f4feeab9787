// `node --import leaktrack/register app.mjs`: config → patches → exit report
// (→ live census with LEAKTRACK_INTERVAL). Worker threads run this too; the
// main thread alone tracks and reports (one report per process). The
// CommonJS build is loaded with require: going through the ESM loader for
// each file costs start-up time.
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { readConfig } = require('./dist/config.js');
const { firstStart } = require('./dist/start.js');

const config = readConfig();
if (isMainThread && config.enabled && firstStart()) {
  require('./dist/report/leaks.js').setLeakFilter(require('./dist/report/filter.js').makeLeakFilter(config));
  require('./dist/report/at-exit.js').reportAtExit(config);
  if (config.intervalMs) require('./dist/report/census.js').startCensus(config.intervalMs);
  // Last: from here on, the program's first require() loads require-in-the-middle.
  require('./dist/instrument/index.js').instrumentAll();
}
