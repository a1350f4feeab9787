// MessagePort and BroadcastChannel: a port that keeps the process alive (a
// 'message' listener ref'd it) and was never closed. Adding a 'message'
// listener (on, addEventListener, onmessage), start() and ref() all go
// through MessagePort.prototype.ref, which is where the port is tagged, once;
// a BroadcastChannel is such a port inside (ref'd from construction). Open
// while it keeps the process alive (`hasRef()`): close() or unref() ends it.
// The ports a Worker opens for itself are the Worker's (opened inside its
// constructor). Patched once node:worker_threads is reached (by the program
// or anything it loads; at start on Node 20).
import type * as workerThreads from 'node:worker_threads';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { isDeferred } from './lazy-builtins';
import { record } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

type Port = workerThreads.MessagePort & { hasRef(): boolean };

export const messagePortKind: ResourceKind<Port> = {
  name: 'worker_threads.MessagePort',
  isOpen: (port) => port.hasRef(),
  describe: () => "MessagePort (or BroadcastChannel) with a 'message' listener, never closed: it keeps the process alive",
};

const tagged = new WeakSet<object>();

function patchPort(MessagePort: { prototype: Port }): void {
  wrapMethod(MessagePort.prototype, 'ref', (original) =>
    function ref(this: Port) {
      const result = original.apply(this, arguments);
      if (!tagged.has(this)) {
        tagged.add(this);
        record(messagePortKind, this, ref);
      }
      return result;
    },
  );
}

export const messagePortDefinition: ModuleDefinition = {
  name: 'message-port',
  kinds: [messagePortKind],
  files: [
    {
      // The globals are the same classes, but on Node 22+ even looking at
      // them (a descriptor, a replacement) loads Node's worker I/O, 3-6 ms of
      // every start: patched when node:worker_threads is reached.
      file: 'node:worker_threads',
      patch: (module: typeof workerThreads) => patchPort(module.MessagePort as unknown as { prototype: Port }),
      unpatch: (module: typeof workerThreads) => unwrapMethods(module.MessagePort.prototype, ['ref']),
    },
  ],
  // Before node:worker_threads is reached nothing here is patched, and no
  // Worker can exist: every port Node counts as keeping the process alive
  // came from the globals, unseen.
  unseen: {
    kind: messagePortKind.name,
    count: () => (isDeferred('node:worker_threads') ? process.getActiveResourcesInfo().filter((type) => type === 'MessagePort').length : 0),
    why: 'made through the global MessageChannel or BroadcastChannel, which leaktrack sees only once the program loads node:worker_threads (on Node 22+, looking at those globals earlier would load Node\'s worker I/O into every start)',
  },
};
