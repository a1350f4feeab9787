// `node --import leaktrack/register app.mjs`: config → patches → exit report.
// Worker threads run this too; the main thread alone tracks and reports
// (one report per process).
import { isMainThread } from 'node:worker_threads';
import { readConfig } from './dist/config.js';
import { instrumentAll } from './dist/instrument/index.js';
import { reportAtExit } from './dist/report/at-exit.js';
import { firstStart } from './dist/start.js';

const config = readConfig();
if (isMainThread && config.enabled && firstStart()) {
  instrumentAll();
  reportAtExit({ reportPath: config.reportPath });
}
