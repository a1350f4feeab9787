// pg (node-postgres 8.x, pg-pool 3.x): pg.Client, pg.Pool and pg.PoolClient
// (a checkout never released). Patched on the user's own copy of pg when the
// program loads it; leaktrack has no pg of its own at run time.
//
// Nesting: a Client's socket, and a Pool's own clients and their sockets, are
// opened inside `openedInside` and never tracked on their own.
import type { CapturedStack } from '../core/stack';
import { shorten, type ResourceKind, type Tag } from '../core/tag';
import type { ModuleDefinition } from './definition';
import { openedInside } from './ownership';
import { openingStack, record, recordOpened, safely } from './record';
import { trackConstruction, unwrapMethods, wrapMethod } from './wrap';

/** The parts of pg's internals we read (stable across pg 8.x). */
interface PgClient {
  host?: string;
  port?: number;
  database?: string;
  _ending?: boolean;
  _ended?: boolean;
  _connectionError?: boolean;
  _activeQuery?: { text?: string } | null;
  _queryQueue?: unknown[];
  connection?: { stream?: { destroyed?: boolean } };
  release?: (error?: unknown) => void;
}
interface PgPool {
  ending?: boolean;
  options?: { host?: string; port?: number; database?: string; connectionString?: string };
  _clients?: PgClient[];
  _idle?: unknown[];
}

const where = (c: PgClient) => `${c.host ?? 'localhost'}:${c.port ?? 5432}/${c.database ?? ''}`;

/** Where a pool's clients would connect: its options, else pg's own defaults from the PG* variables. */
function poolTarget(options: NonNullable<PgPool['options']>): string {
  const env = process.env;
  return where({
    host: options.host ?? env.PGHOST,
    port: options.port ?? (env.PGPORT ? Number(env.PGPORT) : undefined),
    database: options.database ?? env.PGDATABASE ?? env.PGUSER ?? env.USER,
  });
}

/** Closed by end(), by pg after a connection error, or when its socket died. */
export const clientKind: ResourceKind<PgClient> = {
  name: 'pg.Client',
  isOpen: (c) => !c._ending && !c._ended && !c._connectionError && c.connection?.stream?.destroyed !== true,
  describe: (c) => (c ? `pg.Client to ${where(c)}` : 'pg.Client'),
};

export const poolKind: ResourceKind<PgPool> = {
  name: 'pg.Pool',
  isOpen: (pool) => !pool.ending,
  describe: (pool) => {
    if (!pool) return 'pg.Pool';
    const clients = pool._clients ?? [];
    const target = clients[0] ? where(clients[0]) : pool.options?.connectionString ? 'connection string' : poolTarget(pool.options ?? {});
    return `pg.Pool to ${target} (${clients.length} client${clients.length === 1 ? '' : 's'}, ${pool._idle?.length ?? 0} idle)`;
  },
};

/** A checkout: closed explicitly when released (Pool#_release). */
export const poolClientKind: ResourceKind<PgClient> = {
  name: 'pg.PoolClient',
  describe: (c) => {
    if (!c) return 'pg.PoolClient';
    const running = c._activeQuery?.text ?? (c._queryQueue?.length ? 'queued queries' : undefined);
    return `checkout of a pg.Client to ${where(c)}, never released${running ? `; query still running: ${shorten(running)}` : ''}`;
  },
};

const checkouts = new WeakMap<PgClient, Tag>();

function trackCheckout(client: PgClient, stack: CapturedStack): void {
  endCheckout(client);
  const tag = recordOpened(poolClientKind, client, stack);
  if (tag) checkouts.set(client, tag);
}

function endCheckout(client: PgClient): void {
  safely(poolClientKind, closeCheckoutTag, client);
}

function closeCheckoutTag(client: PgClient): void {
  checkouts.get(client)?.close();
  checkouts.delete(client);
}

function patchClient(Client: { prototype: object }): void {
  wrapMethod(Client.prototype, 'connect', (original) =>
    function connect(this: PgClient) {
      record(clientKind, this, connect);
      return openedInside(original, this, arguments);
    },
  );
}

/** pg-pool exports the Pool class: return a stand-in that tracks each pool where it is created. */
function patchPool(OriginalPool: new (...args: any[]) => object): unknown {
  const proto = OriginalPool.prototype as Record<string, unknown>;
  // The pool's own clients (and their sockets) belong to the pool.
  wrapMethod(proto, 'newClient', (original) =>
    function newClient(this: PgPool) {
      return openedInside(original, this, arguments);
    },
  );
  // pool.query checks out and releases by itself: never a leak.
  wrapMethod(proto, 'query', (original) =>
    function query(this: PgPool) {
      return openedInside(original, this, arguments);
    },
  );
  wrapMethod(proto, 'connect', (original) =>
    function connect(this: PgPool, callback?: (error: unknown, client?: PgClient, release?: unknown) => void) {
      const stack = openingStack(poolClientKind, connect);
      if (stack === undefined) return original.apply(this, arguments);
      if (typeof callback === 'function') {
        return original.call(this, (error: unknown, client?: PgClient, release?: unknown) => {
          if (!error && client) trackCheckout(client, stack);
          return callback(error, client, release);
        });
      }
      return original.call(this).then((client: PgClient) => {
        trackCheckout(client, stack);
        return client;
      });
    },
  );
  // Every release path (release(), release(err), pool.query) ends here.
  wrapMethod(proto, '_release', (original) =>
    function _release(this: PgPool, client: PgClient) {
      endCheckout(client);
      return original.apply(this, arguments);
    },
  );

  return trackConstruction(OriginalPool, (pool, construct) => record(poolKind, pool, construct));
}

const POOL_METHODS = ['newClient', 'query', 'connect', '_release'];

export const pgDefinition: ModuleDefinition = {
  name: 'pg',
  kinds: [clientKind, poolKind, poolClientKind],
  files: [
    {
      file: 'pg/lib/client.js',
      versions: '8.x',
      patch: patchClient,
      unpatch: (Client: { prototype: object }) => unwrapMethods(Client.prototype, ['connect']),
    },
    {
      file: 'pg-pool',
      versions: '3.x',
      patch: patchPool,
      // The class stand-in stays where the program holds it; with the kinds off it only forwards.
      unpatch: (Pool: { prototype: object }) => unwrapMethods(Pool.prototype, POOL_METHODS),
    },
  ],
};
