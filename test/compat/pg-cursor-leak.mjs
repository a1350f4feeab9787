// pg-cursor with deliberate leaks: a checkout never released, the pool never ended.
import pg from 'pg';
import Cursor from 'pg-cursor';

const pool = new pg.Pool({ max: 2 }); // leak: pg.Pool
const client = await pool.connect(); // leak: pg.PoolClient
const cursor = client.query(new Cursor('select generate_series(1, 10) as n'));
console.log((await cursor.read(5)).length);
process.exit(0);
