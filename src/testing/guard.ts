// What every test-runner helper shares: mark where a test starts, and after
// it (and its afterEach hooks) ended, fail it with what it opened and left
// open. Resources opened before the mark (in `before`/`beforeAll`, shared by
// several tests) are never blamed on a test.
import { setTimeout as sleep } from 'node:timers/promises';
import { processConfig } from '../config';
import { latestTagSeq } from '../core/tag';
import { processTracker } from '../core/tracker';
import { LeakError } from '../report/leak-error';
import { findLeaks, type Leak } from '../report/leaks';
import { start } from '../start';

export interface GuardOptions {
  /** Milliseconds to wait for resources still closing; default LEAKTRACK_GRACE_MS (100). */
  graceMs?: number;
}

/** The one start, as a test helper (once per process; Jest calls this once per test file). False when tracking is off. */
export function startTracking(): boolean {
  return start('test-helper') !== undefined;
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
  const deadline = Date.now() + (options?.graceMs ?? processConfig().graceMs);
  let leaks = leaksSince(mark);
  while (leaks.length > 0 && Date.now() < deadline) {
    // Ref'd: the wait is short and bounded, and an unref'd one lets node:test end the
    // file first ("Promise resolution is still pending") when nothing else is pending.
    await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    leaks = leaksSince(mark);
  }
  if (leaks.length > 0) throw new LeakError(leaks, `test "${testName}"`);
}
