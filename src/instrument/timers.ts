// timers: intervals never cleared. setTimeout is not a resource (it ends by
// itself). An unref'd interval is still one: it keeps firing for the life of
// the process (the contract: "a setInterval never cleared").
import type * as timers from 'node:timers';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { iteratorKind, trackedIterator } from './async-iterator';
import { record } from './record';
import { isWrapped, originalOf, unwrapMethods, wrapMethod } from './wrap';

type Timeout = NodeJS.Timeout & { _destroyed?: boolean };

/** clearInterval (by object or by its numeric id) marks the Timeout destroyed. */
export const intervalKind: ResourceKind<Timeout> = {
  name: 'timers.Interval',
  isOpen: (timer) => timer._destroyed !== true,
  describe: (timer) => `setInterval every ${timer ? (timer as unknown as { _repeat: number })._repeat : '?'} ms`,
};

/** A timers/promises interval, while its iterator is iterated (async-iterator.ts). */
export const intervalIteratorKind = iteratorKind('timers.Interval', (delay) => `timers/promises setInterval every ${String(delay ?? 1)} ms`);

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
      const { iterator, state } = trackedIterator(inner, options?.signal, delay);
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
