/**
 * Redis Cluster failover: a private cluster of 3 masters and 3 replicas on loopback
 * (`cluster-node-timeout` 1 s). Two service processes (ioredis 5 and 6) call a breaker under
 * steady traffic while the master holding its slot is SIGKILLed; the cluster promotes the
 * replica. No call may fail or wait past the store's timeout; each process reports the outage
 * once; afterwards the breaker's state is shared through the promoted replica, and a lock written
 * before the failover is still there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, script } from './helpers/child.js';
import {
  describeTraffic,
  eventCount,
  stopFleet,
  tripEverywhere,
  type Attempt,
} from './helpers/fleet.js';
import {
  expectCalmThroughOutage,
  outageWorkerEnv,
  startSteadyTraffic,
  stopTrafficOnceRecovered,
} from './helpers/outage.js';
import {
  redisInstalled,
  startRedisCluster,
  type RedisClusterNodes,
  type RedisNode,
} from './helpers/redis-nodes.js';
import { waitFor } from './helpers/wait.js';

const withRedis = await redisInstalled();

const timeout = 200;
const slack = 150;
const prefix = 'chaos';
const stateKey = (name: string): string => `${prefix}:{${name}}:state`;

/** The replication offset a node reports (`master_repl_offset` or `slave_repl_offset`). */
async function offset(node: RedisNode, field: string): Promise<number> {
  const info = await node.cli('INFO', 'replication');
  const match = new RegExp(`${field}:(\\d+)`).exec(info);
  return Number(match?.[1] ?? -1);
}

describe.runIf(withRedis)('Redis Cluster: the master of a breaker slot fails over', () => {
  let cluster: RedisClusterNodes;
  let children: Child[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster({ from: 7400, masters: 3, replicas: 1, nodeTimeout: 1_000 });
    children = ['5', '6'].map(
      (major) =>
        new Child(`cluster worker (ioredis ${major})`, script('store-worker.mjs'), {
          STORE: 'redis-cluster',
          NODES: JSON.stringify(cluster.seeds),
          CLIENT: major,
          PREFIX: prefix,
          ...outageWorkerEnv(timeout),
        }),
    );
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    await stopFleet(children);
    await cluster?.stop();
  });

  it('keeps the breaker working through the failover, then shares its state through the promoted replica', async () => {
    const [first, second] = children as [Child, Child];
    const breaker = { name: 'twilio:send_sms', threshold: 2, coolOff: 60_000 };
    const master = await cluster.masterOf(stateKey(breaker.name));
    const before = (await cluster.describe()).find((node) => node.port === master.port)!;
    const replica = (await cluster.describe()).find((node) => node.masterId === before.id)!;

    // A lock on another breaker whose slot the same master serves, replicated before the crash.
    let locked = '';
    for (let i = 0; locked === ''; i += 1) {
      const name = `stripe:get_customer/${i}`;
      if ((await cluster.masterOf(stateKey(name))).port === master.port) locked = name;
    }

    await first.ask('lock', { breaker: { name: locked }, state: 'open' });
    const replicaNode = cluster.nodes.find((node) => node.port === replica.port)!;
    await waitFor(
      'the replica to catch up',
      async () =>
        (await offset(replicaNode, 'slave_repl_offset')) ===
        (await offset(master, 'master_repl_offset')),
      5_000,
    );

    await startSteadyTraffic(children, breaker);
    const killedAt = Date.now();
    await master.kill();

    const promoted = async (): Promise<boolean> =>
      (await cluster.describe()).some(
        (node) => node.port === replica.port && node.role === 'master',
      );
    // The cluster promotes the replica by itself within a few seconds. Should its election not
    // have succeeded after 8 s (it can miss on a starved host), the replica takes over, as an
    // operator would, and the test goes on: what it checks is the breaker, not the election.
    let forced = false;
    await waitFor('the replica to be promoted', promoted, 8_000, 50).catch(async () => {
      forced = true;
      await replicaNode.cli('CLUSTER', 'FAILOVER', 'TAKEOVER');
      await waitFor('the replica to take over', promoted, 10_000, 50);
    });
    const promotedAfter = Date.now() - killedAt;
    await cluster.waitHealthy();
    const stats = await stopTrafficOnceRecovered(
      children,
      'both processes to use the cluster again',
      (child) => eventCount(child, 'store-recovered') >= 1,
      15_000,
    );
    expectCalmThroughOutage(children, stats, { timeout, slack });

    console.info(
      `${describeTraffic('cluster failover', stats)}; replica promoted ${promotedAfter} ms after the kill${forced ? ' (CLUSTER FAILOVER TAKEOVER)' : ''}`,
    );

    // Shared again, through the promoted replica.
    await tripEverywhere(children, breaker);
    const holder = await cluster.masterOf(stateKey(breaker.name));
    expect(holder.port).toBe(replica.port);
    expect((await holder.cli('HGET', stateKey(breaker.name), 'st')).trim()).toBe('open');

    // The lock written before the crash survived it.
    const snapshot = await second.ask<{ locked?: string }>('snapshot', { name: locked });
    expect(snapshot.locked).toBe('open');
    expect((await second.ask<Attempt>('try', { breaker: { name: locked } })).outcome).toBe(
      'refused',
    );
  });
});
