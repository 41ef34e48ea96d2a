import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { isBreakwaterError } from '../breakwater-error.js';
import { createAdminHandler } from './admin-handler.js';
import { listBreakers, readBreaker, type BreakerView } from './breaker-view.js';
import { CliError, exitCodes } from './cli-error.js';
import { helpTexts } from './cli-help.js';
import { openCliStore, type CliStore } from './cli-store.js';
import { formatStatusTable, printable } from './cli-table.js';

/** Where the CLI reads and writes; the real process's by default, a test's otherwise. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  /** Stops `serve` when aborted. */
  readonly signal?: AbortSignal;
}

const options = {
  redis: { type: 'string' },
  postgres: { type: 'string' },
  prefix: { type: 'string' },
  table: { type: 'string' },
  json: { type: 'boolean' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  host: { type: 'string' },
  'token-file': { type: 'string' },
  'read-only': { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parse>['values'];

const commands = new Set(['status', 'lock', 'unlock', 'serve', 'help']);
const DEFAULT_PORT = 9400;
const defaultServe = { port: DEFAULT_PORT, host: '127.0.0.1', token: '', from: '' };

/** Resolves to the exit code of an interrupted command (128 + SIGINT) when `signal` aborts. */
function interrupted(signal: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(130);
    signal.addEventListener('abort', () => resolve(130), { once: true });
  });
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
}

/**
 * Runs the `breakwater` command line and resolves to its exit code: 0 done, 1 failed, 2 wrong
 * usage, 3 store unreachable. Errors are one line on stderr, with any password hidden.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(
      `breakwater: ${(error as Error).message}\nRun "breakwater --help" for usage.\n`,
    );
    return exitCodes.usage;
  }

  const [command, ...args] = parsed.positionals;
  const flags = parsed.values;
  if (command === undefined || command === 'help') {
    const topic = command === 'help' ? (args[0] ?? '') : '';
    const text = helpTexts[topic];
    if (text === undefined) return usage(io, `there is no command "${topic}"`);
    (flags.help === true || command === 'help' ? io.stdout : io.stderr).write(`${text}\n`);
    return flags.help === true || command === 'help' ? exitCodes.ok : exitCodes.usage;
  }

  if (!commands.has(command)) return usage(io, `there is no command "${printable(command)}"`);
  if (flags.help === true) {
    io.stdout.write(`${helpTexts[command] ?? ''}\n`);
    return exitCodes.ok;
  }

  let opened: CliStore | undefined;
  try {
    checkArguments(command, args);
    const target = storeTarget(flags, io.env, command === 'serve');
    const serveConfig = command === 'serve' ? await serveSettings(flags, io.env) : undefined;
    opened = await openCliStore(target);
    const store = opened;
    const work = async (): Promise<number> => {
      switch (command) {
        case 'status':
          return status(store, args, flags, io);
        case 'lock':
        case 'unlock':
          return change(store, command, args, flags, io);
        default:
          return serve(store, serveConfig ?? defaultServe, flags, io);
      }
    };
    // Ctrl+C stops a one-shot command at once; `serve` handles it by closing down.
    return await (command === 'serve' || io.signal === undefined
      ? work()
      : Promise.race([work(), interrupted(io.signal)]));
  } catch (error) {
    return report(io, error);
  } finally {
    await opened?.close().catch(() => undefined);
  }
}

function usage(io: CliIo, message: string): number {
  io.stderr.write(`breakwater: ${message}\nRun "breakwater --help" for usage.\n`);
  return exitCodes.usage;
}

function report(io: CliIo, error: unknown): number {
  if (error instanceof CliError) {
    io.stderr.write(`breakwater: ${error.message}\n`);
    return error.exitCode;
  }

  if (isBreakwaterError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
    io.stderr.write(`breakwater: the store did not answer: ${error.message}\n`);
    return exitCodes.unreachable;
  }

  io.stderr.write(`breakwater: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitCodes.failed;
}

function checkArguments(command: string, args: readonly string[]): void {
  const wrong = (text: string): CliError =>
    new CliError(exitCodes.usage, `${text}; run "breakwater ${command} --help"`);
  if (command === 'lock') {
    if (args.length !== 2) throw wrong('lock takes a breaker name and open or closed');
    if (args[1] !== 'open' && args[1] !== 'closed') {
      throw wrong(`lock takes open or closed, not "${printable(args[1] ?? '')}"`);
    }
  }

  if (command === 'unlock' && args.length !== 1) throw wrong('unlock takes one breaker name');
  if (command === 'serve' && args.length > 0) throw wrong('serve takes no arguments');
}

function storeTarget(
  flags: Flags,
  env: CliIo['env'],
  persistent: boolean,
): Parameters<typeof openCliStore>[0] {
  if (flags.redis !== undefined && flags.postgres !== undefined) {
    throw new CliError(exitCodes.usage, 'pass either --redis or --postgres, not both');
  }

  const fromFlags = flags.redis !== undefined || flags.postgres !== undefined;
  const redis = flags.redis ?? (fromFlags ? undefined : nonEmpty(env['REDIS_URL']));
  const postgres =
    flags.postgres ??
    (fromFlags || redis !== undefined ? undefined : nonEmpty(env['DATABASE_URL']));
  return { redis, postgres, prefix: flags.prefix, table: flags.table, persistent };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function status(
  opened: CliStore,
  names: readonly string[],
  flags: Flags,
  io: CliIo,
): Promise<number> {
  let views: BreakerView[];
  if (names.length === 0) {
    views = await listBreakers(opened.store);
  } else {
    views = [];
    for (const name of names) views.push(await mustRead(opened, name));
  }

  io.stdout.write(
    flags.json === true
      ? `${JSON.stringify(views, null, 2)}\n`
      : formatStatusTable(views, Date.now(), colourWanted(io)),
  );
  return exitCodes.ok;
}

function colourWanted(io: CliIo): boolean {
  return io.stdout.isTTY === true && io.env['NO_COLOR'] === undefined && io.env['TERM'] !== 'dumb';
}

async function mustRead(opened: CliStore, name: string): Promise<BreakerView> {
  const view = await readBreaker(opened.store, name);
  if (view === undefined) {
    throw new CliError(exitCodes.failed, `the store knows no breaker named "${printable(name)}"`);
  }

  return view;
}

async function change(
  opened: CliStore,
  command: 'lock' | 'unlock',
  args: readonly string[],
  flags: Flags,
  io: CliIo,
): Promise<number> {
  const name = args[0] ?? '';
  const known = await readBreaker(opened.store, name);
  if (known === undefined && !(command === 'lock' && flags.force === true)) {
    const hint = command === 'lock' ? '; pass --force to lock it before its first call' : '';
    throw new CliError(
      exitCodes.failed,
      `the store knows no breaker named "${printable(name)}"${hint}`,
    );
  }

  const state = args[1] === 'open' ? 'open' : 'closed';
  if (command === 'lock') await opened.store.lock(name, state);
  else await opened.store.unlock(name);

  const view = await mustRead(opened, name);
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
  } else if (command === 'lock') {
    io.stdout.write(
      `Locked ${printable(name)} ${state}, ` +
        `for every process sharing ${opened.where}, until unlocked.\n`,
    );
  } else {
    io.stdout.write(`Unlocked ${printable(name)}; its rules have it ${view.state}.\n`);
  }

  return exitCodes.ok;
}

interface ServeSettings {
  readonly port: number;
  readonly host: string;
  readonly token: string;
  /** Where the token came from, to tell the operator (never the token itself). */
  readonly from: string;
}

