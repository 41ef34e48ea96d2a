import type { Pool } from 'pg';
import { checkDuration, show } from '../../validation.js';
import { failSafeDefaults } from '../fail-safe-store.js';
import {
  checkSharedDuration,
  checkStoreOptions,
  SharedStore,
  sharedStoreDefaults,
} from '../shared-store.js';
import type { BreakerSnapshot } from '../store.js';
import { PostgresRawStore } from './postgres-raw-store.js';
import { checkTableName } from './table-name.js';

/** Options of {@link PostgresStore}. Durations are milliseconds. */
export interface PostgresStoreOptions {
  /**
   * The `pg` pool the store sends its statements through. The store never ends it. Give it an
   * `error` listener, as `pg` asks of every pool, and a `connectionTimeoutMillis`, so that a
   * connection attempt into a silent network cannot hold a pool slot for ever.
   */
  readonly pool: Pool;
  /**
   * The table that holds one row per breaker, optionally schema-qualified (`ops.breakers`). Its
   * functions are named after it (`breakwater_breakers_admit`, ...), so two tables can coexist.
   * @default 'breakwater_breakers'
   */
  readonly table?: string;
  /**
   * The longest wait for one answer from PostgreSQL before the call is served from process
   * memory. A statement that got no connection within it is never sent; one still running at
   * twice this is abandoned and its connection discarded.
   * @default 500
   */
  readonly timeout?: number;
  /**
   * The first back-off after a failure before PostgreSQL is tried again; it doubles on each
   * failed try up to `maxRetryInterval`.
   * @default 1000
   */
  readonly retryInterval?: number;
  /**
   * The longest back-off between two tries of a failing database.
   * @default 10000
   */
  readonly maxRetryInterval?: number;
  /**
   * How long this process refuses calls to a breaker it knows is open without asking
   * PostgreSQL; never past the breaker's `retryAt`. Another process's `unlock()` or lock reaches
   * this process up to this much later. `0` asks the database every time.
   * @default 0
   */
  readonly refusalCache?: number;
  /**
   * With `errorRate`, how long successes on a closed breaker are counted in this process's memory
   * before they are written (they also go with the breaker's next failure). The shared count of
   * calls lags by at most this much.
   * @default 1000
   */
  readonly flushInterval?: number;
  /**
   * Whether the first call creates the table and its functions when they are missing. Set it to
   * `false` when you run `migrate()` from your own migrations and the application's role may not
   * create tables.
   * @default true
   */
  readonly autoMigrate?: boolean;
}

/** The defaults of {@link PostgresStoreOptions}. */
export const postgresStoreDefaults = Object.freeze({
  table: 'breakwater_breakers',
  ...failSafeDefaults,
  ...sharedStoreDefaults,
  autoMigrate: true,
});

/**
 * Keeps breaker state in a PostgreSQL table shared by every process and host that uses it, for
 * teams that run a database but no Redis. Each decision is one statement, atomic under the
 * breaker's row lock and timed by the database's clock, so across the fleet at most `probes`
 * calls test recovery at once and each transition is reported once.
 *
 * The fail-safe is built in: when PostgreSQL fails or does not answer within `timeout`, guarded
 * calls are served from process memory, a `store-error` event is reported once per outage, and
 * the database is tried again after a back-off. `lock`, `unlock`, `snapshot` and `names` throw a
 * `StoreUnavailableError` meanwhile.
 *
 * @example
 * ```ts
 * import pg from 'pg';
 * import { CircuitBreaker } from 'breakwater';
 * import { PostgresStore } from 'breakwater/postgres';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * pool.on('error', (error) => console.warn('idle PostgreSQL client failed', error.message));
 * const store = new PostgresStore({ pool });
 * const breaker = new CircuitBreaker('stripe:create_customer', { store });
 * ```
 */
export class PostgresStore extends SharedStore<PostgresRawStore> {
  /** The table as given, e.g. `breakwater_breakers`. */
  readonly table: string;

