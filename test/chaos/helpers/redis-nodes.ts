/**
 * Private `redis-server` children on loopback, for faults that must never touch the shared Redis
 * at REDIS_URL: a single server to kill, restart or put to sleep, and a Redis Cluster with
 * replicas to fail over. No persistence; each runs in a temporary directory removed when it
 * stops, and every server still running when the test process exits is killed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { redisServerInstalled } from '../../integration/helpers/redis-server.js';
import { PortTakenError, onFreePorts } from './ports.js';
import { waitFor } from './wait.js';
import { shellQuote, watchdog, type Watchdog } from './watchdog.js';

const run = promisify(execFile);

const servers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const server of servers) server.kill('SIGKILL');
});

/**
 * True when `redis-server` and `redis-cli` can be run here. Elsewhere the tests that need them
 * are skipped with a note, except with CI=true, where their absence is an error.
 */
export async function redisInstalled(): Promise<boolean> {
  if (await redisServerInstalled()) return true;
  if (process.env['CI'] === 'true') throw new Error('redis-server and redis-cli are required');
  return false;
}

/** Starts a private `redis-server` on a free port from around `from`; see {@link startRedis}. */
export function startRedisNear(
  from: number,
  options: { password?: string; args?: (dir: string) => readonly string[] } = {},
): Promise<RedisNode> {
  return onFreePorts(1, from, ([port]) => startRedis(port!, options));
}

export interface RedisNode {
  readonly port: number;
  readonly url: string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with an empty dataset. */
  restart(): Promise<void>;
  /** Stops it (if running) and removes its directory. */
  stop(): Promise<void>;
  /** Runs `redis-cli` against it and returns what it printed. */
  cli(...args: string[]): Promise<string>;
}

/**
 * Starts `redis-server` on `port`. `password` turns on `requirepass`; `args` are added to the
 * command line. DEBUG is enabled (it is a private server), so a test can `DEBUG SLEEP` it.
 */
