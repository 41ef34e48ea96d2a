/**
 * Integration tests need real Redis and PostgreSQL servers. With CI=true they must run, so a
 * missing server fails loudly; elsewhere a missing server skips them with a note on how to run
 * them.
 */
import net from 'node:net';

export const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const inCi = process.env['CI'] === 'true';

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
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

async function available(what: string, url: string, port: number, env: string): Promise<boolean> {
  if (await reachable(url, port)) return true;

  const how = `start it (see .ci/services) or set ${env}; CI=true makes this a failure`;
  if (inCi) throw new Error(`${what} is not reachable at ${url}: ${how}`);
  console.warn(`skipping ${what} integration tests: nothing answers at ${url}; ${how}`);
  return false;
}

/** Resolves true when Redis answers; with CI=true, throws when it does not. */
export const redisAvailable = (): Promise<boolean> =>
  available('Redis', redisUrl, 6379, 'REDIS_URL');

/** Resolves true when PostgreSQL answers; with CI=true, throws when it does not. */
export const postgresAvailable = (): Promise<boolean> =>
  available('PostgreSQL', databaseUrl, 5432, 'DATABASE_URL');
