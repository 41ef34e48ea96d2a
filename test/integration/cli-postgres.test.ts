import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CircuitBreaker } from 'breakwater';
import type { BreakerView } from 'breakwater/admin';
import { PostgresStore } from 'breakwater/postgres';
import { databaseUrl, postgresAvailable } from '../helpers/services.js';
import { runCommand } from '../admin/cli-process.js';

const usePostgres = await postgresAvailable();

describe.runIf(usePostgres)('breakwater CLI against PostgreSQL', () => {
  const table = `bw_cli_${randomUUID().slice(0, 8)}`;
  const name = `stripe:create_refund ${randomUUID().slice(0, 8)}`;
  const target = ['--postgres', databaseUrl, '--table', table];
  let pool: pg.Pool;
  let store: PostgresStore;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    store = new PostgresStore({ pool, table });
    const breaker = new CircuitBreaker(name, { store, threshold: 1 });
    await breaker.run(() => Promise.reject(new Error('Stripe 500'))).catch(() => undefined);
  });

  afterAll(async () => {
    await store.close();
    await pool.query(`drop table if exists ${table} cascade`);
    const functions = await pool.query<{ signature: string }>(
      `select p.oid::regprocedure::text as signature from pg_proc p where p.proname like $1`,
      [`${table}%`],
    );
    for (const row of functions.rows) await pool.query(`drop function if exists ${row.signature}`);
    await pool.end();
  });

  it('shows, locks and unlocks breakers kept in PostgreSQL', async () => {
    const status = await runCommand(['status', '--json', ...target]);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const views = JSON.parse(status.stdout) as BreakerView[];
    expect(views.map((view) => [view.name, view.state])).toEqual([[name, 'open']]);
    expect(views[0]?.lastError).toMatchObject({ name: 'Error', message: 'Stripe 500' });

    const locked = await runCommand(['lock', name, 'closed', ...target]);
    expect(locked.code).toBe(0);
    expect((await store.snapshot(name))?.locked).toBe('closed');
    const table_ = await runCommand(['status', ...target]);
    expect(table_.stdout).toMatch(
      new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+closed\\s+closed\\s`, 'm'),
    );

    const unlocked = await runCommand(['unlock', name, ...target], {});
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toBe(`Unlocked ${name}; its rules have it open.\n`);
    expect((await store.snapshot(name))?.locked).toBeUndefined();
  });

  it('reads DATABASE_URL, and exits 3 when PostgreSQL cannot be reached', async () => {
    const fromEnv = await runCommand(['status', '--table', table], { DATABASE_URL: databaseUrl });
    expect(fromEnv.code).toBe(0);

    const result = await runCommand([
      'status',
      '--postgres',
      'postgres://ops:pw-secret@127.0.0.1:1/db',
    ]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'breakwater: cannot reach PostgreSQL at postgres://ops:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n',
    );
  });
});