export async function startRedis(
  port: number,
  options: { password?: string; args?: (dir: string) => readonly string[] } = {},
): Promise<RedisNode> {
  const dir = await mkdtemp(path.join(tmpdir(), `breakwater-chaos-redis-${port}-`));
  const auth = options.password === undefined ? [] : ['-a', options.password, '--no-auth-warning'];
  let child: ChildProcess | undefined;
  let dog: Watchdog | undefined;

  const cli = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('redis-cli', ['-p', String(port), ...auth, ...args]);
    return stdout;
  };

  const launch = async (): Promise<void> => {
    const started = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--enable-debug-command',
        'yes',
        '--dir',
        dir,
        ...(options.password === undefined ? [] : ['--requirepass', options.password]),
        ...(options.args?.(dir) ?? []),
      ],
      { stdio: 'ignore' },
    );
    servers.add(started);
    started.once('exit', () => servers.delete(started));
    child = started;
    dog?.disarm();
    dog = watchdog(`kill -9 ${String(started.pid)} 2>/dev/null; rm -rf ${shellQuote(dir)}`);
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      `redis-server on ${port}`,
      async () => gone || (await cli('PING').catch(() => '')).includes('PONG'),
      5_000,
      20,
    );
    // Another test run may have taken the port first: then the PONG came from its server.
    const info = gone ? '' : await cli('INFO', 'server').catch(() => '');
    if (gone || Number(/process_id:(\d+)/.exec(info)?.[1]) !== started.pid) {
      started.kill('SIGKILL');
      throw new PortTakenError(port);
    }
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const stopping = child;
    child = undefined;
    if (stopping === undefined || stopping.exitCode !== null || stopping.signalCode !== null)
      return;
    const exited = new Promise((resolve) => stopping.once('exit', resolve));
    stopping.kill(signal);
    await exited;
  };

  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    dog?.disarm();
    throw error;
  }

  const credentials =
    options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${credentials}127.0.0.1:${port}`,
    kill: () => halt('SIGKILL'),
    restart: launch,
    stop: async () => {
      await halt('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      dog?.disarm();
    },
    cli,
  };
}

export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'slave';
  readonly failed: boolean;
  readonly connected: boolean;
  /** For a replica, the id of its master. */
  readonly masterId: string | undefined;
  /** Slot ranges served, for a master. */
  readonly slots: readonly (readonly [number, number])[];
}

export interface RedisClusterNodes {
  readonly nodes: readonly RedisNode[];
  /** `{ host, port }` of every node, for an ioredis `Cluster`. */
  readonly seeds: readonly { host: string; port: number }[];
  /** The cluster's view of its nodes, as a node still running reports it. */
  describe(): Promise<ClusterNodeInfo[]>;
  /** The node serving `key`'s slot as master now. */
  masterOf(key: string): Promise<RedisNode>;
  /** Resolves once every running node says `cluster_state:ok` and every slot has a live master. */
  waitHealthy(within?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `masters` masters with `replicas` replicas each on free ports from `from`, joins them
 * with `redis-cli --cluster create`, and waits until the cluster is ok and every replica is in
 * sync. `nodeTimeout` (ms) is how long a silent master takes to be judged failed.
 */
export async function startRedisCluster(options: {
  from: number;
  masters?: number;
  replicas?: number;
  nodeTimeout?: number;
}): Promise<RedisClusterNodes> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 1;
  const count = masters * (1 + replicas);
  return onFreePorts(
    count,
    options.from,
    (ports) => makeCluster(ports, replicas, options.nodeTimeout ?? 1_000),
    true,
  );
}

async function makeCluster(
  ports: readonly number[],
  replicas: number,
  nodeTimeout: number,
): Promise<RedisClusterNodes> {
  const nodes: RedisNode[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };

  const live = async (): Promise<RedisNode> => {
    for (const node of nodes) {
      if ((await node.cli('PING').catch(() => '')).includes('PONG')) return node;
    }

    throw new Error('no cluster node answers');
  };

  const describe = async (): Promise<ClusterNodeInfo[]> => {
    const text = await (await live()).cli('CLUSTER', 'NODES');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [id = '', address = '', flags = '', master = '-', , , , link = '', ...slots] =
          line.split(' ');
        const flagList = flags.split(',');
        return {
          id,
          port: Number(address.split('@')[0]?.split(':')[1]),
          role: flagList.includes('master') ? 'master' : 'slave',
          failed: flagList.includes('fail') || flagList.includes('fail?'),
          connected: link === 'connected',
          masterId: master === '-' ? undefined : master,
          slots: slots
            .filter((range) => !range.startsWith('['))
            .map((range) => {
              const [low = '0', high = low] = range.split('-');
              return [Number(low), Number(high)] as const;
            }),
        };
      });
  };

  const masterOf = async (key: string): Promise<RedisNode> => {
    const slot = Number((await (await live()).cli('CLUSTER', 'KEYSLOT', key)).trim());
    const owner = (await describe()).find(
      (node) =>
        node.role === 'master' && node.slots.some(([low, high]) => slot >= low && slot <= high),
    );
    const found = nodes.find((node) => node.port === owner?.port);
    if (found === undefined) throw new Error(`no master serves slot ${slot}`);
    return found;
  };

  const waitHealthy = async (within = 15_000): Promise<void> => {
    await waitFor(
      'a healthy cluster',
      async () => {
        for (const node of nodes) {
          const info = await node.cli('CLUSTER', 'INFO').catch(() => undefined);
          if (info === undefined) continue;
          if (!info.includes('cluster_state:ok')) return false;
        }

        const view = await describe();
        const covered = view
          .filter((node) => node.role === 'master' && !node.failed && node.connected)
          .flatMap((node) => node.slots)
          .reduce((sum, [low, high]) => sum + high - low + 1, 0);
        return covered === 16_384;
      },
      within,
      50,
    );
  };

  try {
    for (const port of ports) {
      nodes.push(
        await startRedis(port, {
          args: (dir) => [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeout),
            '--cluster-replica-validity-factor',
            '0',
          ],
        }),
      );
    }

    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    await waitHealthy();
    // Replicas must have finished their first sync before a master can be failed over.
    await waitFor(
      'replicas in sync',
      async () => {
        for (const node of nodes) {
          const info = await node.cli('INFO', 'replication');
          if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
        }

        return true;
      },
      15_000,
      50,
    );
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes,
    seeds: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    describe,
    masterOf,
    waitHealthy,
    stop,
  };
}
