// pg with pg-cursor and pg-query-stream against the real PostgreSQL (PG* env), all released.
import pg from 'pg';
import Cursor from 'pg-cursor';
import QueryStream from 'pg-query-stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';

const pool = new pg.Pool({ max: 2 });
const client = await pool.connect();
const cursor = client.query(new Cursor('select generate_series(1, 100) as n'));
let total = 0;
for (let rows = await cursor.read(30); rows.length > 0; rows = await cursor.read(30)) total += rows.reduce((s, r) => s + r.n, 0);
await cursor.close();
client.release();

const streaming = await pool.connect();
let count = 0;
await pipeline(streaming.query(new QueryStream('select generate_series(1, 500) as n')), new Writable({ objectMode: true, write(row, _e, cb) { count++; cb(); } }));
streaming.release();
await pool.end();
console.log('cursor sum', total, 'streamed', count);
