// pg (node-postgres 8.x, pg-pool 3.x): pg.Client, pg.Pool, pg.PoolClient
// (a checkout never released), pg.Transaction (a BEGIN never committed or
// rolled back), and the cursors and query streams passed to client.query
// (their kinds: pg-cursor.ts). Patched on the user's own copy of pg when the
// program loads it; leaktrack has no pg of its own at run time.
//
// Nesting: a Client's socket, and a Pool's own clients and their sockets, are
// opened inside `openedInside` and never tracked on their own.
import { captureStack, firstUserFrame, resolveStack, type CapturedStack } from '../core/stack';
import { shorten, type ResourceKind, type Tag } from '../core/tag';
import { displayPath } from '../report/text';
import type { ModuleDefinition } from './definition';
import { openedInside } from './ownership';
import { cursorKind, queryStreamKind, submittableKind } from './pg-cursor';
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
  connection?: { stream?: { destroyed?: boolean } };
  release?: (error?: unknown) => void;
  /** The server's transaction status from its last ReadyForQuery: I idle, T in a transaction, E failed transaction. */
  _txStatus?: string | null;
  _queryQueue?: unknown[];
  _sentQueryQueue?: unknown[];
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

const clientIsOpen = (c: PgClient) => !c._ending && !c._ended && !c._connectionError && c.connection?.stream?.destroyed !== true;

/** Closed by end(), by pg after a connection error, or when its socket died. */
export const clientKind: ResourceKind<PgClient> = {
  name: 'pg.Client',
  isOpen: clientIsOpen,
  describe: (c) => (c ? `pg.Client to ${where(c)}` : 'pg.Client'),
  holds: (c) => c.connection,
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
  holds: (c) => c.connection,
};

// ---- transactions ------------------------------------------------------------
//
// When a transaction is open is read from the server's own answer: every
// ReadyForQuery carries the status (idle, in transaction, failed
// transaction), which pg keeps as `_txStatus`; until the BEGIN itself is
// answered, the tag is open while pg still holds that query. So COMMIT, ROLLBACK, END,
// ABORT, savepoints, COMMIT AND CHAIN and a failed COMMIT all count without
// leaktrack parsing them. Only the start is recognised from the SQL text
// (BEGIN, START TRANSACTION), because the opening stack must be taken at the
// program's call: a query that is not one costs one anchored regex test.

const TRANSACTION_START = /^\s*(?:begin|start\s+transaction)\b/i;
const inTransaction = (status: unknown) => status === 'T' || status === 'E';

interface TransactionDetail {
  client: string;
  sql: string;
  /** pg's query object for the BEGIN, weakly: until it is answered, the server's status says nothing yet. */
  begin: WeakRef<object>;
  /** Where the client went back to the pool with the transaction open. */
  releasedAt?: string;
}

/** The BEGIN is still queued, sent or running on this client. */
function beginPending(c: PgClient, detail: TransactionDetail): boolean {
  const query = detail.begin.deref();
  return query !== undefined && (c._activeQuery === query || !!c._queryQueue?.includes(query) || !!c._sentQueryQueue?.includes(query));
}

/** Open from the BEGIN until the server says idle, or the client ends. */
export const transactionKind: ResourceKind<PgClient> = {
  name: 'pg.Transaction',
  isOpen: (c, detail) => clientIsOpen(c) && (inTransaction(c._txStatus) || beginPending(c, detail as TransactionDetail)),
  describe: (c, detail) => {
    const d = detail as TransactionDetail;
    const state = c?._txStatus === 'E' ? 'failed, never rolled back' : 'never committed or rolled back';
    if (d.releasedAt) return `transaction "${d.sql}" on a pg.Client to ${d.client}, still open when the client was released to the pool at ${d.releasedAt}`;
    return `transaction "${d.sql}" on a pg.Client to ${d.client}, ${state}`;
  },
  heldIn: (c) => c.connection,
};

/** The transaction of each client that has begun one (set at BEGINs only). */
const transactions = new WeakMap<PgClient, Tag>();

function queryText(config: unknown): string | undefined {
  const text = typeof config === 'string' ? config : (config as { text?: unknown } | null | undefined)?.text;
  return typeof text === 'string' ? text : undefined;
}

/** pg's query object for the text just passed to client.query: queued, sent (pipeline mode) or active. */
function queuedQuery(client: PgClient, text: string): object | undefined {
  const candidates = [client._queryQueue?.at(-1), client._sentQueryQueue?.at(-1), client._activeQuery];
  return candidates.find((query) => (query as { text?: unknown } | undefined)?.text === text) as object | undefined;
}

