/**
 * Resources after long-ish runs, in child processes started with --expose-gc: the heap after
 * garbage collection stays within a fixed bound; Redis keys and PostgreSQL rows stay at one
 * per breaker and are expired or pruned as the stores document; after close() nothing (no
 * timer, socket or server) keeps a process alive, and it exits by itself; no rejection is
 * ever left unhandled.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from 'breakwater';
import { PostgresStore } from 'breakwater/postgres';
import { Child, script, type ChildLine } from './helpers/child.js';
import { postgresBinaries, startPostgresNear, type PostgresNode } from './helpers/postgres-node.js';
import { redisInstalled, startRedisNear, type RedisNode } from './helpers/redis-nodes.js';
import {
  adminToken,
  secrets,
  stripeSecretKey,
  twilioAccountSid,
  twilioAuthToken,
  vapiApiKey,
} from './helpers/secrets.js';

const withServers = (await redisInstalled()) && (await postgresBinaries()) !== undefined;

/** The most the heap may grow, after GC, between the first checkpoint and any later one. */
const heapBound = 1_048_576;

interface RunResult extends ChildLine {
  readonly calls: number;
  readonly heaps: number[];
  readonly transitions: number;
  readonly outcomes: Record<string, number>;
  readonly unhandled: string[];
  readonly listed?: number;
  readonly atClose?: string[];
  readonly resources?: string[];
  readonly settledAfter?: number;
  readonly at: number;
}

