// Cursors of pg-cursor (2.x) and streams of pg-query-stream (4.x): one read
// partly and never closed, or a stream neither read to its end nor
// destroyed, keeps its client busy. Both are pg "submittables" the program
// passes to client.query(); pg.ts tags them there, at the program's line
// (`client.query(new Cursor(…))`). Recognised by shape, not by patching
// their packages: an ESM import of either loads its main file without
// require(), where no require hook sees it. A stream's own cursor is never
// passed to client.query, so it is never tagged on its own.
import type { ResourceKind } from '../core/tag';
import { shorten } from '../core/tag';

/** The parts of pg-cursor's state we read (stable across 2.x). */
interface PgCursor {
  /** initialized (not sent yet), submitted, idle, busy, done, error */
  state?: string;
  text?: unknown;
  connection?: object;
  read?: unknown;
  close?: unknown;
}
interface PgQueryStream {
  destroyed?: boolean;
  cursor?: PgCursor;
  pipe?: unknown;
}

/** Sent and not finished: done once read to the end or closed, error once it failed. */
const cursorIsOpen = (cursor: PgCursor | undefined) =>
  cursor?.state !== undefined && cursor.state !== 'initialized' && cursor.state !== 'done' && cursor.state !== 'error';

const sqlOf = (text: unknown) => shorten(typeof text === 'string' ? text : '?', 60);

export const cursorKind: ResourceKind<PgCursor> = {
  name: 'pg.Cursor',
  isOpen: cursorIsOpen,
  describe: (_cursor, sql) => `cursor "${String(sql)}", never closed`,
  // Nested in its client: left out while the client itself is reported.
  heldIn: (cursor) => cursor.connection,
};

export const queryStreamKind: ResourceKind<PgQueryStream> = {
  name: 'pg.QueryStream',
  isOpen: (stream) => !stream.destroyed && cursorIsOpen(stream.cursor),
  describe: (_stream, sql) => `query stream "${String(sql)}", neither read to its end nor destroyed`,
  heldIn: (stream) => stream.cursor?.connection,
};

const isCursor = (value: PgCursor) => typeof value.read === 'function' && typeof value.close === 'function' && 'state' in value;

/** The kind and the SQL of a submittable passed to client.query, when it is a cursor or a query stream. */
export function submittableKind(config: object): { kind: ResourceKind; sql: string } | undefined {
  const stream = config as PgQueryStream;
  if (typeof stream.pipe === 'function' && stream.cursor && isCursor(stream.cursor)) return { kind: queryStreamKind, sql: sqlOf(stream.cursor.text) };
  if (isCursor(config as PgCursor)) return { kind: cursorKind, sql: sqlOf((config as PgCursor).text) };
  return undefined;
}
