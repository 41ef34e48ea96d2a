/**
 * Fresh tables for PostgreSQL integration tests: each run uses its own names and drops them, so
 * runs and test files never see each other's rows.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { databaseUrl } from '../../helpers/services.js';

/** A table name no other run uses, e.g. `bw_test_3f2a9c1d`. */
export function uniqueTable(prefix = 'bw_test'): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

/** A pool on the test database, or through a proxy listening on `port`. */
export function newPool(options: { port?: number; max?: number } = {}): pg.Pool {
  const url = new URL(databaseUrl);
  if (options.port !== undefined) url.host = `127.0.0.1:${options.port}`;
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: options.max ?? 4,
    connectionTimeoutMillis: 2_000,
  });
  // pg reports errors of idle clients (a cut connection) on the pool; a pool without a listener
  // would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Drops a table made by a store and its functions. */
export async function dropTable(pool: pg.Pool, table: string): Promise<void> {
  const quoted = table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
  const fn = (suffix: string): string => `${quoted.slice(0, -1)}_${suffix}"`;
  await pool.query(
    `DROP TABLE IF EXISTS ${quoted};
     DROP FUNCTION IF EXISTS ${fn('admit')}, ${fn('record')}, ${fn('snapshot')}, ${fn('prune')};`,
  );
}

/** How many tables of that name exist, in any schema. */
export async function countTables(pool: pg.Pool, table: string): Promise<number> {
  const result = await pool.query<{ count: string }>(
    'SELECT count(*) FROM pg_catalog.pg_class WHERE relname = $1 AND relkind = $2',
    [table, 'r'],
  );
  return Number(result.rows[0]?.count);
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
