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
}

/**
 * Runs a script by its digest: one `EVALSHA` on the wire. When the server does not know the
 * script (a restart, a failover, `SCRIPT FLUSH`, a new Cluster node), it answers `NOSCRIPT` and
 * the script is sent whole with `EVAL`, which also caches it for the next call.
 */
export async function runScript(
  client: RedisCommands,
  script: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
