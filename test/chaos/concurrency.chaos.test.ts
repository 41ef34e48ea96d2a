/**
 * Concurrency: 10,000 guarded calls at once (4 processes x 2,500) on one breaker as its cool-off
 * ends, through a private Redis and a private PostgreSQL. Exactly `probes` calls run (1, then
 * 3), every other call is refused, and each transition is reported exactly once fleet-wide.
 * The calls that run hold until every other call has settled, so the count cannot depend on
 * timing: a call admitted late would still be running, and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, script } from './helpers/child.js';
import {
  eventCount,
  stopFleet,
  transitionsOf,
  tripEverywhere,
  type Attempt,
  type Burst,
} from './helpers/fleet.js';
import { postgresBinaries, startPostgresNear } from './helpers/postgres-node.js';
import { redisInstalled, startRedisNear } from './helpers/redis-nodes.js';
import { waitFor } from './helpers/wait.js';

const withRedis = await redisInstalled();
const withPostgres = (await postgresBinaries()) !== undefined;

const processes = 4;
const callsEach = 2_500;

/**
 * `callsEach` calls on `breaker` from every process at once at `at`; once every process has seen
 * its refused calls settle (the time of which is returned), the calls that ran are released.
 */
async function burstAt(
  children: readonly Child[],
  breaker: Readonly<Record<string, unknown>>,
  at: number,
  marks: readonly number[],
): Promise<{ results: Burst[]; settledAt: number }> {
  const bursts = children.map((child) =>
    child.ask<Burst>('burst', { breaker, at, calls: callsEach }),
  );
  await waitFor(
    'every process to see its refused calls settle',
    () => children.every((child, index) => eventCount(child, 'burst-settled', marks[index]) === 1),
    60_000,
  );
  const settledAt = Date.now();
  await Promise.all(children.map((child) => child.ask('release')));
  return { results: await Promise.all(bursts), settledAt };
}

/** Runs the scenario on a fleet: trip, wait for the cool-off, 10,000 calls at once. */
async function stampede(children: readonly Child[], name: string, probes: number): Promise<string> {
  const coolOff = 1_000;
  const breaker = { name, threshold: 2, coolOff, probes };
  const marks = children.map((child) => child.events.length);

  const retryAt = (await tripEverywhere(children, breaker))!;
  const started = Date.now();
  const { results, settledAt } = await burstAt(children, breaker, retryAt + 20, marks);
  const settledAfter = settledAt - started;

  const sum = (pick: (burst: Burst) => number): number =>
    results.reduce((total, burst) => total + pick(burst), 0);
  expect(results.flatMap((burst) => burst.broken)).toEqual([]);
  expect(sum((burst) => burst.ran)).toBe(probes);
  expect(sum((burst) => burst.refused)).toBe(processes * callsEach - probes);
  expect(sum((burst) => burst.failed)).toBe(0);

  const transitions = children
    .flatMap((child, index) => transitionsOf(child, name, marks[index]))
    .sort();
  expect(transitions).toEqual(['closed -> open', 'half-open -> closed', 'open -> half-open']);
  for (const [index, child] of children.entries()) {
    expect(eventCount(child, 'store-error', marks[index])).toBe(0);
  }

  const after = await Promise.all(children.map((child) => child.ask<Attempt>('try', { breaker })));
  expect(after.map((attempt) => attempt.outcome)).toEqual(children.map(() => 'ran'));
  return `${processes * callsEach} calls, probes ${probes}: ran ${sum((burst) => burst.ran)}, refused ${sum((burst) => burst.refused)}, all answered within ${settledAfter - (retryAt + 20 - started)} ms of the cool-off's end`;
}

