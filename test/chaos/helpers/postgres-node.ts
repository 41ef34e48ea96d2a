/**
 * A private PostgreSQL cluster on loopback, for faults that must never touch the shared server at
 * DATABASE_URL: made with `initdb` in a temporary directory, run as the `postgres` OS user when
 * the tests run as root (PostgreSQL refuses root), stopped with `-m immediate` as a crash would,
 * and removed afterwards, even when the test process exits early.
 */
import { execFile, spawnSync } from 'node:child_process';
import { chown, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onFreePorts } from './ports.js';
import { shellQuote, watchdog, type Watchdog } from './watchdog.js';

const run = promisify(execFile);

/** Data directories of clusters still running, stopped at once if the test process exits. */
const running = new Map<string, () => void>();
process.once('exit', () => {
  for (const stop of running.values()) stop();
});

/**
 * The folder of PostgreSQL's server binaries (initdb, pg_ctl), newest version first, or
 * undefined when they are missing: the tests that need them are then skipped with a note, except
 * with CI=true, where their absence is an error.
 */
export async function postgresBinaries(): Promise<string | undefined> {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? (await readdir(root)).sort((a, b) => Number(b) - Number(a))
    : [];
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }

  if (process.env['CI'] === 'true')
    throw new Error(`PostgreSQL server binaries are required in ${root}/*/bin`);
  console.warn('skipping fault tests that start their own PostgreSQL: initdb is not installed');
  return undefined;
}

export interface PostgresNode {
  readonly port: number;
  /** A connection string for the `postgres` database. */
  readonly url: string;
  /** Stops the server at once (`pg_ctl stop -m immediate`): no checkpoint, as a crash. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /**
   * Freezes the server and every backend (SIGSTOP) for `ms`, then lets them go on (SIGCONT):
   * connections stay open and statements sent meanwhile get no answer, as in a stalled network.
   */
  stall(ms: number): Promise<void>;
  /** Stops it (if running) and removes its directory. */
  destroy(): Promise<void>;
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function command(bin: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, [...args]];
}

/** Makes and starts a private cluster on a free port from around `from`. */
export function startPostgresNear(from: number): Promise<PostgresNode> {
  return onFreePorts(1, from, ([port]) => startPostgres(port!));
}

/** Makes a new cluster in a temporary directory and starts it on `port`. */
export async function startPostgres(port: number): Promise<PostgresNode> {
  const bin = await postgresBinaries();
  if (bin === undefined) throw new Error('PostgreSQL server binaries are not installed');

  const dir = await mkdtemp(path.join(tmpdir(), `breakwater-chaos-pg-${port}-`));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(group.trim()));
  }

  const pgCtl = path.join(bin, 'pg_ctl');
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const stopNow = (): void => {
    const [file, args] = command(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, args, { stdio: 'ignore' });
  };
  const [stopFile, stopArgs] = command(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
  const stopLine = [stopFile, ...stopArgs].map(shellQuote).join(' ');
  let dog: Watchdog | undefined;

  const start = async (): Promise<void> => {
    const [file, args] = command(pgCtl, [
      '-D',
      data,
      '-o',
      options,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      'start',
    ]);
    running.set(data, stopNow);
    dog?.disarm();
    dog = watchdog(`${stopLine} >/dev/null 2>&1; rm -rf ${shellQuote(dir)}`);
    await run(file, args);
  };

  const crash = async (): Promise<void> => {
    const [file, args] = command(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    await run(file, args);
    running.delete(data);
    dog?.disarm();
    // The directory must still go if this process dies before destroy().
    dog = watchdog(`rm -rf ${shellQuote(dir)}`);
  };

  try {
    const [file, args] = command(path.join(bin, 'initdb'), [
      '-D',
      data,
      '--auth=trust',
      '-U',
      'postgres',
      '-N',
      '-E',
      'UTF8',
    ]);
    await run(file, args);
    await start();
  } catch (error) {
    stopNow();
    running.delete(data);
    await rm(dir, { recursive: true, force: true });
    dog?.disarm();
    throw error;
  }

  const stall = async (ms: number): Promise<void> => {
    const postmaster = Number(
      (await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    const { stdout } = await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
    const pids = [postmaster, ...stdout.split('\n').filter(Boolean).map(Number)];
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
  };

  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    crash,
    start,
    stall,
    destroy: async () => {
      if (running.has(data)) await crash().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      dog?.disarm();
    },
  };
}
