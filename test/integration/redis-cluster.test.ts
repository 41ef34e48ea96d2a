/**
 * The store contract through an ioredis `Cluster` on three private Redis Cluster nodes: every
 * script touches one hash slot, so breakers spread over the nodes and each works on its own.
 */
import { Cluster as Cluster5 } from 'ioredis';
import { Cluster as Cluster6 } from 'ioredis6';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { redisAvailable } from '../helpers/services.js';
import { describeStoreContract } from '../stores/store-contract.js';
import { startRedisCluster, type RedisCluster } from './helpers/redis-cluster.js';
import { deleteKeys, redisHarness, testPrefix } from './helpers/redis-harness.js';
import { redisServerInstalled } from './helpers/redis-server.js';

const withCluster = (await redisAvailable()) && (await redisServerInstalled());

/** Resolves once the client has the slot map and can send commands. */
async function ready(client: Cluster): Promise<Cluster> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

describe.runIf(withCluster)('RedisStore on Redis Cluster', () => {
  let cluster: RedisCluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  describeStoreContract(
    'RedisStore on a three-node Redis Cluster (ioredis 5)',
    redisHarness('cluster-5', () => ready(new Cluster5([...cluster.nodes]))),
  );
  describeStoreContract(
    'RedisStore on a three-node Redis Cluster (ioredis 6)',
    redisHarness('cluster-6', () => ready(new Cluster6([...cluster.nodes]) as unknown as Cluster)),
  );

  it('spreads breakers over the nodes, keeping all keys of one breaker on one node', async () => {
    const client = await ready(new Cluster5([...cluster.nodes]));
    const prefix = testPrefix('slots');
    const store = new RedisStore({ client, prefix });
    const names = Array.from({ length: 12 }, (_, i) => `twilio:send_sms:{region-${i}}`);
    for (const name of names) {
      const breaker = new CircuitBreaker(name, { threshold: 1, store });
      await expect(breaker.run(() => Promise.reject(new Error('503')))).rejects.toThrow('503');
      await breaker.lock('closed');
      expect(await breaker.state()).toBe('closed');
      expect((await store.snapshot(name))?.ruleState).toBe('open');
    }

    const holders = new Map<string, number>();
    for (const { port } of cluster.nodes) {
      for (const key of await cluster.keysOn(port, `${prefix}:{*`)) {
        const tag = key.slice(key.indexOf('{'), key.indexOf('}') + 1);
        expect(holders.get(tag) ?? port).toBe(port);
        holders.set(tag, port);
      }
    }

    expect(holders.size).toBe(names.length);
    expect(new Set(holders.values()).size).toBeGreaterThan(1);
    expect((await store.names()).sort()).toEqual([...names].sort());

    await deleteKeys(client, prefix);
    client.disconnect();
  });
});
