import process from 'node:process';
import type { RedisScript } from './scripts.js';

/** The few commands the store sends; an ioredis `Redis` or `Cluster` has them all. */
export interface RedisCommands {
  /** The connection status; `ready` when commands go straight to the server. */
  readonly status: string;
  evalsha(sha: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  /** Subscribes to the client's events; used to learn when it first becomes ready. */
  once?(event: 'ready', listener: () => void): unknown;
  del(key: string): Promise<unknown>;
  /**
   * The connection's socket (an ioredis `Redis` has it; a `Cluster` has one per node and none
   * here). Held while calls queue up, so they leave in one write.
   */
  readonly stream?: unknown;
  /** True on a Redis Cluster client, whose commands go to several connections. */
  readonly isCluster?: boolean;
}

/** The part of a socket that holds writes back until released. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * How many script calls of one turn of the event loop are written at once, each on its own,
 * before the socket holds the rest back for one write at the end of the turn. Few calls at a time
 * gain from going out at once (Redis works on them while this process makes the next); many gain
 * far more from sharing one write.
 */
const writtenAtOnce = 16;

/**
 * Runs scripts like {@link runScript}, but once a turn of the event loop has made
 * {@link writtenAtOnce} script calls, the socket holds the later ones back (`cork`) and writes
 * them together when the turn ends. Still one `EVALSHA` per call on the wire, each with its own
 * reply, with far fewer system calls on both sides under load. A Cluster client, whose calls go
 * to several connections, writes each call on its own.
 */
export class ScriptRunner {
  readonly #client: RedisCommands;
  readonly #batching: boolean;
  /** The script calls made in this turn of the event loop. */
  #calls = 0;
  #corked: Corkable | undefined;
  readonly #endTurn = (): void => {
    this.#calls = 0;
    const stream = this.#corked;
    this.#corked = undefined;
    stream?.uncork();
  };

  constructor(client: RedisCommands) {
    this.#client = client;
    this.#batching = client.isCluster !== true;
  }

  run(script: RedisScript, numkeys: number, keysAndArgs: (string | number)[]): Promise<unknown> {
    if (this.#batching) {
      if (this.#calls === 0) process.nextTick(this.#endTurn);
      this.#calls += 1;
      if (this.#calls === writtenAtOnce + 1) this.#cork();
    }

    return runScript(this.#client, script, numkeys, keysAndArgs);
  }

  #cork(): void {
    const stream = this.#client.stream as Partial<Corkable> | null | undefined;
    if (typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;

    stream.cork();
    this.#corked = stream as Corkable;
  }
}

/**
 * Runs a script by its digest: one `EVALSHA` on the wire. When the server does not know the
 * script (a restart, a failover, `SCRIPT FLUSH`, a new Cluster node), it answers `NOSCRIPT` and
 * the script is sent whole with `EVAL`, which also caches it for the next call.
 *
 * `keysAndArgs` holds the `numkeys` keys first, then the arguments, as the command takes them.
 */
export function runScript(
  client: RedisCommands,
  script: RedisScript,
  numkeys: number,
  keysAndArgs: (string | number)[],
): Promise<unknown> {
  return client.evalsha(script.sha, numkeys, ...keysAndArgs).catch((error: unknown) => {
    if (!isNoScript(error)) throw error;
    return client.eval(script.lua, numkeys, ...keysAndArgs);
  });
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
