// The context-carried part of the design: a collector (a scope) rides
// on AsyncLocalStorage across awaits, timers and callbacks, and every tag
// created while it is current is handed to it. The storage is only created
// when the first scope runs: programs that never use scopes pay one
// `undefined` check per open.
import { AsyncLocalStorage } from 'node:async_hooks';
import { processWide } from './process-wide';
import type { Tag } from './tag';

export interface TagCollector {
  collect(tag: Tag): void;
}

const context = processWide('context', () => ({ storage: undefined as AsyncLocalStorage<TagCollector> | undefined }));

export function runWithCollector<T>(collector: TagCollector, fn: () => T): T {
  context.storage ??= new AsyncLocalStorage();
  return context.storage.run(collector, fn);
}

export function currentCollector(): TagCollector | undefined {
  return context.storage?.getStore();
}

/** Make `makeCollector(message)` the current collector wherever `channel` runs its stores (a TracingChannel's start). */
export function bindCollector<M>(channel: { bindStore(store: AsyncLocalStorage<TagCollector>, transform: (message: M) => TagCollector | undefined): void }, makeCollector: (message: M) => TagCollector | undefined): void {
  context.storage ??= new AsyncLocalStorage();
  channel.bindStore(context.storage, makeCollector);
}
