// The one record step every module definition goes through for "a resource
// was opened": apply the ownership rule, capture the stack, create the tag
// (the tracker hands it to the current scope). It never throws into the
// program: the user's call has already returned (or is about to) exactly
// what it would have bare. A failure of leaktrack's own code says so once
// and stops tracking that kind.
import { processWide } from '../core/process-wide';
import { nextSkip, sampling } from '../core/sampling';
import { raiseStackLimit, restoreStackLimit, type CapturedStack } from '../core/stack';
import { nextTagSeq, type ResourceKind, type Tag } from '../core/tag';
import { processTracker } from '../core/tracker';
import { cannotTrack } from '../core/not-tracked';
import { isNested } from './ownership';

/** Kinds not recorded: their module was uninstalled, or tracking them failed (for good). */
const off = processWide('kindsOff', () => new Map<string, 'uninstalled' | 'failed'>());

/**
 * Not recorded: its kind is off (usually nothing is: one size check), or
 * sampled mode leaves this open out. One small function, so that record()
 * keeps the size V8 inlines into each wrapper.
 */
const kindOff = (kind: ResourceKind) => off.size !== 0 && off.has(kind.name);
const isOff = (kind: ResourceKind) => kindOff(kind) || (sampling.rate < 1 && !inSample(kind));

/** Sampled mode (core/sampling.ts); unsampled, `rate` is 1 and this costs one comparison. False when this open is left out of the sample (it is still counted). */
function inSample(kind: ResourceKind): boolean {
  let opened = sampling.opened.get(kind.name);
  if (!opened) sampling.opened.set(kind.name, (opened = { count: 0 }));
  opened.count++;
  if (--sampling.skip > 0) return false;
  sampling.skip = nextSkip();
  return true;
}

/**
 * Whether an open of `kind` now would get a stack, without counting it:
 * for a wrapper that must spend something to tell whether an open is the
 * program's at all (fs.ts), and need not when no capture follows.
 */
export const nextOpenCaptured = (kind: ResourceKind) => !isNested() && !kindOff(kind) && (sampling.rate >= 1 || sampling.skip <= 1);

export function setKindTracked(kind: ResourceKind, tracked: boolean): void {
  if (off.get(kind.name) === 'failed') return;
  if (tracked) off.delete(kind.name);
  else off.set(kind.name, 'uninstalled');
}

/**
 * A resource was opened by the call whose wrapper is `above`: tag it with
 * the stack below that wrapper. `resource` is watched weakly through
 * `kind.isOpen`; undefined (an fd number) is closed explicitly.
 */
export function record(kind: ResourceKind, resource: object | undefined, above: Function, detail?: unknown): Tag | undefined {
  if (isNested() || isOff(kind)) return undefined; // nested first: what is part of another resource is not counted as an open
  // Error.captureStackTrace right here, not through stack.ts's captureStack:
  // each call level between the program's call and the capture costs it
  // thousands of instructions (npm run bench:instructions).
  const stack: CapturedStack = {};
  let limit: number | undefined;
  try {
    limit = raiseStackLimit();
    Error.captureStackTrace(stack, above);
    restoreStackLimit(limit);
  } catch (error) {
    restoreStackLimit(limit);
    return failed(kind, error);
  }
  return recordOpened(kind, resource, stack, detail);
}

/** For opens seen from deep inside a library (a channel it publishes on). */
export interface DeepOpen {
  /** Frames kept, instead of the configured depth: enough to reach the user's line. */
  depth: number;
  /** What the user opened, even inside a dispatch that undici.ts marks as nested. */
  outermost?: boolean;
}

/**
 * For an open whose resource comes later (after an await, in a callback):
 * the stack now, the tag with `recordOpened` when the resource exists.
 * Undefined when it is not to be tracked.
 */
export function openingStack(kind: ResourceKind, above: Function, deep?: DeepOpen): CapturedStack | undefined {
  if ((isNested() && !deep?.outermost) || isOff(kind)) return undefined; // nested first: what is part of another resource is not counted as an open
  const stack: CapturedStack = {}; // inline, as in record()
  let limit: number | undefined;
  try {
    limit = raiseStackLimit(deep?.depth);
    Error.captureStackTrace(stack, above);
    restoreStackLimit(limit);
  } catch (error) {
    restoreStackLimit(limit);
    return failed(kind, error);
  }
  stack.seq = nextTagSeq();
  return stack;
}

export function recordOpened(kind: ResourceKind, resource: object | undefined, stack: CapturedStack | undefined, detail?: unknown): Tag | undefined {
  if (stack === undefined || kindOff(kind)) return undefined; // sampled already, at openingStack
  try {
    return processTracker.trackCaptured(kind, resource, stack, detail);
  } catch (error) {
    return failed(kind, error);
  }
}

/** Closing-side bookkeeping (forget an fd, end a checkout), under the same boundary. */
export function safely<A>(kind: ResourceKind, bookkeeping: (arg: A) => void, arg?: A): void {
  try {
    bookkeeping(arg as A);
  } catch (error) {
    failed(kind, error);
  }
}

function failed(kind: ResourceKind, error: unknown): undefined {
  off.set(kind.name, 'failed');
  cannotTrack(kind.name, `internal error (${describeError(error)}); ${kind.name} is not tracked`);
  return undefined;
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'unknown error';
  }
}
