// net: client sockets (net.Socket) and listening servers (net.Server).
// Sockets a server accepted never pass through Socket#connect: they belong to
// their server and are not tracked.
import * as net from 'node:net';
import { captureStack, type CapturedStack } from '../core/stack';
import type { ResourceKind } from '../core/tag';
import { isNested, processTracker } from '../core/tracker';
import type { Instrumentation } from './instrumentation';
import { wrapMethod } from './wrap';

/** Closed once destroyed (refused, reset, destroy()) or ended by this side. */
export const socketKind: ResourceKind<net.Socket> = {
  name: 'net.Socket',
  isOpen: (socket) => !socket.destroyed && !socket.writableEnded,
  describe: describeSocket,
};

export const serverKind: ResourceKind<net.Server> = {
  name: 'net.Server',
  isOpen: (server) => server.listening,
  describe: (server) => {
    if (!server) return 'server';
    const flavour = 'maxHeadersCount' in server ? ('_sharedCreds' in server ? 'HTTPS server' : 'HTTP server') : 'TCP server';
    const address = server.address();
    const where = !address ? '' : typeof address === 'string' ? ` on ${address}` : ` on ${address.address}:${address.port}`;
    return `${flavour} listening${where}`;
  },
};

function describeSocket(socket: net.Socket | undefined, connectArg: unknown): string {
  const tls = socket && (socket as { encrypted?: boolean }).encrypted ? 'TLS' : undefined;
  if (socket?.remoteAddress) return `${tls ?? 'TCP'} socket to ${socket.remoteAddress}:${socket.remotePort}`;
  // net.connect passes its normalized [options, callback] pair.
  const arg = Array.isArray(connectArg) ? connectArg[0] : connectArg;
  const options = (typeof arg === 'object' && arg !== null ? arg : { port: arg }) as { path?: string; host?: string; port?: unknown };
  if (options.path) return `IPC socket to ${options.path}`;
  if (typeof options.port === 'string' && !/^\d+$/.test(options.port)) return `IPC socket to ${options.port}`;
  return `${tls ?? 'TCP'} socket to ${options.host ?? 'localhost'}:${String(options.port)} (connecting)`;
}

/** Where each server's latest listen() was called, until it is listening. */
const listenStacks = new WeakMap<net.Server, CapturedStack>();

// Shared by every server: no closure per resource. A 'listening' listener
// changes nothing about the program (unlike an 'error' listener).
function onListening(this: net.Server): void {
  const stack = listenStacks.get(this);
  if (stack) processTracker.track(serverKind, this, stack);
}

export const netInstrumentation: Instrumentation = {
  module: 'net',
  builtin: true,
  patch(netModule: typeof net) {
    wrapMethod(netModule.Socket.prototype, 'connect', (original) =>
      function connect(this: net.Socket) {
        const result = original.apply(this, arguments);
        // Tracked after the call: arguments that throw open nothing.
        if (!isNested()) processTracker.track(socketKind, this, captureStack(connect), arguments[0]);
        return result;
      },
    );
    // A failed listen (EADDRINUSE) never emits 'listening': never a resource.
    wrapMethod(netModule.Server.prototype, 'listen', (original) =>
      function listen(this: net.Server) {
        if (isNested()) return original.apply(this, arguments);
        if (!listenStacks.has(this)) this.on('listening', onListening);
        listenStacks.set(this, captureStack(listen));
        return original.apply(this, arguments);
      },
    );
  },
};
