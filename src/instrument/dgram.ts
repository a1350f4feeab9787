// dgram: UDP sockets never closed. A socket holds its fd from
// createSocket() on, and once bound (or sending) keeps the process alive.
import type * as dgram from 'node:dgram';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

/**
 * Node keeps a socket's handle in its state object, under a symbol named
 * 'state symbol' (the same on Node 20 to 26); close() sets it to null.
 * Without that state, a socket counts as open.
 */
let stateKey: symbol | undefined;

function isOpen(socket: dgram.Socket): boolean {
  // Looked up once, not on every check (the tracker asks on every open): the same symbol for every socket.
  if (stateKey === undefined || !(stateKey in socket)) stateKey = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  const state = stateKey ? (socket as unknown as Record<symbol, { handle?: unknown } | undefined>)[stateKey] : undefined;
  return state ? state.handle != null : true;
}

export const udpSocketKind: ResourceKind<dgram.Socket> = {
  name: 'dgram.Socket',
  isOpen,
  describe: (socket, type) => {
    let bound = '';
    try {
      const address = socket?.address();
      if (address) bound = ` bound to ${address.address}:${address.port}`;
    } catch {
      // not bound
    }
    return `UDP socket (${String(type)})${bound}, never closed`;
  },
};

const typeOf = (options: unknown) => (typeof options === 'string' ? options : String((options as { type?: unknown } | null)?.type ?? '?'));

export const dgramDefinition: ModuleDefinition = {
  name: 'dgram',
  kinds: [udpSocketKind],
  files: [
    {
      file: 'node:dgram',
      patch(module: typeof dgram) {
        wrapMethod(module, 'createSocket', (original) =>
          function createSocket(this: unknown, options: unknown) {
            const socket = original.apply(this, arguments);
            record(udpSocketKind, socket, createSocket, typeOf(options));
            return socket;
          },
        );
      },
      unpatch: (module: typeof dgram) => unwrapMethods(module, ['createSocket']),
    },
  ],
};
