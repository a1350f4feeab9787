// `node --import leaktrack/register app.mjs`: config → patches → exit report
// (→ live census with LEAKTRACK_INTERVAL). Worker threads run this too; the
// main thread alone tracks and reports (one report per process). The hook is
// one CommonJS bundle (src/hook.ts), loaded with require: going through the
// ESM loader, or loading its files one by one, costs start-up time.
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const hook = require('./dist/hook.bundle.js');

const config = hook.readConfig();
if (isMainThread && config.enabled && hook.firstStart()) {
  hook.setLeakFilter(hook.makeLeakFilter(config));
  hook.reportAtExit(config);
  if (config.intervalMs) hook.startCensus(config.intervalMs);
  // Last: from here on, the program's first require() loads require-in-the-middle.
  hook.instrumentAll();
}
