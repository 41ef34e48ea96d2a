import type { Pool, QueryConfig } from 'pg';
import type { BreakerState } from '../../breaker/events.js';
import type {
  Admission,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  ErrorSummary,
  Outcome,
  RecordResult,
  StoreTransition,
} from '../store.js';
import { admitClosed, admitClosedRecording, nothing } from '../admissions.js';
import type { RefusalCache } from '../refusal-cache.js';
import type { LocalState } from '../shared-store.js';
import type { HeldSuccesses } from '../success-buffer.js';
import { storeSql, type StoreSql } from './schema.js';
import type { TableName } from './table-name.js';

/** What {@link PostgresRawStore} needs of a `pg` pool. */
export type PostgresQueryable = Pick<Pool, 'connect' | 'query'>;

/** The checked options of {@link PostgresRawStore}. */
export interface PostgresRawStoreOptions extends LocalState {
  readonly pool: PostgresQueryable;
  readonly table: TableName;
  /**
   * Milliseconds after which a statement still waiting for a connection is dropped unsent: the
   * fail-safe has given up on it, and it must not change the table later.
   */
  readonly sendTimeout: number;
  /** Milliseconds after which `pg` gives up on a statement and discards its connection. */
  readonly queryTimeout: number;
  readonly autoMigrate: boolean;
}

interface TimedQuery extends QueryConfig {
  /** `pg`'s client-side limit; its type declarations omit it from `QueryConfig`. */
  readonly query_timeout: number;
}

/** SQLSTATEs that mean the table or its functions are gone: undefined_function, undefined_table. */
const missingSchema = new Set(['42883', '42P01']);

/**
 * The breaker table itself: every contract operation is one statement, most of them one call of
 * a PL/pgSQL function that locks the breaker's row and reads the database's clock. It fails
 * whenever the database does; {@link PostgresStore} wraps it in a `FailSafeStore`.
 */
export class PostgresRawStore implements BreakerStore {
  readonly #pool: PostgresQueryable;
  readonly #sql: StoreSql;
  readonly #sendTimeout: number;
  readonly #queryTimeout: number;
  readonly #autoMigrate: boolean;
  readonly #refusals: RefusalCache | undefined;
  readonly #takeSuccesses: (name: string) => number;
  readonly #heldSuccesses: (name: string) => number;
  readonly #json = new WeakMap<BreakerSettings, string>();
  #migrated = false;
  #migrating: Promise<void> | undefined;

  constructor(options: PostgresRawStoreOptions) {
    this.#pool = options.pool;
    this.#sql = storeSql(options.table);
    this.#sendTimeout = options.sendTimeout;
    this.#queryTimeout = options.queryTimeout;
    this.#autoMigrate = options.autoMigrate;
    this.#refusals = options.refusals;
    this.#takeSuccesses = options.takeSuccesses;
    this.#heldSuccesses = options.heldSuccesses;
  }

  /**
   * Creates the table and its functions when missing (serialised across processes), then prunes.
   */
  async migrate(): Promise<void> {
    await this.#pool.query(this.#sql.migrate);
    this.#migrated = true;
  }

  /** Deletes the rows of breakers unused for a long time; resolves to how many went. */
  async prune(): Promise<number> {
    const value = await this.#value(this.#sql.prune, []);
    return typeof value === 'number' ? value : 0;
  }

