// "Report only the outermost resource", in one place: what a tracked outer
// resource opens synchronously while it is being opened (a pg.Client's
// socket inside connect(), an http request's socket inside request()) is
// part of it, and the record step does not track it on its own.
//
// What an outer resource's code opens later, asynchronously (an agent's
// socket for a queued request, a stream's fd a tick after createReadStream,
// undici's sockets for a fetch) needs no rule: its opening stack starts in
// Node's or the library's code, with no frame of the user's, so it is never
// reported (test/fixtures/opened-later.mjs checks that on each Node).
import { processWide } from '../core/process-wide';

// Process-wide: under Jest each test file's copy of leaktrack must see the same depth.
const nesting = processWide('ownership', () => ({ depth: 0 }));

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
