/**
 * Store outages through Redis: three service processes share breakers through a private
 * redis-server (never the shared one) under steady traffic while it is SIGKILLed and restarted,
 * then while it stalls (`DEBUG SLEEP`). No guarded call may fail or wait past the store's timeout
 * because of Redis; breakers keep tripping and recovering from memory; each process reports the
 * outage once; state is shared through Redis again afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, script } from './helpers/child.js';
import { describeTraffic, stopFleet, tripEverywhere } from './helpers/fleet.js';
import { crashAndRestart, outageWorkerEnv, stallAndResume } from './helpers/outage.js';
import { redisInstalled, startRedisNear, type RedisNode } from './helpers/redis-nodes.js';
import { secrets } from './helpers/secrets.js';

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
          ...outageWorkerEnv(timeout),
        }),
    );
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    await stopFleet(children);
    for (const child of children) {
      expect(secrets.filter((secret) => child.output.join('\n').includes(secret))).toEqual([]);
    }

    await redis?.stop();
  });

  it('SIGKILL and restart: no call fails or waits past timeout + 150 ms, one store-error per process, memory trips and recovers, state shared again', async () => {
    const stats = await crashAndRestart(
      children,
      {
        name: 'Redis',
        recoveredWithin: 10_000,
        crash: () => redis.kill(),
        restart: () => redis.restart(),
      },
      { steady, cycle: { name: 'vapi:start_call', threshold: 2, coolOff: 200 } },
      { timeout, slack },
    );
    console.info(describeTraffic('redis SIGKILL', stats));

    // Shared again: what one process trips, the others see, through the restarted Redis.
    const shared = { name: 'stripe:create_customer', threshold: 2, coolOff: 60_000 };
    await tripEverywhere(children, shared);
    expect((await redis.cli('HGET', 'chaos:{stripe:create_customer}:state', 'st')).trim()).toBe(
      'open',
    );
  });

  it('Redis stalls for 1.5 s (DEBUG SLEEP): no call waits past timeout + 150 ms, one store-error per process, then back to Redis', async () => {
    const stats = await stallAndResume(
      children,
      { name: 'Redis', recoveredWithin: 10_000, stall: () => redis.cli('DEBUG', 'SLEEP', '1.5') },
      steady,
      { timeout, slack },
    );
    console.info(describeTraffic('redis DEBUG SLEEP', stats));
  });
});