/** Runs resource-worker.mjs in `mode` to its end; its result line and how long it took to exit. */
async function runWorker(
  mode: string,
  env: Record<string, string> = {},
): Promise<{ result: RunResult; exitedAfter: number; code: number | null }> {
  const child = new Child(
    `resource worker (${mode})`,
    script('resource-worker.mjs'),
    { MODE: mode, ...env },
    ['--expose-gc'],
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const code = await Promise.race([
    child.exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill();
        reject(new Error(`${mode} worker did not exit within 30 s: ${child.output.join('\n')}`));
      }, 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const exitedAt = Date.now();
  const result = child.lines.find((line) => line.type === 'result') as RunResult | undefined;
  if (result === undefined || result['error'] !== undefined) {
    throw new Error(`the ${mode} worker failed: ${child.output.join('\n')}`);
  }

  expect(secrets.filter((secret) => child.output.join('\n').includes(secret))).toEqual([]);
  return { result, exitedAfter: exitedAt - result.at, code };
}

function expectBoundedHeap(result: RunResult): void {
  const [first, ...later] = result.heaps;
  for (const heap of later) expect(heap - first!).toBeLessThan(heapBound);
}

/**
 * Runs resource-worker.mjs in `mode` (see {@link runWorker}) and checks what every run must
 * show: exit code 0, every call settled as ran, refused or failed, no unhandled rejection, and a
 * bounded heap.
 */
async function runCleanly(mode: string, env: Record<string, string> = {}): Promise<RunResult> {
  const { result, code } = await runWorker(mode, env);
  expect(code).toBe(0);
  expect(result.outcomes['other']).toBe(0);
  expect(result.unhandled).toEqual([]);
  expectBoundedHeap(result);
  return result;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;

describe.runIf(withServers)('resources after long runs', () => {
  let redis: RedisNode;
  let postgres: PostgresNode;
  let observer: Redis;

  beforeAll(async () => {
    redis = await startRedisNear(7400);
    postgres = await startPostgresNear(55_400);
    observer = new Redis(redis.url);
  });

  afterAll(async () => {
    observer?.disconnect();
    await Promise.all([redis?.stop(), postgres?.destroy()]);
  });

  it('200,000 guarded calls on a MemoryStore: the heap after GC grows by less than 1 MiB, no unhandled rejection', async () => {
    const result = await runCleanly('memory');
    expect(result.calls).toBe(200_000);
    expect(result.transitions).toBeGreaterThan(1_000);
    console.info(
      `memory: ${result.calls} calls, ${result.transitions} transitions, heap after GC ${result.heaps.map(kib).join(' -> ')}`,
    );
  });

  it('20,000 guarded calls over 500 breakers through Redis: heap bounded, 501 keys each with a TTL of at most a day, none added by 10,000 more calls', async () => {
    const prefix = 'resources';
    const first = await runCleanly('redis', {
      URL: redis.url,
      PREFIX: prefix,
      BREAKERS: '500',
      CALLS: '20000',
    });
    expect(first.transitions).toBeGreaterThan(100);

    const keys = async (): Promise<string[]> => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await observer.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      return found.sort();
    };

    const before = await keys();
    expect(before.filter((key) => key.endsWith(':state'))).toHaveLength(500);
    expect(before.filter((key) => key.endsWith(':lock'))).toHaveLength(0);
    expect(before).toContain(`${prefix}:names`);
    expect(before).toHaveLength(501);
    expect(await observer.zcard(`${prefix}:names`)).toBe(500);
    const ttls = await Promise.all(before.map((key) => observer.pttl(key)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
    }

    const second = await runWorker('redis', {
      URL: redis.url,
      PREFIX: prefix,
      BREAKERS: '500',
      CALLS: '10000',
    });
    expect(second.code).toBe(0);
    expect(await keys()).toEqual(before);
    console.info(
      `redis: ${first.calls} + ${second.result.calls} calls over 500 breakers, ${before.length} keys, heap after GC ${first.heaps.map(kib).join(' -> ')}`,
    );
  });

  it('5,000 guarded calls over 500 breakers through PostgreSQL: heap bounded, one row per breaker, unused rows pruned (locked kept)', async () => {
    const table = 'resources';
    const run = await runCleanly('postgres', {
      URL: postgres.url,
      TABLE: table,
      BREAKERS: '500',
      CALLS: '5000',
    });

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
    try {
      const rows = async (): Promise<number> =>
        Number(
          (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n,
        );
      expect(await rows()).toBe(500);

      // A day and more without use, for 400 breakers (one of them locked): as if time passed.
      const aged = Array.from({ length: 400 }, (_, i) => `postgres:${i}`);
      await client.query(
        `UPDATE ${table} SET used_at = used_at - interval '3 days' WHERE name = ANY($1)`,
        [aged],
      );
      await client.query(`UPDATE ${table} SET locked = 'open' WHERE name = $1`, [aged[0]]);

      // A call for a breaker the table has never seen adds a row and prunes in the same statement.
      const store = new PostgresStore({ pool, table });
      const fresh = new CircuitBreaker('postgres:new', { store });
      await expect(fresh.run(() => 'ok')).resolves.toBe('ok');
      expect(await rows()).toBe(500 - 399 + 1);
      expect(
        (await client.query(`SELECT 1 FROM ${table} WHERE name = $1`, [aged[0]])).rowCount,
      ).toBe(1);

      await client.query(
        `UPDATE ${table} SET used_at = used_at - interval '3 days' WHERE name = ANY($1)`,
        [Array.from({ length: 50 }, (_, i) => `postgres:${450 + i}`)],
      );
      expect(await store.prune()).toBe(50);
      expect(await rows()).toBe(52);
      await store.close();
      console.info(
        `postgres: ${run.calls} calls over 500 breakers, 500 rows, 399 + 50 pruned, heap after GC ${run.heaps.map(kib).join(' -> ')}`,
      );
    } finally {
      await client.end();
      await pool.end();
    }
  });

  it('after close(), no timer, socket or server keeps the process alive: it exits by itself within 2 s', async () => {
    const { result, exitedAfter, code } = await runWorker('close', {
      URL: redis.url,
      PREFIX: 'close',
      DATABASE_URL: postgres.url,
      TABLE: 'close_breakers',
      ADMIN_TOKEN: adminToken,
      VAPI_API_KEY: vapiApiKey,
      TWILIO_ACCOUNT_SID: twilioAccountSid,
      TWILIO_AUTH_TOKEN: twilioAuthToken,
      STRIPE_SECRET_KEY: stripeSecretKey,
    });
    expect(code).toBe(0);
    expect(result.unhandled).toEqual([]);
    expect(result.listed).toBeGreaterThan(0);
    const stdio = (name: string): boolean => name === 'PipeWrap' || name === 'TTYWrap';
    // At once after close(): no timer, no immediate, no server; only sockets whose end was sent
    // (and the shutdown requests of their ends) while the peer has not closed its side yet.
    const closing = new Set(['TCPSocketWrap', 'SimpleShutdownWrap', 'ShutdownWrap']);
    expect((result.atClose ?? []).filter((name) => !stdio(name) && !closing.has(name))).toEqual([]);
    // Within a second those are gone too: only the pipes of the child's own stdio remain.
    expect((result.resources ?? []).filter((name) => !stdio(name))).toEqual([]);
    expect(result.settledAfter).toBeLessThan(1_000);
    expect(exitedAfter).toBeLessThan(2_000);
    console.info(
      `close: at close ${JSON.stringify(result.atClose)}, settled in ${String(result.settledAfter)} ms to ${JSON.stringify(result.resources)}, exited ${exitedAfter} ms after its report`,
    );
  });
});
