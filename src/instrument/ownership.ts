// "Report only the outermost resource", in one place. Two ways a resource
// belongs to an outer tracked one:
// - opened synchronously while the outer one is being opened (a pg.Client's
//   socket inside connect(), an http request's socket inside request()):
//   the record step skips it (`openedInside` / `isNested`);
// - opened later, asynchronously, by the outer resource's own code (an
//   agent's socket for a queued request, a stream's fd a tick after
//   createReadStream): its opening stack passes through that code, which the
//   module definition names with `addOwnerCode`; the report drops it.
import type { Frame } from '../core/stack';
import { processWide } from '../core/process-wide';

// Process-wide: under Jest each test file's copy of leaktrack must see the same state.
const nesting = processWide('ownership', () => ({ depth: 0, ownerCode: [] as string[] }));

/**
 * Call `fn` as part of opening a tracked outer resource: what it opens
 * synchronously belongs to that resource and is not tracked on its own.
 */
export function openedInside<T>(fn: (...args: any[]) => T, thisArg: unknown, args: ArrayLike<unknown>): T {
  nesting.depth++;
  try {
    return Reflect.apply(fn, thisArg, args);
  } finally {
    nesting.depth--;
  }
}

/** True while an outer tracked resource is being opened. */
export function isNested(): boolean {
  return nesting.depth > 0;
}

/** Code (a file prefix) that opens resources later on behalf of an outer tracked resource. */
export function addOwnerCode(filePrefix: string): void {
  if (!nesting.ownerCode.includes(filePrefix)) nesting.ownerCode.push(filePrefix);
}

export function removeOwnerCode(filePrefix: string): void {
  const at = nesting.ownerCode.indexOf(filePrefix);
  if (at >= 0) nesting.ownerCode.splice(at, 1);
}

/** Checked at report time: the opening stack passes through an outer resource's code. */
export function openedByOwner(frames: readonly Frame[]): boolean {
  const owners = nesting.ownerCode;
  return owners.length > 0 && frames.some((frame) => owners.some((prefix) => frame.file.startsWith(prefix)));
}