/** A store server a fleet runs through: the settings its workers take, and how to stop it. */
interface FleetStore {
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Before the tests, starts a store server with `start` and `processes` store-worker.mjs children
 * on it; after them, stops the children, then the server. Returns the children (once started).
 */
function fleetThrough(start: () => Promise<FleetStore>, timeout = '20000'): () => Child[] {
  let store: FleetStore | undefined;
  let children: Child[] = [];

  beforeAll(async () => {
    store = await start();
    const { env } = store;
    children = Array.from(
      { length: processes },
      (_, index) =>
        new Child(`fleet worker ${index}`, script('store-worker.mjs'), {
          ...env,
          CLIENT: index % 2 === 0 ? '5' : '6',
          // By default far above any answer time under this load, so no call is decided from memory.
          TIMEOUT: timeout,
          CONNECT_TIMEOUT: timeout,
        }),
    );
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    await stopFleet(children);
    await store?.stop();
  });

  return () => children;
}

/**
 * The same stampede with the default 500 ms store timeout, which the store cannot meet under
 * this load: calls it does not answer in time are decided from memory, which starts from what
 * the store last said (open until the same retryAt), so each process lets at most `probes`
 * calls through of its own, and the store at most `probes` more.
 */
async function stampedeTooFast(children: readonly Child[], name: string): Promise<string> {
  const probes = 1;
  const breaker = { name, threshold: 2, coolOff: 1_000, probes };
  const marks = children.map((child) => child.events.length);

  const retryAt = (await tripEverywhere(children, breaker))!;
  const { results } = await burstAt(children, breaker, retryAt + 20, marks);
  const ran = results.reduce((total, burst) => total + burst.ran, 0);
  const failed = results.reduce((total, burst) => total + burst.failed, 0);
  expect(results.flatMap((burst) => burst.broken)).toEqual([]);
  expect(failed).toBe(0);
  expect(ran).toBeGreaterThanOrEqual(1);
  expect(ran).toBeLessThanOrEqual(processes * probes + probes);
  const outages = children.reduce(
    (total, child, index) => total + eventCount(child, 'store-error', marks[index]),
    0,
  );
  return `${processes * callsEach} calls with a 500 ms store timeout: ran ${ran}, store outages reported ${outages}`;
}

describe.runIf(withRedis)('10,000 concurrent calls through Redis', () => {
  const children = fleetThrough(async () => {
    const redis = await startRedisNear(7400);
    return {
      env: { STORE: 'redis', URL: redis.url, PREFIX: 'stampede' },
      stop: () => redis.stop(),
    };
  });

  it('probes = 1: exactly 1 call runs, 9,999 are refused, each transition reported once', async () => {
    console.info(`redis ${await stampede(children(), 'twilio:send_sms', 1)}`);
  });

  it('probes = 3: exactly 3 calls run, 9,997 are refused, each transition reported once', async () => {
    console.info(`redis ${await stampede(children(), 'vapi:start_call', 3)}`);
  });
});

describe.runIf(withPostgres)('10,000 concurrent calls through PostgreSQL', () => {
  // Four processes migrating one fresh table at once is part of the test.
  const children = fleetThrough(async () => {
    const server = await startPostgresNear(55_400);
    return {
      env: { STORE: 'postgres', URL: server.url, TABLE: 'stampede', POOL_SIZE: '10' },
      stop: () => server.destroy(),
    };
  });

  it('probes = 1: exactly 1 call runs, 9,999 are refused, each transition reported once', async () => {
    console.info(`postgres ${await stampede(children(), 'stripe:create_customer', 1)}`);
  });

  it('probes = 3: exactly 3 calls run, 9,997 are refused, each transition reported once', async () => {
    console.info(`postgres ${await stampede(children(), 'twilio:make_call', 3)}`);
  });
});

describe.runIf(withPostgres)(
  '10,000 concurrent calls through a PostgreSQL too slow to answer',
  () => {
    const children = fleetThrough(async () => {
      const server = await startPostgresNear(55_500);
      return {
        env: { STORE: 'postgres', URL: server.url, TABLE: 'slow', POOL_SIZE: '10' },
        stop: () => server.destroy(),
      };
    }, '500');

    it('at most one probe per process and one through the store run, never the stampede', async () => {
      console.info(`postgres ${await stampedeTooFast(children(), 'stripe:get_customer')}`);
    });
  },
);
