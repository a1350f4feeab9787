// The one start, what `register.mjs` and every test helper call: the
// configuration (read once, config.ts) → which leaks to show → the exit
// report and census (the hook only) → the module definitions installed.
// esbuild bundles this file, with all it imports, into dist/hook.bundle.js:
// Node compiles each CommonJS file with a fixed cost, and one file loads
// faster than many. State shared with a separately loaded copy (the test
// helpers, `require('leaktrack')`) is process-wide (core/process-wide.ts).
import { isMainThread } from 'node:worker_threads';
import { processConfig, type Config } from './config';
import { processWide } from './core/process-wide';
import { install } from './instrument/install';
import { failAtExit, reportAtExit } from './report/at-exit';
import { startCensus } from './report/census';
import { makeLeakFilter } from './report/filter';
import { setReportSettings } from './report/leaks';

/** `hook`: `--import leaktrack/register`; `test-helper`: leaktrack/node-test, /jest, /vitest, /mocha. */
export type StartedBy = 'hook' | 'test-helper';

const started = processWide('started', () => ({ hook: false }));

/** Start tracking; the configuration in force, or undefined when tracking is off. */
export function start(by: StartedBy): Config | undefined {
  const config = processConfig();
  if (!config.enabled) {
    // Asked to fail on leaks, with a config that cannot be trusted: the verdict is "failed", not green.
    if (by === 'hook' && config.invalid && config.fail && isMainThread) failAtExit(config.invalid);
    return undefined;
  }
  // Worker threads load the hook too; the main thread alone reports (one report per process).
  if (by === 'hook' && !isMainThread) return undefined;
  setReportSettings({ filter: makeLeakFilter(config), redact: config.redact });
  if (by === 'hook' && !started.hook) {
    started.hook = true;
    reportAtExit(config);
    if (config.intervalMs) startCensus(config.intervalMs);
  }
  // Last: from here on, the program's first require() loads require-in-the-middle.
  install();
  return config;
}
