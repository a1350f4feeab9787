// From open tags to leaks: resolve each opening stack (only now, at report
// time) and keep the resources that some user code opened.
import { isUserFrame, resolveStack, type Frame } from '../core/stack';
import type { Tag } from '../core/tag';
import { processWide } from '../core/process-wide';
import { processTracker, type Tracker } from '../core/tracker';
import type { LeakFilter } from './filter';

export interface Leak {
  kind: string;
  /** The first frame in the user's own code. */
  openedAt: Frame;
  /** The user frames of the opening stack, innermost first. */
  stack: Frame[];
  description: string;
}

export interface LeakReport {
  tool: 'leaktrack';
  version: 1;
  pid: number;
  leaks: Leak[];
}

/** A tag as a leak; undefined when no user code opened it. */
export function leakOf(tag: Tag): Leak | undefined {
  const frames = resolveStack(tag.stackHolder);
  const stack = frames.filter(isUserFrame);
  if (stack.length === 0) return undefined;
  return { kind: tag.kind, openedAt: stack[0], stack, description: tag.description };
}

const settings = processWide('reportSettings', () => ({ filter: undefined as LeakFilter | undefined }));

/** Set from the configuration: kinds to report, leaks to accept. */
export function setLeakFilter(filter: LeakFilter | undefined): void {
  settings.filter = filter;
}

export function findLeaks(tags: Iterable<Tag> = processTracker.open()): Leak[] {
  const leaks: Leak[] = [];
  const keep = settings.filter;
  for (const tag of tags) {
    const leak = leakOf(tag);
    if (leak && (!keep || keep(leak))) leaks.push(leak);
  }
  return leaks;
}

/** The JSON report's structure: one entry per leaked resource. */
export function buildReport(tracker: Tracker = processTracker): LeakReport {
  return { tool: 'leaktrack', version: 1, pid: process.pid, leaks: findLeaks(tracker.open()) };
}
