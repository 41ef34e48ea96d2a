/** Shared pieces of the Redis integration tests: unique prefixes, cleanup, a contract harness. */
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RedisStore, type RedisStoreOptions } from 'breakwater/redis';
import type { StoreHarness } from '../../stores/store-contract.js';

/** The contract suite's time unit against a real server: small, but well above a round trip. */
export const unit = 25;

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A prefix no other test run uses, so runs never see each other's keys. */
export const testPrefix = (label: string): string => `bw-test:${label}:${randomUUID().slice(0, 8)}`;

/** Anything with the commands cleanup needs: an ioredis 5 or 6 client or cluster node. */
interface Scanner {
  scan(cursor: string, ...args: string[]): Promise<[string, string[]]>;
  del(...keys: string[]): Promise<number>;
}

/** Deletes every key under `prefix`, on every master when `client` is a Cluster. */
export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  const nodes: Scanner[] =
    'nodes' in client && typeof client.nodes === 'function'
      ? (client.nodes('master') as unknown as Scanner[])
      : [client as unknown as Scanner];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', '1000');
      cursor = next;
      for (const key of keys) await node.del(key);
    } while (cursor !== '0');
  }
}

/**
 * A contract harness over a RedisStore on `client`: real time, a unique prefix, keys deleted
 * and the client disconnected afterwards.
 */
export function redisHarness(
  label: string,
  connect: () => Redis | Cluster | Promise<Redis | Cluster>,
  options: Omit<RedisStoreOptions, 'client'> = {},
): () => Promise<StoreHarness> {
  return async () => {
    const client = await connect();
    const prefix = testPrefix(label);
    const store = new RedisStore({ client, prefix, ...options });
    return {
      store,
      unit,
      advance: sleep,
      close: async () => {
        await store.close();
        await deleteKeys(client, prefix);
        client.disconnect();
      },
    };
  };
}
