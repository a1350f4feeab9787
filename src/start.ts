// The one start, what `register.mjs` and every test helper call: the
// configuration (read once, config.ts) → which leaks to show → the exit
// report and census (the hook only) → the module definitions installed.
// esbuild bundles this file, with all it imports, into dist/hook.bundle.js:
// Node compiles each CommonJS file with a fixed cost, and one file loads
// faster than many. State shared with a separately loaded copy (the test
// helpers, `require('leaktrack')`) is process-wide (core/process-wide.ts).
import { processConfig, type Config } from './config';
import { processWide } from './core/process-wide';
import { warnOnce } from './core/warn';
import { install } from './instrument/install';
import { startSampling } from './core/sampling';
import { setStackDepth } from './core/stack';
import { failAtExit, reportAtExit } from './report/at-exit';
import { startCensus } from './report/census';
import { makeLeakFilter } from './report/filter';
import { setReportSettings } from './report/leaks';

/**
 * `hook`: `--import leaktrack/register`; `test-helper`: leaktrack/node-test,
 * /jest, /vitest, /mocha; `api`: the first scope() or report() of a program
 * that did not load the hook.
 */
export type StartedBy = 'hook' | 'test-helper' | 'api';

const started = processWide('started', () => ({ hook: false, any: false }));

/** For the API: without the hook, scopes and reports would see nothing, and say nothing. */
export function startForApi(): void {
  if (started.any) return;
  if (start('api')) {
    warnOnce("the hook is not loaded (node --import leaktrack/register): tracking starts at this first scope()/report() call; what was opened before it is not seen");
  }
}

/**
 * Start tracking; the configuration in force, or undefined when tracking is
 * off. `afterExitReport` (the hook's loader: its code cache) runs once the
 * exit report is made.
 */
export function start(by: StartedBy, afterExitReport?: () => void): Config | undefined {
  const config = processConfig();
  if (!config.enabled) {
    // Asked to fail on leaks, with a config that cannot be trusted: the verdict is "failed", not green.
    if (by === 'hook' && config.invalid && config.fail && isMainThread()) failAtExit(config.invalid);
    return undefined;
  }
  // Worker threads load the hook too; the main thread alone reports (one report per process).
  if (by === 'hook' && !isMainThread()) return undefined;
  started.any = true;
  if (config.depth !== undefined) setStackDepth(config.depth);
  setReportSettings({ filter: makeLeakFilter(config), redact: config.redact });
  if (by === 'hook' && !started.hook) {
    started.hook = true;
    if (config.sample !== undefined) startSampledMode(config);
    reportAtExit(config, afterExitReport);
    if (config.intervalMs) startCensus(config.intervalMs);
  }
  // Last: from here on, the program's first require() loads require-in-the-middle.
  // Builtins wait until first reached only under the hook, at start: a helper
  // or the API starts inside a running program (and, in Vitest's vm pools,
  // under a module system of the runner's own, which passes no Node hook).
  install(undefined, { deferBuiltins: by === 'hook' });
  return config;
}

/**
 * Sampled mode is for services, under the hook only: a test helper must see
 * every open, and so must a run asked to fail on leaks (a leak outside the
 * sample would pass it).
 */
function startSampledMode(config: Config): void {
  if (config.fail) {
    warnOnce('LEAKTRACK_SAMPLE is ignored with LEAKTRACK_FAIL: a verdict needs every open; every open is tracked');
    return;
  }
  startSampling(config.sample!);
}

/**
 * node:worker_threads loads Node's streams, a few ms at start that a program
 * may never need. Inside a worker, Node replaces process.chdir by a stand-in
 * that throws; its name tells, with worker_threads as the fallback.
 */
function isMainThread(): boolean {
  const name = typeof process.chdir === 'function' ? process.chdir.name : undefined;
  if (name === 'wrappedChdir') return true;
  if (name === 'unavailableInWorker') return false;
  return (require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread;
}
