import type { BreakerStore } from '../stores/store.js';
import { CliError, exitCodes } from './cli-error.js';

/** A store the CLI opened, and how to let go of it. */
export interface CliStore {
  readonly store: BreakerStore;
  /** The store's URL with any password hidden, for messages. */
  readonly where: string;
  close(): Promise<void>;
}

/** Where to find the store, from flags or the environment. */
export interface StoreTarget {
  readonly redis?: string | undefined;
  readonly postgres?: string | undefined;
  readonly prefix?: string | undefined;
  readonly table?: string | undefined;
  /** Keep reconnecting after a failure (for `serve`), instead of failing at once. */
  readonly persistent: boolean;
}

/** Milliseconds to wait for a store to answer; operators' commands are not latency-bound. */
const TIMEOUT = 2_000;

/** Shows a URL with its password replaced, so it can go into a message. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}

/**
 * Connects to Redis or PostgreSQL and makes the store over it. The client libraries are optional
 * peers, loaded only here.
 *
 * @throws {CliError} with exit code 2 for a bad URL, 1 for a missing package, 3 when the server
 *   cannot be reached.
 */
export async function openCliStore(target: StoreTarget): Promise<CliStore> {
  if (target.redis !== undefined) return openRedis(target.redis, target);
  if (target.postgres !== undefined) return openPostgres(target.postgres, target);
  throw new CliError(
    exitCodes.usage,
    'no store given: pass --redis URL or --postgres URL, or set REDIS_URL or DATABASE_URL',
  );
}

function checkUrl(url: string, flag: string, protocols: readonly string[]): string {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new CliError(exitCodes.usage, `${flag} must be a URL, like ${protocols[0] ?? ''}//host`);
  }

  if (!protocols.includes(protocol)) {
    throw new CliError(
      exitCodes.usage,
      `${flag} must be a ${protocols.join(' or ')} URL, received ${redactUrl(url)}`,
    );
  }

  return redactUrl(url);
}

async function openRedis(url: string, target: StoreTarget): Promise<CliStore> {
  const where = checkUrl(url, '--redis', ['redis:', 'rediss:']);
  const ioredis = await optionalPeer('ioredis', '--redis', () => import('ioredis'));
  const { RedisStore } = await import('../stores/redis/index.js');
  const Redis = ioredis.Redis;
  let lastError = '';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: target.persistent ? (times: number) => Math.min(times * 250, 2_000) : () => null,
  });
  client.on('error', (error: Error) => {
    lastError = error.message;
  });

  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new CliError(
      exitCodes.unreachable,
      `cannot reach Redis at ${where}: ${lastError || describe(error) || 'no answer'}`,
    );
  }

  const store = new RedisStore({
    client,
    timeout: TIMEOUT,
    ...(target.prefix === undefined ? {} : { prefix: target.prefix }),
  });
  return {
    store,
    where,
    close: async () => {
      await store.close();
      await Promise.race([client.quit().catch(() => undefined), delay(1_000)]);
      client.disconnect();
    },
  };
}

async function openPostgres(url: string, target: StoreTarget): Promise<CliStore> {
  const where = checkUrl(url, '--postgres', ['postgres:', 'postgresql:']);
  const pg = await optionalPeer('pg', '--postgres', () => import('pg'));
  const { PostgresStore } = await import('../stores/postgres/index.js');
  const Pool = pg.Pool;
  const pool = new Pool({ connectionString: url, max: 4, connectionTimeoutMillis: TIMEOUT });
  pool.on('error', () => {
    // An idle client's failure; the next query reports it.
  });

  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new CliError(
      exitCodes.unreachable,
      `cannot reach PostgreSQL at ${where}: ${describe(error) || 'no answer'}`,
    );
  }

  const store = new PostgresStore({
    pool,
    timeout: TIMEOUT,
    ...(target.table === undefined ? {} : { table: target.table }),
  });
  return {
    store,
    where,
    close: async () => {
      await store.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}

async function optionalPeer<T>(name: string, flag: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliError(
        exitCodes.failed,
        `${flag} needs the ${name} package: npm install ${name}`,
      );
    }

    throw error;
  }
}

/** An error's message without its stack; client errors may repeat the host, never a password. */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return describe(error.errors[0]);
  }

  return error instanceof Error ? (error.message.split('\n', 1)[0] ?? '') : '';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
