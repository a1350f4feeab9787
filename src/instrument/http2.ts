// http2: client sessions (http2.Session, from http2.connect) until closed or
// destroyed, and servers (http2.Server, from http2.createServer and
// createSecureServer) while listening. A session's socket is opened inside
// connect() (openedInside): it is the session's, never a net.Socket of its
// own. Sessions a server accepted belong to the server and are not tracked.
import type * as http2 from 'node:http2';
import type * as net from 'node:net';
import type { ResourceKind } from '../core/tag';
import { urlOrigin } from '../report/redact';
import type { ModuleDefinition } from './definition';
import { serverKind, serverKindOf } from './net';
import { openedInside } from './ownership';
import { record } from './record';
import { unwrapMethods, wrapMethod } from './wrap';

/** Closed by close() (it waits for open streams), destroy(), a connect error or the peer going away. */
export const sessionKind: ResourceKind<http2.ClientHttp2Session> = {
  name: 'http2.Session',
  isOpen: (session) => !session.closed && !session.destroyed,
  describe: (_session, origin) => `HTTP/2 session to ${String(origin)}`,
};

/** Listening, as net.Server (net.ts): only the name and the words differ. */
export const http2ServerKind: ResourceKind<net.Server> = {
  ...serverKind,
  name: 'http2.Server',
  describe: (server) => {
    const address = server?.address();
    const where = address && typeof address === 'object' ? ` on ${address.address}:${address.port}` : '';
    return `HTTP/2${server && '_sharedCreds' in server ? ' TLS' : ''} server listening${where}`;
  },
};


export const http2Definition: ModuleDefinition = {
  name: 'http2',
  kinds: [sessionKind, http2ServerKind],
  files: [
    {
      file: 'node:http2',
      patch(http2Module: typeof http2) {
        wrapMethod(http2Module, 'connect', (original) =>
          function connect(this: unknown, authority: unknown) {
            const session = openedInside(original, this, arguments) as http2.ClientHttp2Session;
            record(sessionKind, session, connect, urlOrigin(authority) ?? 'an authority that is not a URL');
            return session;
          },
        );
        for (const name of ['createServer', 'createSecureServer'] as const) {
          wrapMethod(http2Module, name, (original) =>
            function createServer(this: unknown) {
              const server = original.apply(this, arguments) as net.Server;
              serverKindOf.set(server, http2ServerKind);
              return server;
            },
          );
        }
      },
      unpatch: (http2Module: typeof http2) => unwrapMethods(http2Module, ['connect', 'createServer', 'createSecureServer']),
    },
  ],
};
