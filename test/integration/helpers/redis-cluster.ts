/**
 * A three-node Redis Cluster of private `redis-server` children on loopback, for the contract
 * suite through an ioredis `Cluster`.
 */
import path from 'node:path';
import { freePorts, redisCli, startRedisServer, type RedisServer } from './redis-server.js';

export interface RedisCluster {
  readonly nodes: readonly { host: string; port: number }[];
  /** The keys matching `pattern` that the node on `port` holds. */
  keysOn(port: number, pattern: string): Promise<string[]>;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

/** Starts three masters on free ports from `from` (7301) on, joins them, and waits until ok. */
export async function startRedisCluster(from = 7301): Promise<RedisCluster> {
  const ports = await freePorts(3, from, true);
  const servers: RedisServer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };

  try {
    for (const port of ports) {
      const server = await startRedisServer(port, (dir) => [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        path.join(dir, `nodes-${port}.conf`),
      ]);
      servers.push(server);
    }

    await redisCli([
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForClusterOk(ports);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    keysOn: async (port, pattern) => {
      const output = await redisCli(['-p', String(port), '--scan', '--pattern', pattern]);
      return output.split('\n').filter((line) => line !== '');
    },
    stop,
  };
}

async function waitForClusterOk(ports: readonly number[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    for (;;) {
      const info = await redisCli(['-p', String(port), 'CLUSTER', 'INFO']);
      if (info.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) throw new Error(`cluster node ${port} never reached state ok`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
