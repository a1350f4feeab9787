// What every test-runner helper shares: mark where a test starts, and after
// it (and its afterEach hooks) ended, fail it with what it opened and left
// open. Resources opened before the mark (in `before`/`beforeAll`, shared by
// several tests) are never blamed on a test.
import { setTimeout as sleep } from 'node:timers/promises';
import { processConfig } from '../config';
import { notTrackedList, notTrackedWords } from '../core/not-tracked';
import { processWide } from '../core/process-wide';
import { latestTagSeq, type Tag } from '../core/tag';
import { processTracker } from '../core/tracker';
import { LeakError } from '../report/leak-error';
import { findLeaks } from '../report/leaks';
import type { Scope } from '../scope';
import { start } from '../start';

/**
 * The one start, as a test helper (once per process; Jest calls this once per
 * test file). False when tracking is switched off (LEAKTRACK=0). A helper is
 * there to fail tests that leak: with a configuration it cannot trust, it
 * fails the run instead of passing every test unchecked.
 */
export function startTracking(): boolean {
  if (start('test-helper') !== undefined) return true;
  const { invalid } = processConfig();
  if (invalid) throw new Error(`leaktrack: ${invalid}; the test helpers cannot check for leaks`);
  return false;
}

/** A point in time: resources opened after it belong to the test that starts now. */
export function markTestStart(): number {
  return latestTagSeq();
}

export interface GuardOptions {
  /** Milliseconds to wait for resources still closing; default LEAKTRACK_GRACE_MS (100). */
  graceMs?: number;
  /** The runner, to name its force-exit option when a leak will keep the run from ending. */
  runner?: keyof typeof FORCE_EXIT;
  /** The test's full name, levels joined by " > " (node:test's `fullName`): what a subtest was blamed for is not its parent's. */
  fullName?: string;
}

/** How each runner ends a run that open handles keep alive. */
const FORCE_EXIT = {
  'node:test': 'node --test --test-force-exit',
  jest: 'jest --forceExit',
  mocha: 'mocha --exit',
  vitest: "Vitest's teardownTimeout",
};

/** The tags opened after `mark` and still open. */
export const opensSince = (mark: number) => processTracker.open().filter((tag) => tag.seq > mark);

/** A handle that keeps the event loop alive (a listening server, a connected socket, a ref'd timer, a child). */
function keepsLoopAlive(tag: Tag): boolean {
  const resource = tag.ref?.deref() as { hasRef?: () => boolean; _handle?: { hasRef?: () => boolean } } | undefined;
  try {
    return resource?.hasRef?.() ?? resource?._handle?.hasRef?.() ?? false;
  } catch {
    return false;
  }
}

/** How many of notTrackedList() a test was failed for already (once per process, also under Jest). */
const failedFor = processWide('notTrackedFailed', () => ({ count: 0 }));

/**
 * Something became untracked (a kind whose tracking failed, a module that
 * could not be patched): the first test to end after it fails with why, so
 * the run cannot pass with leaks unchecked.
 */
function failIfNotTracked(testName: string): void {
  const lost = notTrackedList();
  if (lost.length <= failedFor.count) return;
  const fresh = lost.slice(failedFor.count);
  failedFor.count = lost.length;
  throw new Error(`leaktrack: ${notTrackedWords(fresh)} (stderr says why) when test "${testName}" ended: leaks there cannot be checked, in this test or later ones`);
}

/** The full name of the test each tag was blamed on: a parent test (node:test's subtests) is not failed again for its child's leak. */
const blamed = new WeakMap<Tag, string>();

/**
 * `since`: a mark (everything opened after it), or the scope of the test's own body.
 * Resolves when everything opened since `mark` is closed (waiting up to the
 * grace period for what is still closing); otherwise rejects with a
 * LeakError naming each resource's kind and opening line, and what happens
 * next when one keeps the process alive. Each leak is blamed once.
 */
export async function checkTestEnd(since: number | Scope, testName: string, options?: GuardOptions): Promise<void> {
  failIfNotTracked(testName);
  const opened = typeof since === 'number' ? () => opensSince(since) : () => since.openTags();
  // A server still looking up its host is not open yet, but will be: wait for it too.
  const opening = typeof since === 'number' ? () => processTracker.opening().some((tag) => tag.seq > since) : () => since.openingTags().length > 0;
  const within = options?.fullName === undefined ? undefined : `${options.fullName} > `;
  const candidates = within === undefined ? opened : () => opened().filter((tag) => !blamed.get(tag)?.startsWith(within));
  const deadline = Date.now() + (options?.graceMs ?? processConfig().graceMs);
  let leaks = findLeaks(candidates());
  while ((leaks.length > 0 || opening()) && Date.now() < deadline) {
    // Ref'd: the wait is short and bounded, and an unref'd one lets node:test end the
    // file first ("Promise resolution is still pending") when nothing else is pending.
    await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    leaks = findLeaks(candidates());
  }
  if (leaks.length === 0) return;
  const left = candidates();
  if (options?.fullName !== undefined) for (const tag of left) blamed.set(tag, options.fullName);
  const alive = left.filter(keepsLoopAlive).length;
  const next = alive === 0 ? undefined : `${alive === 1 ? 'One of these keeps' : `${alive} of these keep`} the event loop alive: the run will not end by itself until closed${options?.runner ? ` (or with ${FORCE_EXIT[options.runner]})` : ''}.`;
  throw new LeakError(leaks, `test "${testName}"`, next);
}