  /**
   * @throws {TypeError | RangeError} when an option is invalid; the message names it and shows
   *   the value received.
   */
  constructor(options: PostgresStoreOptions) {
    const checked = checkStoreOptions('PostgresStore', options, ['pool', 'table', 'autoMigrate']);
    const pool = checked['pool'];
    if (
      typeof pool !== 'object' ||
      pool === null ||
      typeof (pool as Pool).query !== 'function' ||
      typeof (pool as Pool).connect !== 'function'
    ) {
      throw new TypeError(`pool must be a pg Pool, received ${show(pool)}`);
    }

    const table = checkTableName('table', checked['table'] ?? postgresStoreDefaults.table);
    const timeout = checkDuration(
      'timeout',
      checked['timeout'] ?? postgresStoreDefaults.timeout,
      1,
    );
    const flushInterval = checkSharedDuration(checked, 'flushInterval');
    const refusalCache = checkSharedDuration(checked, 'refusalCache');
    const autoMigrate = checked['autoMigrate'] ?? postgresStoreDefaults.autoMigrate;
    if (typeof autoMigrate !== 'boolean') {
      throw new TypeError(`autoMigrate must be a boolean, received ${show(autoMigrate)}`);
    }

    super({
      label: 'PostgresStore',
      failSafe: {
        timeout,
        retryInterval: checked['retryInterval'],
        maxRetryInterval: checked['maxRetryInterval'],
      },
      refusalCache,
      flushInterval,
      connect: (local) =>
        new PostgresRawStore({
          pool: pool as Pool,
          table,
          sendTimeout: timeout,
          queryTimeout: Math.min(2 * timeout, 2_147_483_647),
          autoMigrate,
          ...local,
        }),
      sendSuccesses: (raw, held) => raw.addSuccesses(held),
    });

    this.table = table.given;
  }

  /** True while PostgreSQL is failing and breakers are served from process memory. */
  override get degraded(): boolean {
    return super.degraded;
  }

  /** @throws {StoreUnavailableError} while PostgreSQL does not answer; nothing is changed then. */
  override async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    checkName(name);
    if (state !== 'open' && state !== 'closed') {
      throw new TypeError(`state must be "open" or "closed", received ${show(state)}`);
    }

    await super.lock(name, state);
  }

  /** @throws {StoreUnavailableError} while PostgreSQL does not answer; nothing is changed then. */
  override async unlock(name: string): Promise<void> {
    checkName(name);
    await super.unlock(name);
  }

  /** @throws {StoreUnavailableError} while PostgreSQL does not answer. */
  override async snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    checkName(name);
    return super.snapshot(name);
  }

  /** @throws {StoreUnavailableError} while PostgreSQL does not answer. */
  override names(): Promise<string[]> {
    return super.names();
  }

  /**
   * Creates the table and its functions, or brings them up to date, then prunes. Safe to run
   * from many processes at once; a no-op when the schema is current. Run it from your own
   * migrations with `autoMigrate: false`, or let the first call do it.
   *
   * @throws the `pg` error when PostgreSQL refuses (no privilege, no connection).
   */
  migrate(): Promise<void> {
    return this.direct.migrate();
  }

  /**
   * Deletes the rows of breakers unused for a day past their longest duration (the largest of
   * `coolOff`, `window` and `probeTimeout`), except locked ones. The store also does this on
   * `migrate()` and whenever it adds a row for a new breaker name. Resolves to the rows deleted.
   *
   * @throws the `pg` error when PostgreSQL refuses.
   */
  prune(): Promise<number> {
    return this.direct.prune();
  }

  /**
   * Writes the successes counted in memory (error-rate breakers) and stops the flush timer. It
   * never rejects and waits at most `timeout`: with the database down, those counts are dropped.
   * The pool is left open: it is yours to end.
   */
  override close(): Promise<void> {
    return super.close();
  }
}

function checkName(name: unknown): void {
  if (typeof name !== 'string') {
    throw new TypeError(`name must be a string, received ${show(name)}`);
  }

  if (name.length === 0 || name.includes('\u0000')) {
    throw new RangeError(
      `name must be a non-empty string without NUL characters, received ${show(name)}`,
    );
  }
}