  admit(name: string, settings: BreakerSettings): Promise<Admission> {
    return this.#value(this.#sql.admit, [name, this.#settingsJson(settings)]).then((value) => {
      const admission = toAdmission(value);
      const left = (value as Row | null)?.['left'];
      // Time left by the database's own clock, so a skewed local clock cannot stretch it.
      if (this.#refusals !== undefined && typeof left === 'number') {
        this.#refusals.remember(name, admission, left);
      }

      return admission;
    });
  }

  /** Sends the outcome, with the successes held for this breaker. */
  record(name: string, settings: BreakerSettings, outcome: Outcome): Promise<RecordResult> {
    const flushed = this.#takeSuccesses(name);
    const values = [
      name,
      this.#settingsJson(settings),
      outcome.kind,
      outcome.probe,
      outcome.lease ?? null,
      outcome.error === undefined ? null : errorJson(outcome.error),
      flushed,
    ];
    return this.#value(this.#sql.record, values).then((value) =>
      isTransition(value) ? { transition: value } : nothing,
    );
  }

  async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    await this.#query(this.#sql.lock, [name, state]);
  }

  async unlock(name: string): Promise<void> {
    await this.#query(this.#sql.unlock, [name]);
  }

  /** Counts this process still holds (error-rate successes) are included in `calls`. */
  async snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    const value = await this.#value(this.#sql.snapshot, [name]);
    if (value === null || typeof value !== 'object') return undefined;

    const snapshot = toSnapshot(value as Row);
    const held = this.#heldSuccesses(name);
    if (held === 0 || snapshot.ruleState !== 'closed') return snapshot;
    return { ...snapshot, calls: snapshot.calls + held };
  }

  async names(): Promise<string[]> {
    const rows = await this.#query(this.#sql.names, []);
    return rows.map((row) => String(row['name'])).sort();
  }

  /** Adds successes held in this process to their breakers' shared counts, in one statement. */
  async addSuccesses(held: readonly HeldSuccesses[]): Promise<void> {
    if (held.length === 0) return;

    const sorted = [...held].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const names = sorted.map(({ name }) => name);
    const settings = sorted.map((success) => this.#settingsJson(success.settings));
    const counts = sorted.map(({ count }) => count);
    // Rows are locked in name order, so two processes flushing together never deadlock.
    await this.#query(this.#sql.flush, [names, settings, counts]);
  }

  #settingsJson(settings: BreakerSettings): string {
    let json = this.#json.get(settings);
    if (json === undefined) {
      json = JSON.stringify(settings);
      this.#json.set(settings, json);
    }

    return json;
  }

  /** Runs a statement that answers one value in column `r`. */
  async #value(text: string, values: unknown[]): Promise<unknown> {
    const rows = await this.#query(text, values);
    return rows[0]?.['r'] ?? null;
  }

  async #query(text: string, values: unknown[]): Promise<Row[]> {
    const started = Date.now();
    if (!this.#migrated && this.#autoMigrate) await this.#ready();

    const client = await this.#pool.connect();
    if (Date.now() - started > this.#sendTimeout) {
      // The caller was served from memory meanwhile; a late write would count its call twice.
      client.release();
      throw new Error(`no connection within ${this.#sendTimeout} ms; the statement was not sent`);
    }

    // A connection that breaks while checked out reports on the client; without a listener
    // that would be an uncaught error. The query itself fails with it too.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    const query: TimedQuery = { text, values, query_timeout: this.#queryTimeout };
    try {
      const result = await client.query<Row>(query);
      client.removeListener('error', ignore);
      client.release();
      return result.rows;
    } catch (error) {
      client.removeListener('error', ignore);
      // A connection that timed out may still be stuck mid-answer: pg discards it.
      client.release(error instanceof Error ? error : true);
      // Someone dropped the table or its functions: the next call creates them again.
      if (missingSchema.has(sqlState(error))) this.#migrated = false;
      throw error;
    }
  }

  #ready(): Promise<void> {
    this.#migrating ??= this.migrate().finally(() => {
      this.#migrating = undefined;
    });
    return this.#migrating;
  }
}

type Row = Record<string, unknown>;

function sqlState(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as Row)['code'] : undefined;
  return typeof code === 'string' ? code : '';
}

const unpairedSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * jsonb holds neither NUL characters nor unpaired surrogates, which an error message may carry;
 * both become U+FFFD.
 */
function jsonSafe(text: string): string {
  return text.replaceAll('\u0000', '\ufffd').replace(unpairedSurrogate, '\ufffd');
}

function errorJson(error: ErrorSummary): string {
  return JSON.stringify({
    name: jsonSafe(error.name),
    message: jsonSafe(error.message),
    at: error.at,
  });
}

function isTransition(value: unknown): value is StoreTransition {
  return typeof value === 'object' && value !== null && 'to' in value;
}

function toAdmission(value: unknown): Admission {
  const row = (value ?? {}) as Row;
  const state = row['state'] as BreakerState;
  const locked = row['locked'] as 'open' | 'closed' | undefined;
  if (state === 'closed' && locked === undefined) {
    return row['recordSuccess'] === true ? admitClosedRecording : admitClosed;
  }

  return {
    state,
    admitted: row['admitted'] === true,
    probe: row['probe'] === true,
    lease: row['lease'] as string | undefined,
    retryAt: row['retryAt'] as number | undefined,
    locked,
    recordSuccess: row['recordSuccess'] === true,
    transition: isTransition(row['transition']) ? row['transition'] : undefined,
  };
}

function toSnapshot(row: Row): BreakerSnapshot {
  const optional = <T>(key: string): T | undefined => (row[key] ?? undefined) as T | undefined;
  return {
    name: String(row['name']),
    state: row['state'] as BreakerState,
    ruleState: row['ruleState'] as BreakerState,
    locked: optional<'open' | 'closed'>('locked'),
    failures: Number(row['failures']),
    calls: Number(row['calls']),
    lastError: optional<ErrorSummary>('lastError'),
    retryAt: optional<number>('retryAt'),
    changedAt: optional<number>('changedAt'),
    settings: optional<BreakerSettings>('settings'),
  };
}
