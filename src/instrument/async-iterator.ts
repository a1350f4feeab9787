// Resources that are async iterators (timers/promises setInterval, fs/promises
// watch): open once iterated, until the iteration ends (`break`, `return()`,
// an abort, an error). An iterator the program dropped mid-iteration is
// still open: its timer or watcher goes on, and nothing of it is reachable
// to stop it. So whether it is open is the tag's own state, whether or not
// the iterator is still there (no GC timing in the answer).
import type { ResourceKind } from '../core/tag';

/** The tag's detail: plain flags, and the signal held weakly (it is the program's). */
export interface IteratorState {
  started: boolean;
  done: boolean;
  signal: WeakRef<AbortSignal> | undefined;
  /** What the description shows (a delay, a path). */
  about: unknown;
}

const running = (state: IteratorState) => state.started && !state.done && state.signal?.deref()?.aborted !== true;

export function iteratorKind(name: string, describe: (about: unknown) => string): ResourceKind<object> {
  return {
    name,
    // Not open until first iterated: its tag must not be dropped before.
    mayReopen: true,
    isOpen: (_iterator, state) => running(state as IteratorState),
    leakWhenCollected: (state) => running(state as IteratorState),
    describe: (_iterator, state) => describe((state as IteratorState).about),
  };
}

/**
 * The program's iterator, delegated to from a generator of leaktrack's that
 * keeps the state: next/return/throw behave exactly as the original's.
 */
export function trackedIterator(inner: AsyncGenerator, signal: AbortSignal | undefined, about: unknown): { iterator: AsyncGenerator; state: IteratorState } {
  const state: IteratorState = { started: false, done: false, signal: signal ? new WeakRef(signal) : undefined, about };
  const iterator = (async function* iterate() {
    state.started = true;
    try {
      return yield* inner;
    } finally {
      state.done = true;
    }
  })();
  return { iterator, state };
}
