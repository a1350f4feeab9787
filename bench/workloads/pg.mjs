// pg pool.query('select 1') against the PostgreSQL bench/run.mjs started (PG* env).
import pg from 'pg';
import { measure } from './measure.mjs';

const pool = new pg.Pool({ max: 4 });
await measure(10_000, () => pool.query('select 1'));
await pool.end();
