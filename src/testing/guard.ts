// What every test-runner helper shares: mark where a test starts, and after
// it (and its afterEach hooks) ended, fail it with what it opened and left
// open. Resources opened before the mark (in `before`/`beforeAll`, shared by
// several tests) are never blamed on a test.
import { setTimeout as sleep } from 'node:timers/promises';
import { readConfig } from '../config';
import { latestTagSeq } from '../core/tag';
import { processTracker } from '../core/tracker';
import { warnOnce } from '../core/warn';
import { instrumentAll } from '../instrument/index';
import { LeakError } from '../report/leak-error';
import { findLeaks, type Leak } from '../report/leaks';

/** How long a test may take to finish closing after it ended (a socket's close a tick later). */
export const DEFAULT_GRACE_MS = 100;

export interface GuardOptions {
  /** Milliseconds to wait for resources still closing; LEAKTRACK_GRACE_MS. */
  graceMs?: number;
}

/** Patch the modules (once per process; Jest calls this once per test file) unless LEAKTRACK=0. */
export function startTracking(): boolean {
  if (!readConfig().enabled) return false;
  instrumentAll();
  return true;
}

export function graceMs(options: GuardOptions = {}, env: NodeJS.ProcessEnv = process.env): number {
  if (options.graceMs !== undefined) return options.graceMs;
  const value = env.LEAKTRACK_GRACE_MS;
  if (value === undefined || value === '') return DEFAULT_GRACE_MS;
  const ms = Number(value);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  warnOnce(`LEAKTRACK_GRACE_MS=${JSON.stringify(value)} is not a number of milliseconds; using ${DEFAULT_GRACE_MS}`);
  return DEFAULT_GRACE_MS;
}

/** A point in time: resources opened after it belong to the test that starts now. */
export function markTestStart(): number {
  return latestTagSeq();
}

function leaksSince(mark: number): Leak[] {
  return findLeaks(processTracker.open().filter((tag) => tag.seq > mark));
}

/**
 * Resolves when everything opened since `mark` is closed (waiting up to the
 * grace period for what is still closing); otherwise rejects with a
 * LeakError naming each resource's kind and opening line. Each leak is
 * blamed once.
 */
export async function checkTestEnd(mark: number, testName: string, options?: GuardOptions): Promise<void> {
  const deadline = Date.now() + graceMs(options);
  let leaks = leaksSince(mark);
  while (leaks.length > 0 && Date.now() < deadline) {
    await sleep(Math.min(10, Math.max(1, deadline - Date.now())), undefined, { ref: false });
    leaks = leaksSince(mark);
  }
  if (leaks.length > 0) throw new LeakError(leaks, `test "${testName}"`);
}