function beginSent(sent: { client: PgClient; text: string; stack: CapturedStack }): void {
  const query = queuedQuery(sent.client, sent.text);
  if (!query) return; // refused at once (client not queryable): no transaction
  // A BEGIN inside an open transaction starts nothing (the server warns).
  const current = transactions.get(sent.client);
  if (current?.isOpen) return;
  current?.close();
  const detail: TransactionDetail = { client: where(sent.client), sql: shorten(sent.text, 60), begin: new WeakRef(query) };
  const tag = recordOpened(transactionKind, sent.client, sent.stack, detail);
  if (tag) transactions.set(sent.client, tag);
}

/**
 * Back to the pool inside a transaction: the next checkout runs in it, its
 * locks stay held. That is the leak, whatever happens later: the tag stays
 * open from here, with the release line. (release(err) destroys the client,
 * and with it the transaction.)
 */
function releasedInTransaction(client: PgClient): void {
  const tag = transactions.get(client);
  if (!tag?.isOpen || !inTransaction(client._txStatus)) return;
  transactions.delete(client);
  const frame = firstUserFrame(resolveStack(captureStack(releasedInTransaction)));
  const at = frame ? `${displayPath(frame.file, process.cwd())}:${frame.line}:${frame.column}` : 'a line of pg-pool';
  tag.hold({ ...(tag.detail as TransactionDetail), releasedAt: at });
}

// Wrappers of class methods are methods too (no prototype of their own, like
// the originals): a plain function would need wrap.ts's forwarding layer,
// an extra call on every query.
function patchTransactions(Client: { prototype: object }): void {
  wrapMethod(Client.prototype, 'query', (original) => {
    const self = {
      query(this: PgClient, config: unknown) {
        if (typeof (config as { submit?: unknown } | null)?.submit === 'function') {
          const submittable = submittableKind(config as object);
          if (submittable) record(submittable.kind, config as object, self.query, submittable.sql);
          return original.apply(this, arguments);
        }
        const text = queryText(config);
        if (text === undefined || !TRANSACTION_START.test(text)) return original.apply(this, arguments);
        const stack = openingStack(transactionKind, self.query);
        const result = original.apply(this, arguments);
        if (stack) safely(transactionKind, beginSent, { client: this, text, stack });
        return result;
      },
    };
    return self.query;
  });
}

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
  wrapMethod(Client.prototype, 'connect', (original) => {
    const self = {
      connect(this: PgClient) {
        record(clientKind, this, self.connect);
        return openedInside(original, this, arguments);
      },
    };
    return self.connect;
  });
  patchTransactions(Client);
}

/** pg-pool exports the Pool class: return a stand-in that tracks each pool where it is created. */
function patchPool(OriginalPool: new (...args: any[]) => object): unknown {
  const proto = OriginalPool.prototype as Record<string, unknown>;
  // The pool's own clients (and their sockets) belong to the pool.
  wrapMethod(proto, 'newClient', (original) => {
    const self = {
      newClient(this: PgPool) {
        return openedInside(original, this, arguments);
      },
    };
    return self.newClient;
  });
  // pool.query checks out and releases by itself: never a leak.
  wrapMethod(proto, 'query', (original) => {
    const self = {
      query(this: PgPool) {
        return openedInside(original, this, arguments);
      },
    };
    return self.query;
  });
  wrapMethod(proto, 'connect', (original) => {
    const self = {
      connect(this: PgPool, callback?: (error: unknown, client?: PgClient, release?: unknown) => void) {
        const stack = openingStack(poolClientKind, self.connect);
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
    };
    return self.connect;
  });
  // Every release path (release(), release(err), pool.query) ends here.
  wrapMethod(proto, '_release', (original) => {
    const self = {
      _release(this: PgPool, client: PgClient, _idleListener: unknown, error?: unknown) {
        endCheckout(client);
        if (!error) safely(transactionKind, releasedInTransaction, client);
        return original.apply(this, arguments);
      },
    };
    return self._release;
  });

  return trackConstruction(OriginalPool, (pool, construct) => record(poolKind, pool, construct));
}

const POOL_METHODS = ['newClient', 'query', 'connect', '_release'];

export const pgDefinition: ModuleDefinition = {
  name: 'pg',
  kinds: [clientKind, poolKind, poolClientKind, transactionKind, cursorKind, queryStreamKind],
  files: [
    {
      file: 'pg/lib/client.js',
      versions: '8.x',
      patch: patchClient,
      unpatch: (Client: { prototype: object }) => unwrapMethods(Client.prototype, ['connect', 'query']),
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
