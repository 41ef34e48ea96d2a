// One process of a service sharing breakers through a store, run on the built package as a user
// would: it drives guarded calls on command (steady traffic, trips, bursts) and reports every
// breaker event on stdout. See child.ts for the protocol.
//
// env: STORE ('redis', 'redis-cluster' or 'postgres'), URL (Redis or PostgreSQL URL),
//   NODES (JSON list of { host, port } for a cluster), CLIENT ('5' or '6': the ioredis major),
//   PREFIX (Redis key prefix), TABLE (PostgreSQL table), TIMEOUT, RETRY_INTERVAL,
//   MAX_RETRY_INTERVAL (the store's fail-safe options, ms), POOL_SIZE and CONNECT_TIMEOUT (ms)
//   of the PostgreSQL pool.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import Redis5, { Cluster as Cluster5 } from 'ioredis';
import Redis6, { Cluster as Cluster6 } from 'ioredis6';
import pg from 'pg';
import { CircuitBreaker, isCircuitOpenError } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { PostgresStore } from 'breakwater/postgres';
import { emit, serve, sleep, write } from './child-runtime.mjs';

const env = process.env;
const failSafe = {
  timeout: Number(env.TIMEOUT ?? 500),
  retryInterval: Number(env.RETRY_INTERVAL ?? 1_000),
  maxRetryInterval: Number(env.MAX_RETRY_INTERVAL ?? 10_000),
};

let store;
let closeClient;
if (env.STORE === 'postgres') {
  const pool = new pg.Pool({
    connectionString: env.URL,
    max: Number(env.POOL_SIZE ?? 4),
    connectionTimeoutMillis: Number(env.CONNECT_TIMEOUT ?? 1_000),
  });
  pool.on('error', () => undefined);
  store = new PostgresStore({ pool, table: env.TABLE, ...failSafe });
  await store.migrate();
  closeClient = () => pool.end();
} else {
  const six = env.CLIENT === '6';
  let client;
  if (env.STORE === 'redis-cluster') {
    const Cluster = six ? Cluster6 : Cluster5;
    client = new Cluster(JSON.parse(env.NODES), {
      slotsRefreshTimeout: 500,
      slotsRefreshInterval: 1_000,
      retryDelayOnFailover: 50,
      retryDelayOnClusterDown: 50,
      clusterRetryStrategy: () => 100,
      redisOptions: { connectTimeout: 500, retryStrategy: () => 100 },
    });
  } else {
    const Redis = six ? Redis6 : Redis5;
    client = new Redis(env.URL, { connectTimeout: 500, retryStrategy: () => 50 });
  }

  client.on('error', () => undefined);
  store = new RedisStore({ client, prefix: env.PREFIX, ...failSafe });
  await (client.status === 'ready'
    ? undefined
    : new Promise((resolve) => client.once('ready', resolve)));
  closeClient = () => client.quit().catch(() => client.disconnect());
}

const notifier = {
  notify(event) {
    if (event.type === 'call') return;
    emit(event.type, {
      breaker: event.breaker,
      from: event.from,
      to: event.to,
      downtime: event.downtime,
      error: event.error === undefined ? undefined : String(event.error?.message ?? event.error),
    });
  },
};

const breakers = new Map();
/** The breaker of a spec `{ name, threshold, coolOff, probes, recoveryThreshold }`, made once. */
function breakerOf(spec) {
  let breaker = breakers.get(spec.name);
  if (breaker === undefined) {
    breaker = new CircuitBreaker(spec.name, {
      threshold: spec.threshold ?? 3,
      coolOff: spec.coolOff ?? 300,
      probes: spec.probes ?? 1,
      recoveryThreshold: spec.recoveryThreshold ?? 1,
      store,
      notifiers: [notifier],
    });
    breakers.set(spec.name, breaker);
  }

  return breaker;
}

class Upstream503 extends Error {
  name = 'Upstream503';
}

/** Runs `fn` through the breaker: `ran`, `failed` (the call's own error), `refused` or `broken`. */
async function attempt(breaker, fn) {
  try {
    await breaker.run(fn);
    return { outcome: 'ran' };
  } catch (error) {
    if (isCircuitOpenError(error)) return { outcome: 'refused', retryAt: error.retryAt?.getTime() };
    if (error instanceof Upstream503) return { outcome: 'failed' };
    return { outcome: 'broken', error: String(error?.stack ?? error) };
  }
}

