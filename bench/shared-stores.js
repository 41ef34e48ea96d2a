/**
 * `RedisStore` and `PostgresStore` against the local servers, each through a client that counts
 * the commands it sends. A server that does not answer is reported as skipped, not as a failure.
 */
import net from 'node:net';
import process from 'node:process';
import { URL } from 'node:url';
import { countRoundTrips, throughput, wireCounter } from './store-load.js';

export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * @typedef {object} StoreFigures
 * @property {string} store
 * @property {string} [server] the server and its version
 * @property {string} [skipped] why the store was not measured
 * @property {import('./store-load.js').PathCount[]} [roundTrips]
 * @property {import('./store-load.js').Throughput[]} [throughput]
 * @property {number} [storeErrors] fail-safe events during the load (the figures are void if any)
 * @property {string} [floor] what the floor is
 */

/**
 * @typedef {object} LoadPlan
 * @property {number[]} concurrencies
 * @property {number} calls calls per measurement
 * @property {number} rounds
 * @property {number} repeats calls per counted path
 */

/**
 * @param {string} url
 * @param {number} defaultPort
 * @returns {Promise<boolean>}
 */
function reachable(url, defaultPort) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The Redis key prefix of the benchmark, apart from the default one that services use. */
const keyPrefix = 'breakwater-bench';

/** A breaker-name prefix no earlier run used, so runs never see each other's state. */
function runPrefix() {
  return `bench:${process.pid}:${Date.now().toString(36)}`;
}

/**
 * @param {LoadPlan} plan
 * @returns {Promise<StoreFigures>}
 */
export async function redisFigures(plan) {
  const store = 'RedisStore';
  if (!(await reachable(redisUrl, 6379)))
    return { store, skipped: `nothing answers at ${redisUrl}` };

  const { Redis } = await import('ioredis');
  const { RedisStore } = await import('breakwater/redis');
  const client = new Redis(redisUrl, { lazyConnect: true });
  await client.connect();

  // Every command, pipelined or not, goes through sendCommand on its way to the socket.
  const wire = wireCounter();
  const sendCommand = client.sendCommand.bind(client);
  client.sendCommand = (command, ...rest) => {
    wire.count += 1;
    wire.names?.push(command.name);
    return sendCommand(command, ...rest);
  };

  const prefix = runPrefix();
  try {
    const redisStore = new RedisStore({ client, prefix: keyPrefix });
    const roundTrips = await countRoundTrips({
      store: redisStore,
      wire,
      prefix,
      repeats: plan.repeats,
    });

    const info = await client.info('server');
    const server = `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown'}`;
    const sha = /** @type {string} */ (await client.script('LOAD', 'return 1'));
    const load = await throughput({
      store: redisStore,
      floor: () => client.evalsha(sha, 0),
      name: `${prefix}:load`,
      concurrencies: plan.concurrencies,
      calls: plan.calls,
      rounds: plan.rounds,
      serverCpu: async () => {
        const cpu = await client.info('cpu');
        const seconds = (/** @type {string} */ field) =>
          Number(new RegExp(`${field}:([\\d.]+)`).exec(cpu)?.[1] ?? Number.NaN);
        return seconds('used_cpu_user') + seconds('used_cpu_sys');
      },
    });
    await redisStore.close();
    return { store, server, roundTrips, ...load, floor: 'EVALSHA of `return 1`' };
  } finally {
    await removeRedisKeys(client, prefix).catch(() => undefined);
    client.disconnect();
  }
}

/**
 * Deletes what one run left in Redis: its breakers' keys and their entries in the name index.
 *
 * @param {import('ioredis').Redis} client
 * @param {string} prefix the run's breaker-name prefix
 */
async function removeRedisKeys(client, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(
      cursor,
      'MATCH',
      `${keyPrefix}:{${prefix}:*`,
      'COUNT',
      500,
    );
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');

  await client.zremrangebylex(`${keyPrefix}:names`, `[${prefix}:`, `[${prefix};`);
}

/**
 * @param {LoadPlan & { poolSize: number }} plan
 * @returns {Promise<StoreFigures>}
 */
export async function postgresFigures(plan) {
  const store = 'PostgresStore';
  if (!(await reachable(databaseUrl, 5432))) {
    return { store, skipped: `nothing answers at ${databaseUrl}` };
  }

  const { default: pg } = await import('pg');
  const { PostgresStore } = await import('breakwater/postgres');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: plan.poolSize });
  pool.on('error', () => undefined);

  // Statements are counted on each connection, where pool.query and connect() + query meet.
  const wire = wireCounter();
  pool.on('connect', (client) => {
    const query = client.query.bind(client);
    client.query = /** @type {typeof client.query} */ (
      (/** @type {any[]} */ ...args) => {
        wire.count += 1;
        wire.names?.push(statementName(args[0]));
        return /** @type {(...a: any[]) => any} */ (query)(...args);
      }
    );
  });

  const table = 'breakwater_bench';
  const prefix = runPrefix();
  try {
    const postgresStore = new PostgresStore({ pool, table });
    const roundTrips = await countRoundTrips({
      store: postgresStore,
      wire,
      prefix,
      repeats: plan.repeats,
    });

    const version = await pool.query('SHOW server_version');
    const server = `PostgreSQL ${String(version.rows[0]?.server_version ?? 'unknown')}`;
    const load = await throughput({
      store: postgresStore,
      floor: () => pool.query('SELECT 1'),
      name: `${prefix}:load`,
      concurrencies: plan.concurrencies,
      calls: plan.calls,
      rounds: plan.rounds,
    });
    return {
      store,
      server,
      roundTrips,
      ...load,
      floor: `SELECT 1 through the same pool (max ${plan.poolSize} connections)`,
    };
  } finally {
    await pool
      .query(`DELETE FROM ${table} WHERE name LIKE $1`, [`${prefix}:%`])
      .catch(() => undefined);
    await pool.end();
  }
}

/**
 * The start of a statement, e.g. `SELECT breakwater_bench_admit`, for the docs.
 *
 * @param {unknown} query
 */
function statementName(query) {
  const text =
    typeof query === 'string'
      ? query
      : String(/** @type {{ text?: unknown }} */ (query ?? {}).text ?? '');
  return text.replace(/\s+/g, ' ').trim().split('(')[0]?.slice(0, 60) ?? '';
}
