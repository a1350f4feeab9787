// MessagePort and BroadcastChannel: a port that keeps the process alive (a
// 'message' listener ref'd it) and was never closed. Adding a 'message'
// listener (on, addEventListener, onmessage), start() and ref() all go
// through MessagePort.prototype.ref, which is where the port is tagged, once;
// a BroadcastChannel is such a port inside (ref'd from construction). Open
// while it keeps the process alive (`hasRef()`): close() or unref() ends it.
// The ports a Worker opens for itself are the Worker's (opened inside its
// constructor). The globals load Node's worker I/O at first read: patched
// then (lazy-builtins.ts), or with node:worker_threads.
import type * as workerThreads from 'node:worker_threads';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
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

const GLOBALS = ['MessagePort', 'MessageChannel', 'BroadcastChannel'] as const;
/** The stand-in getters in place, to put back. */
let putBackGlobals: (() => void) | undefined;

/**
 * Node 20–24 define the globals as lazy getters that load Node's worker I/O
 * (3–6 ms) at first read: stand-in getters wait for that first read, put the
 * originals back, and patch. Node 26 has them loaded already.
 */
function patchGlobals(global: typeof globalThis): void {
  const own = GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(global, name)] as const);
  const port = own[0][1];
  if (!port) return;
  if ('value' in port) return patchPort(port.value as { prototype: Port });
  if (!own.every(([, descriptor]) => descriptor?.get && descriptor.configurable) || !Object.isExtensible(global)) return;
  putBackGlobals = () => {
    putBackGlobals = undefined;
    for (const [name, descriptor] of own) Object.defineProperty(global, name, descriptor!);
  };
  for (const [name, descriptor] of own) {
    Object.defineProperty(global, name, {
      ...descriptor,
      get(this: unknown) {
        putBackGlobals?.();
        const value = Reflect.apply(descriptor!.get!, this, []);
        patchPort(Reflect.get(global, 'MessagePort') as unknown as { prototype: Port });
        return value;
      },
    });
  }
}

export const messagePortDefinition: ModuleDefinition = {
  name: 'message-port',
  kinds: [messagePortKind],
  files: [
    {
      file: 'globalThis',
      patch: patchGlobals,
      unpatch(global: typeof globalThis) {
        putBackGlobals?.();
        const port = Object.getOwnPropertyDescriptor(global, 'MessagePort');
        if (port && 'value' in port) unwrapMethods((port.value as { prototype: object }).prototype, ['ref']);
      },
    },
    {
      // The same class, for a program that imports it from node:worker_threads.
      file: 'node:worker_threads',
      patch: (module: typeof workerThreads) => patchPort(module.MessagePort as unknown as { prototype: Port }),
      unpatch: (module: typeof workerThreads) => unwrapMethods(module.MessagePort.prototype, ['ref']),
    },
  ],
};
