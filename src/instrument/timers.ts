// timers: intervals never cleared. setTimeout is not a resource (it ends by
// itself). An unref'd interval is still one: it keeps firing for the life of
// the process (the contract: "a setInterval never cleared").
import type * as timers from 'node:timers';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { isWrapped, originalOf, unwrapMethods, wrapMethod } from './wrap';

type Timeout = NodeJS.Timeout & { _destroyed?: boolean };

/** clearInterval (by object or by its numeric id) marks the Timeout destroyed. */
export const intervalKind: ResourceKind<Timeout> = {
  name: 'timers.Interval',
  isOpen: (timer) => timer._destroyed !== true,
  describe: (timer) => `setInterval every ${timer ? (timer as unknown as { _repeat: number })._repeat : '?'} ms`,
};

/** The tag's detail: plain flags, and the signal held weakly (it is the program's). */
interface IteratorState {
  started: boolean;
  done: boolean;
  signal: WeakRef<AbortSignal> | undefined;
  delay: unknown;
}

const running = (state: IteratorState) => state.started && !state.done && state.signal?.deref()?.aborted !== true;

/**
 * A timers/promises interval exists while its iterator is being iterated and
 * has not ended (`break`, `return()`, an abort). An iterator the program
 * dropped mid-iteration is still one: its timer goes on firing, and nothing
 * of it is reachable to stop it (a module-level const is gone once the
 * module has run). So whether it is open is read from the tag's own state,
 * whether or not the iterator is still there.
 */
export const intervalIteratorKind: ResourceKind<object> = {
  name: 'timers.Interval',
  // Not open until first iterated: its tag must not be dropped before.
  mayReopen: true,
  isOpen: (_iterator, state) => running(state as IteratorState),
  leakWhenCollected: (state) => running(state as IteratorState),
  describe: (_iterator, state) => `timers/promises setInterval every ${String((state as IteratorState).delay ?? 1)} ms`,
};

function patchSetInterval(timersModule: typeof timers): void {
  const original = originalOf(timersModule.setInterval);
  wrapMethod(timersModule, 'setInterval', (setIntervalOriginal) =>
    function setInterval(this: unknown) {
      const timer = setIntervalOriginal.apply(this, arguments);
      record(intervalKind, timer, setInterval);
      return timer;
    },
  );
  // The global is the same function as the module's: keep them identical
  // (in each realm: Jest gives each test file its own global).
  if (globalThis.setInterval === original && isWrapped(timersModule.setInterval)) setGlobalInterval(timersModule.setInterval);
}

function setGlobalInterval(fn: typeof globalThis.setInterval): void {
  const own = Object.getOwnPropertyDescriptor(globalThis, 'setInterval');
  if (own?.configurable || own?.writable) Object.defineProperty(globalThis, 'setInterval', { ...own, value: fn });
}

function patchPromisesSetInterval(timersPromises: typeof import('node:timers/promises')): void {
  wrapMethod(timersPromises, 'setInterval', (original) =>
    function setInterval(this: unknown, delay?: number, _value?: unknown, options?: { ref?: boolean; signal?: AbortSignal }) {
      const inner: AsyncGenerator = original.apply(this, arguments);
      // (The original read options.signal already: a getter that throws threw there.)
      const signal = options?.signal;
      const state: IteratorState = { started: false, done: false, signal: signal ? new WeakRef(signal) : undefined, delay };
      // Delegation keeps next/return/throw exactly as the original iterator's.
      const iterator = (async function* setIntervalIterator() {
        state.started = true;
        try {
          return yield* inner;
        } finally {
          state.done = true;
        }
      })();
      record(intervalIteratorKind, iterator, setInterval, state);
      return iterator;
    },
  );
}

export const timersDefinition: ModuleDefinition = {
  name: 'timers',
  kinds: [intervalKind, intervalIteratorKind],
  files: [
    {
      file: 'node:timers',
      patch: patchSetInterval,
      unpatch(timersModule: typeof timers) {
        const wrapped = timersModule.setInterval;
        unwrapMethods(timersModule, ['setInterval']);
        if (globalThis.setInterval === wrapped) setGlobalInterval(timersModule.setInterval);
      },
    },
    {
      // The same object as timers.promises; its own file, so it loads only when used.
      file: 'node:timers/promises',
      patch: patchPromisesSetInterval,
      unpatch: (timersPromises: object) => unwrapMethods(timersPromises, ['setInterval']),
    },
  ],
};