async function serveSettings(flags: Flags, env: CliIo['env']): Promise<ServeSettings> {
  const port = flags.port === undefined ? DEFAULT_PORT : Number(flags.port);
  if (!/^\d+$/.test(flags.port ?? '0') || !Number.isInteger(port) || port > 65_535) {
    throw new CliError(
      exitCodes.usage,
      `--port must be a port number from 0 to 65535, received "${printable(flags.port ?? '')}"`,
    );
  }

  const file = flags['token-file'];
  let token: string;
  let from: string;
  if (file !== undefined) {
    try {
      token = (await readFile(file, 'utf8')).trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new CliError(exitCodes.usage, `cannot read --token-file ${printable(file)}: ${code}`);
    }

    from = `the file ${printable(file)}`;
  } else {
    token = env['BREAKWATER_ADMIN_TOKEN'] ?? '';
    from = 'BREAKWATER_ADMIN_TOKEN';
    if (token === '') {
      throw new CliError(
        exitCodes.usage,
        'serve needs the admin token: set BREAKWATER_ADMIN_TOKEN or pass --token-file PATH',
      );
    }
  }

  return { port, host: flags.host ?? '127.0.0.1', token, from };
}

async function serve(
  opened: CliStore,
  settings: ServeSettings,
  flags: Flags,
  io: CliIo,
): Promise<number> {
  let handler: ReturnType<typeof createAdminHandler>;
  try {
    handler = createAdminHandler({
      store: opened.store,
      token: settings.token,
      readOnly: flags['read-only'] === true,
    });
  } catch (error) {
    // The message names the rule the token breaks, never the token.
    throw new CliError(exitCodes.usage, (error as Error).message);
  }

  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new CliError(
          exitCodes.failed,
          `cannot listen on ${settings.host}:${settings.port}: ${error.code ?? error.message}`,
        ),
      );
    });
    server.listen(settings.port, settings.host, resolve);
  });

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stdout.write(
    `Breakwater admin page on http://${host}:${address.port}/ ` +
      `(store: ${opened.where}${flags['read-only'] === true ? ', read-only' : ''})\n` +
      `Log in with the token from ${settings.from}. Press Ctrl+C to stop.\n`,
  );
  if (address.address !== '127.0.0.1' && address.address !== '::1') {
    io.stderr.write('breakwater: listening beyond loopback; put TLS in front of this server\n');
  }

  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    io.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  io.stdout.write('Stopped.\n');
  return exitCodes.ok;
}
