/**
 * Private `redis-server` processes for tests that must stop a server or make a cluster: never
 * the shared server at REDIS_URL. Each runs as a child of the test process, without persistence,
 * in a temporary directory removed when it stops.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RedisServer {
  readonly port: number;
  /** The directory the server runs in. */
  readonly dir: string;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Starts the server again on the same port, with an empty dataset. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** True when `redis-server` and `redis-cli` can be run here. */
export async function redisServerInstalled(): Promise<boolean> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return true;
  } catch {
    console.warn('skipping tests that start their own Redis: redis-server is not installed');
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/**
 * Finds `count` free loopback ports from `from` on; with `clusterBus`, each port's cluster bus
 * port (port + 10000) must be free too.
 */
export async function freePorts(
  count: number,
  from: number,
  clusterBus = false,
): Promise<number[]> {
  const ports: number[] = [];
  for (let port = from; ports.length < count && port < from + 500; port += 1) {
    if (!(await portFree(port))) continue;
    if (clusterBus && !(await portFree(port + 10_000))) continue;
    ports.push(port);
  }

  if (ports.length < count) throw new Error(`no ${count} free ports from ${from}`);
  return ports;
}

/** Resolves once the server at `port` answers PING, or rejects after `ms`. */
export async function waitForPing(port: number, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pings(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts `redis-server` on `port` in a new temporary directory, with the arguments `args` returns
 * for that directory added.
 */
export async function startRedisServer(
  port: number,
  args: (dir: string) => readonly string[] = () => [],
): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), `breakwater-redis-${port}-`));
  let child: ChildProcess | undefined;

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
        '--dir',
        dir,
        ...args(dir),
      ],
      { stdio: 'ignore' },
    );
    children.add(started);
    started.once('exit', () => children.delete(started));
    child = started;
    await waitForPing(port);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    if (child === undefined) return;
    const stopping = child;
    child = undefined;
    stopping.kill(signal);
    await exited(stopping);
  };

  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    port,
    dir,
    kill: () => halt('SIGKILL'),
    restart: launch,
    stop: async () => {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `redis-cli` with `args` and returns what it printed. */
export async function redisCli(args: readonly string[]): Promise<string> {
  const { stdout } = await run('redis-cli', [...args]);
  return stdout;
}
