/**
 * Store outages through Redis: three service processes share breakers through a private
 * redis-server (never the shared one) under steady traffic while it is SIGKILLed and restarted,
 * then while it stalls (`DEBUG SLEEP`). No guarded call may fail or wait past the store's timeout
 * because of Redis; breakers keep tripping and recovering from memory; each process reports the
 * outage once; state is shared through Redis again afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, script } from './helpers/child.js';
import {
  allDegraded,
  describeTraffic,
  eventCount,
  transitionsOf,
  type Attempt,
  type TrafficStats,
  unhandledIn,
} from './helpers/fleet.js';
import { redisInstalled, startRedisNear, type RedisNode } from './helpers/redis-nodes.js';
import { secrets } from './helpers/secrets.js';
import { sleep, waitFor } from './helpers/wait.js';

const withRedis = await redisInstalled();

/** The store's fail-safe timeout, and how much later than it a call may settle (scheduling). */
const timeout = 200;
const slack = 150;

const steady = { name: 'twilio:send_sms', threshold: 3, coolOff: 300 };

describe.runIf(withRedis)('Redis outages under steady traffic from 3 processes', () => {
  let redis: RedisNode;
  let children: Child[] = [];

  beforeAll(async () => {
    redis = await startRedisNear(7400);
    children = [0, 1, 2].map(
      (index) =>
        new Child(`redis worker ${index}`, script('store-worker.mjs'), {
          STORE: 'redis',
          URL: redis.url,
          CLIENT: index === 1 ? '6' : '5',
          PREFIX: 'chaos',
          TIMEOUT: String(timeout),
          RETRY_INTERVAL: '200',
          MAX_RETRY_INTERVAL: '400',
        }),
    );
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    const unhandled = await unhandledIn(children).catch((error: unknown) => [String(error)]);
    await Promise.all(children.map((child) => child.stop()));
    expect(unhandled).toEqual([]);
    for (const child of children) {
      expect(secrets.filter((secret) => child.output.join('\n').includes(secret))).toEqual([]);
    }

    await redis?.stop();
  });

  it('SIGKILL and restart: no call fails or waits past timeout + 150 ms, one store-error per process, memory trips and recovers, state shared again', async () => {
    await Promise.all(children.map((child) => child.ask('startTraffic', { breakers: [steady] })));
    await sleep(200);

    await redis.kill();
    await waitFor('every process to serve from memory', () => allDegraded(children), 5_000);

    // While Redis is down, a breaker still trips and recovers in each process, from memory.
    const cycle = { name: 'vapi:start_call', threshold: 2, coolOff: 200 };
    const cycles = await Promise.all(
      children.map((child) => child.ask<string[]>('cycle', { breaker: cycle })),
    );
    for (const outcomes of cycles)
      expect(outcomes).toEqual(['failed', 'failed', 'refused', 'ran', 'ran']);

    await redis.restart();
    await waitFor(
      'every process to report Redis back',
      () => children.every((child) => eventCount(child, 'store-recovered') >= 1),
      10_000,
    );
    await sleep(100);
    const stats = await Promise.all(
      children.map((child) => child.ask<TrafficStats>('stopTraffic')),
    );

    for (const [index, child] of children.entries()) {
      const stat = stats[index]!;
      expect(stat.broken).toEqual([]);
      expect(stat.failed).toBe(0);
      expect(stat.refused).toBe(0);
      expect(stat.ran).toBe(stat.calls);
      expect(stat.whileDegraded).toBeGreaterThan(10);
      expect(stat.max, `slowest calls: ${stat.slowest.join(', ')}`).toBeLessThanOrEqual(
        timeout + slack,
      );
      expect(eventCount(child, 'store-error')).toBe(1);
      expect(eventCount(child, 'store-recovered')).toBe(1);
      expect(transitionsOf(child, cycle.name)).toEqual([
        'closed -> open',
        'open -> half-open',
        'half-open -> closed',
      ]);
    }

    console.info(describeTraffic('redis SIGKILL', stats));

    // Shared again: what one process trips, the others see, through the restarted Redis.
    const shared = { name: 'stripe:create_customer', threshold: 2, coolOff: 60_000 };
    expect(await children[0]!.ask('fail', { breaker: shared, count: 2 })).toEqual([
      'failed',
      'failed',
    ]);
    const tries = await Promise.all(
      children.map((child) => child.ask<Attempt>('try', { breaker: shared })),
    );
    expect(tries.map((attempt) => attempt.outcome)).toEqual(['refused', 'refused', 'refused']);
    expect(new Set(tries.map((attempt) => attempt.retryAt)).size).toBe(1);
    expect((await redis.cli('HGET', 'chaos:{stripe:create_customer}:state', 'st')).trim()).toBe(
      'open',
    );
  });

  it('Redis stalls for 1.5 s (DEBUG SLEEP): no call waits past timeout + 150 ms, one store-error per process, then back to Redis', async () => {
    const marks = children.map((child) => child.events.length);
    const since = (child: Child, name: string): number =>
      eventCount(child, name, marks[children.indexOf(child)]);
    await Promise.all(children.map((child) => child.ask('startTraffic', { breakers: [steady] })));
    await sleep(200);

    const stalled = redis.cli('DEBUG', 'SLEEP', '1.5');
    await waitFor(
      'every process to give up on the stalled Redis',
      () => children.every((child) => since(child, 'store-error') >= 1),
      5_000,
    );
    await stalled;
    await waitFor(
      'every process to report Redis back',
      () => children.every((child) => since(child, 'store-recovered') >= 1),
      10_000,
    );
    await sleep(100);
    const stats = await Promise.all(
      children.map((child) => child.ask<TrafficStats>('stopTraffic')),
    );

    for (const [index, child] of children.entries()) {
      const stat = stats[index]!;
      expect(stat.broken).toEqual([]);
      expect(stat.ran).toBe(stat.calls);
      expect(stat.whileDegraded).toBeGreaterThan(10);
      expect(stat.max, `slowest calls: ${stat.slowest.join(', ')}`).toBeLessThanOrEqual(
        timeout + slack,
      );
      expect(since(child, 'store-error')).toBe(1);
      expect(since(child, 'store-recovered')).toBe(1);
    }

    console.info(describeTraffic('redis DEBUG SLEEP', stats));
  });
});