const fail = () => Promise.reject(new Upstream503('upstream said 503'));

let traffic;

/** Guarded calls that succeed at once, one after another on each breaker, until stopped. */
function startTraffic({ breakers: specs, every = 2 }) {
  const stats = {
    calls: 0,
    whileDegraded: 0,
    ran: 0,
    refused: 0,
    failed: 0,
    broken: [],
    latencies: [],
  };
  const state = { stats, stopping: false, done: undefined };
  state.done = (async () => {
    while (!state.stopping) {
      await Promise.all(
        specs.map(async (spec) => {
          if (store.degraded) stats.whileDegraded += 1;
          const started = performance.now();
          const result = await attempt(breakerOf(spec), () => 'ok');
          stats.latencies.push(performance.now() - started);
          stats.calls += 1;
          if (result.outcome === 'broken') stats.broken.push(result.error);
          else stats[result.outcome] += 1;
        }),
      );
      await sleep(every);
    }
  })();
  traffic = state;
}

async function stopTraffic() {
  const state = traffic;
  traffic = undefined;
  state.stopping = true;
  await state.done;
  const { latencies, ...stats } = state.stats;
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  return {
    ...stats,
    max: latencies.at(-1) ?? 0,
    p50: at(0.5) ?? 0,
    p99: at(0.99) ?? 0,
    // The ten slowest, to show in a failure message.
    slowest: latencies.slice(-10),
  };
}

let release;
let released = new Promise((resolve) => (release = resolve));

const commands = {
  status: () => ({ degraded: store.degraded }),
  async fail({ breaker, count }) {
    const outcomes = [];
    for (let i = 0; i < count; i += 1) {
      outcomes.push((await attempt(breakerOf(breaker), fail)).outcome);
    }

    return outcomes;
  },
  try: ({ breaker }) => attempt(breakerOf(breaker), () => 'ok'),
  state: ({ breaker }) => breakerOf(breaker).state(),
  lock: ({ breaker, state }) => breakerOf(breaker).lock(state),
  snapshot: ({ name }) => store.snapshot(name),
  names: () => store.names(),
  startTraffic,
  stopTraffic,
  /**
   * Trips a breaker with `failures` failed calls, checks it refuses, waits out its cool-off and
   * probes it back to closed: the outcome of each step.
   */
  async cycle({ breaker: spec }) {
    const breaker = breakerOf(spec);
    const outcomes = [];
    for (let i = 0; i < spec.threshold; i += 1)
      outcomes.push((await attempt(breaker, fail)).outcome);
    outcomes.push((await attempt(breaker, () => 'ok')).outcome);
    await sleep(spec.coolOff + 20);
    outcomes.push((await attempt(breaker, () => 'ok')).outcome);
    outcomes.push((await attempt(breaker, () => 'ok')).outcome);
    return outcomes;
  },
  /**
   * At epoch ms `at`, starts `calls` guarded calls at once. A call that runs holds until the
   * test sends `release`; once every call that does not run has settled, a `burst-settled`
   * event says how many run. Answers with the counts once all have settled.
   */
  async burst({ breaker: spec, at, calls }) {
    const breaker = breakerOf(spec);
    released = new Promise((resolve) => (release = resolve));
    let running = 0;
    let settled = 0;
    let announced = false;
    const announce = () => {
      if (!announced && settled + running === calls) {
        announced = true;
        emit('burst-settled', { running, settled });
      }
    };
    await sleep(at - Date.now());
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: calls }, () =>
        attempt(breaker, async () => {
          running += 1;
          announce();
          await released;
          return 'ok';
        }).then((result) => {
          if (result.outcome !== 'ran') {
            settled += 1;
            announce();
          }

          return result;
        }),
      ),
    );
    const count = (outcome) => results.filter((result) => result.outcome === outcome).length;
    return {
      ran: count('ran'),
      refused: count('refused'),
      failed: count('failed'),
      broken: results.filter((result) => result.outcome === 'broken').map((r) => r.error),
      startedLate: started - at,
    };
  },
  release: () => {
    release();
  },
};

serve(commands, async () => {
  await store.close();
  await closeClient();
});
write({ type: 'ready', pid: process.pid });
