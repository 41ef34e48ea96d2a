import type { Redis } from 'ioredis';
import { DemoError } from './demo-error.js';

/** `url` without its user name and password, to show in messages. */
export function showRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return 'the --redis URL';
  }
}

/**
 * Connects an ioredis client to `url`, loading ioredis only now so the demo without `--redis`
 * never needs it. Once connected, a lost connection is retried in the background, while the
 * breakers' fail-safe serves them from memory.
 *
 * @throws {DemoError} `ERR_DEMO_REDIS` when ioredis is missing or Redis does not answer.
 */
export async function connectRedis(url: string): Promise<Redis> {
  let Client: typeof Redis;
  try {
    ({ Redis: Client } = await import('ioredis'));
  } catch (error) {
    throw new DemoError(
      'ERR_DEMO_REDIS',
      '--redis needs the ioredis package: npm install ioredis',
      {
        cause: error,
      },
    );
  }

  let lastError: unknown;
  let client: Redis;
  try {
    client = new Client(url, {
      lazyConnect: true,
      connectTimeout: 2_000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 200, 2_000),
    });
  } catch (error) {
    throw new DemoError('ERR_DEMO_REDIS', `${showRedisUrl(url)} is not a Redis URL`, {
      cause: error,
    });
  }

  client.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    const reason = lastError ?? error;
    const message = reason instanceof Error ? reason.message : String(reason);
    throw new DemoError(
      'ERR_DEMO_REDIS',
      `cannot reach Redis at ${showRedisUrl(url)}: ${message}`,
      { cause: reason },
    );
  }
}

/** Deletes every key under `prefix` (the demo's breakers); resolves to how many there were. */
export async function dropDemoKeys(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 200);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');

  return deleted;
}

/** Closes a client politely, or at once when Redis does not answer within a second. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;

  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    late,
  ]);
  clearTimeout(timer);
  client.disconnect();
}
