// From open tags to leaks: resolve each opening stack (only now, at report
// time) and keep the resources that some user code opened.
import { currentStackDepth, isTestRunnerFrame, isUserFrame, type Frame } from '../core/stack';
import type { Tag } from '../core/tag';
import { processWide } from '../core/process-wide';
import { notTrackedList } from '../core/not-tracked';
import { sampleInfo } from '../core/sampling';
import { processTracker, type Tracker } from '../core/tracker';
import type { LeakFilter } from './filter';
import { unseenResources } from '../instrument/install';
import { redact, redactArgs } from './redact';

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
  /** Sampled mode: the share of opens tracked, and every open counted per kind. */
  sampled?: { rate: number; opened: Record<string, number> };
  /**
   * Resources still open whose whole captured stack (all LEAKTRACK_DEPTH
   * frames) is library code: opened deeper than the capture reaches, so
   * their user line is unknown and they are not in `leaks`.
   */
  deeperThanCapture?: number;
  /** Open resources a definition could not see (opened before its patch), by kind: not in `leaks`, their lines unknown. */
  unseen?: Record<string, number>;
  /** What this process could not track (a kind whose tracking failed, a module it could not patch): its leaks are not in `leaks`. */
  notTracked?: string[];
}

/**
 * A tag as a leak; undefined when no user code opened it, or when the user's
 * code only called a test runner that opened it for itself.
 */
export function leakOf(tag: Tag): Leak | undefined {
  const frames = tag.openingFrames();
  const first = frames.findIndex(isUserFrame);
  if (first < 0 || frames.slice(0, first).some(isTestRunnerFrame)) return undefined;
  const stack = frames.filter(isUserFrame);
  return { kind: tag.kind, openedAt: stack[0], stack, description: describeForReport(tag.description) };
}

const settings = processWide('reportSettings', () => ({ filter: undefined as LeakFilter | undefined, redact: true }));

/** Set from the configuration: kinds to report, leaks to accept, secrets kept out (redact.ts). */
export function setReportSettings(options: { filter: LeakFilter | undefined; redact: boolean }): void {
  settings.filter = options.filter;
  settings.redact = options.redact;
}

/** Every description passes here before any output. */
function describeForReport(text: string): string {
  return settings.redact ? redact(text) : text;
}

/** A process's command line, as the report names it. */
export function argvForReport(argv: readonly string[]): string[] {
  return settings.redact ? redactArgs(argv) : [...argv];
}

export function findLeaks(tags: Iterable<Tag> = processTracker.open()): Leak[] {
  const leaks: Leak[] = [];
  const keep = settings.filter;
  for (const tag of outermost([...tags])) {
    const leak = leakOf(tag);
    if (leak && (!keep || keep(leak))) leaks.push(leak);
  }
  return leaks;
}

/**
 * Among these tags, leave out a resource running on one that another open
 * resource here holds (a cursor on a client that itself leaked). Only among
 * these: a test's leaked cursor on a client opened outside the test is the
 * test's leak.
 */
function outermost(tags: Tag[]): Tag[] {
  const parts = tags.map((tag) => tag.containment());
  const held = new Set(parts.map((part) => part.holds).filter((holds) => holds !== undefined));
  if (held.size === 0) return tags;
  return tags.filter((_tag, i) => parts[i].heldIn === undefined || !held.has(parts[i].heldIn));
}

/** The JSON report's structure: one entry per leaked resource. */
export function buildReport(tracker: Tracker = processTracker): LeakReport {
  const sampled = sampleInfo();
  const open = tracker.open();
  const deeper = open.filter(cutShort).length;
  const unseen = unseenResources();
  const notTracked = notTrackedList();
  return {
    tool: 'leaktrack',
    version: 1,
    pid: process.pid,
    leaks: findLeaks(open),
    ...(sampled ? { sampled } : {}),
    ...(deeper ? { deeperThanCapture: deeper } : {}),
    ...(unseen.length ? { unseen: Object.fromEntries(unseen.map(({ kind, count }) => [kind, count])) } : {}),
    ...(notTracked.length ? { notTracked } : {}),
  };
}

/** The unseen resources as the exit report says them: one line per kind. */
export function unseenLines(): string[] {
  return unseenResources().map(({ kind, count, why }) => `leaktrack: ${count} ${kind} still open ${count === 1 ? 'was' : 'were'} ${why}; not listed\n`);
}

/** A full-depth opening stack of library frames only (not a test runner's, not Node's own async start). */
function cutShort(tag: Tag): boolean {
  const frames = tag.openingFrames();
  return frames.length >= currentStackDepth() && !frames.some(isUserFrame) && !frames.some(isTestRunnerFrame) && frames.some((frame) => /[\\/]node_modules[\\/]/.test(frame.file));
}
