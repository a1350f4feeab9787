// net: client sockets (net.Socket) and listening servers (net.Server).
// Sockets a server accepted never pass through Socket#connect: they belong to
// their server and are not tracked.
import * as net from 'node:net';
import type { ResourceKind } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { record } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

/** Closed once destroyed (refused, reset, destroy()) or ended by this side. */
export const socketKind: ResourceKind<net.Socket> = {
  name: 'net.Socket',
  isOpen: (socket) => !socket.destroyed && !socket.writableEnded,
  describe: describeSocket,
};

/**
 * Servers whose listen() is still looking up its host. Node sets the handle
 * up in `_listen2` once the host is known (a bad host never gets there).
 */
const listenPending = new WeakSet<net.Server>();

/**
 * Open while listening. Not listening yet (a host still being looked up) is
 * not closed for good: the tag stays until the server is collected.
 */
export const serverKind: ResourceKind<net.Server> = {
  name: 'net.Server',
  mayReopen: true,
  isOpen: (server) => server.listening,
  isOpening: (server) => !server.listening && listenPending.has(server),
  describe: (server) => {
    if (!server) return 'server';
    const flavour = 'maxHeadersCount' in server ? ('_sharedCreds' in server ? 'HTTPS server' : 'HTTP server') : 'TCP server';
    const address = server.address();
    const where = !address ? '' : typeof address === 'string' ? ` on ${address}` : ` on ${address.address}:${address.port}`;
    return `${flavour} listening${where}`;
  },
};

/**
 * Servers of a kind of their own (http2.Server), marked by the definition
 * that created them: listen() records them under that kind instead.
 */
export const serverKindOf = new WeakMap<net.Server, ResourceKind<net.Server>>();

function describeSocket(socket: net.Socket | undefined, target: ConnectTarget | undefined): string {
  const tls = socket && (socket as { encrypted?: boolean }).encrypted ? 'TLS' : undefined;
  if (socket?.remoteAddress) return `${tls ?? 'TCP'} socket to ${socket.remoteAddress}:${socket.remotePort}`;
  if (target?.path !== undefined) return `IPC socket to ${target.path}`;
  return `${tls ?? 'TCP'} socket to ${target?.host ?? 'localhost'}:${target?.port} (connecting)`;
}

interface ConnectTarget {
  path?: string;
  host?: string;
  port?: string;
}

/**
 * Where connect() was asked to go, as plain strings: the tag keeps nothing
 * of the program's (the arguments hold its callback, and what that closes over).
 */
function connectTarget(connectArg: unknown): ConnectTarget {
  // net.connect passes its normalized [options, callback] pair.
  const arg = Array.isArray(connectArg) ? connectArg[0] : connectArg;
  const options = (typeof arg === 'object' && arg !== null ? arg : { port: arg }) as { path?: unknown; host?: unknown; port?: unknown };
  if (options.path) return { path: String(options.path) };
  if (typeof options.port === 'string' && !/^\d+$/.test(options.port)) return { path: options.port };
  return { host: options.host === undefined ? undefined : String(options.host), port: String(options.port) };
}

export const netDefinition: ModuleDefinition = {
  name: 'net',
  kinds: [socketKind, serverKind],
  files: [
    {
      file: 'node:net',
      patch(netModule: typeof net) {
        wrapMethod(netModule.Socket.prototype, 'connect', (original) =>
          function connect(this: net.Socket) {
            const result = original.apply(this, arguments);
            // Recorded after the call: arguments that throw open nothing.
            record(socketKind, this, connect, connectTarget(arguments[0]));
            return result;
          },
        );
        // Tagged at the call (the test that called listen() owns it), open
        // once listening: a failed listen (EADDRINUSE) never is.
        wrapMethod(netModule.Server.prototype, 'listen', (original) =>
          function listen(this: net.Server) {
            const result = original.apply(this, arguments);
            if (!this.listening) listenPending.add(this);
            record(serverKindOf.get(this) ?? serverKind, this, listen);
            return result;
          },
        );
        wrapMethod(netModule.Server.prototype as net.Server & { _listen2(): void }, '_listen2', (original) =>
          function _listen2(this: net.Server) {
            listenPending.delete(this);
            return original.apply(this, arguments);
          },
        );
      },
      unpatch(netModule: typeof net) {
        unwrapMethods(netModule.Socket.prototype, ['connect']);
        unwrapMethods(netModule.Server.prototype, ['listen', '_listen2']);
      },
    },
  ],
};
