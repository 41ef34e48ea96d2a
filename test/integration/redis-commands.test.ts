/**
 * Counts the commands each path of a guarded call sends, as the Redis server itself sees them
 * (MONITOR on a second connection, filtered to the store's own connection).
 */
import { randomUUID } from 'node:crypto';
import { Redis as Redis5, type Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type CircuitBreakerOptions } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { redisAvailable, redisUrl } from '../helpers/services.js';
import { deleteKeys, sleep, testPrefix } from './helpers/redis-harness.js';

const withRedis = await redisAvailable();

const fail = (): Promise<never> => Promise.reject(new Error('upstream said 503'));
const succeed = (): string => 'ok';

/** Watches one client's commands on the server. */
class Wire {
  readonly #client: Redis;
  readonly #monitor: Redis;
  readonly #seen: string[] = [];

  private constructor(client: Redis, monitor: Redis, address: string) {
    this.#client = client;
    this.#monitor = monitor;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === address) this.#seen.push(args.map(String).join(' '));
    });
  }

  static async watch(client: Redis): Promise<Wire> {
    const info = await client.client('INFO');
    const address = /\baddr=(\S+)/.exec(info)?.[1];
    if (address === undefined) throw new Error(`no address in CLIENT INFO: ${info}`);
    const monitor = await new Redis5(redisUrl).monitor();
    const wire = new Wire(client, monitor, address);
    await wire.#drain();
    return wire;
  }

  /** The commands (their names) that `action` sent, once the server has run them all. */
  async count(action: () => Promise<unknown>): Promise<string[]> {
    await this.#drain();
    this.#seen.length = 0;
    await action();
    return this.#drain();
  }

  /** Waits until the monitor has seen everything sent so far, and returns it (names only). */
  async #drain(): Promise<string[]> {
    const marker = `wire-${randomUUID()}`;
    await this.#client.echo(marker);
    const deadline = Date.now() + 2_000;
    while (!this.#seen.some((line) => line.endsWith(marker))) {
      if (Date.now() > deadline) throw new Error('the monitor never saw the marker');
      await sleep(2);
    }

    return this.#seen
      .filter((line) => !line.endsWith(marker))
      .map((line) => line.split(' ')[0]!.toLowerCase());
  }

  close(): void {
    this.#monitor.disconnect();
  }
}

describe.runIf(withRedis).each([
  ['ioredis 5', (): Redis => new Redis5(redisUrl)],
  ['ioredis 6', (): Redis => new Redis6(redisUrl) as unknown as Redis],
])('commands on the wire per guarded call (%s)', (_label, connect) => {
  let client: Redis;
  let wire: Wire;
  let prefix: string;
  let store: RedisStore;

  beforeAll(async () => {
    client = connect();
    prefix = testPrefix('wire');
    store = new RedisStore({ client, prefix, flushInterval: 100 });
    wire = await Wire.watch(client);
    // Loads every script, so that only the NOSCRIPT test below meets an EVAL.
    const warm = new CircuitBreaker('warm-up', { threshold: 1, store });
    await warm.run(succeed);
    await expect(warm.run(fail)).rejects.toThrow('503');
    await store.snapshot(warm.name);
    await store.names();
  });

  afterAll(async () => {
    await store.close();
    wire.close();
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  const breaker = (name: string, options: CircuitBreakerOptions = {}): CircuitBreaker =>
    new CircuitBreaker(`${name} ${randomUUID().slice(0, 8)}`, { coolOff: 150, ...options, store });

  it('first call of a name in this process: the admission and one index write', async () => {
    const b = breaker('twilio:send_sms');
    expect(await wire.count(() => b.run(succeed))).toEqual(['evalsha', 'evalsha']);
    expect(await wire.count(() => b.run(succeed))).toEqual(['evalsha']);
  });

  it('success on a closed breaker with nothing counted: 1', async () => {
    const b = breaker('stripe:get_customer');
    await b.run(succeed);
    expect(await wire.count(() => b.run(succeed))).toHaveLength(1);
  });

  it('failure that does not trip: 2; the success after it, which resets the count: 2', async () => {
    const b = breaker('vapi:get_call', { threshold: 3 });
    await b.run(succeed);
    expect(await wire.count(() => expect(b.run(fail)).rejects.toThrow('503'))).toHaveLength(2);
    expect(await wire.count(() => b.run(succeed))).toHaveLength(2);
    expect(await wire.count(() => b.run(succeed))).toHaveLength(1);
  });

  it('failure that trips: 2; refusal while open: 1', async () => {
    const b = breaker('twilio:make_call', { threshold: 1 });
    await b.run(succeed);
    expect(await wire.count(() => expect(b.run(fail)).rejects.toThrow('503'))).toHaveLength(2);
    const refusal = await wire.count(() =>
      expect(b.run(succeed)).rejects.toBeInstanceOf(CircuitOpenError),
    );
    expect(refusal).toHaveLength(1);
  });

  it('half-open probe: 2; refusal while every probe slot is taken: 1', async () => {
    const b = breaker('stripe:create_payment_intent', { threshold: 1 });
    await b.run(succeed);
    await expect(b.run(fail)).rejects.toThrow('503');
    await sleep(200);

    let release!: () => void;
    const gate = new Promise<string>((resolve) => {
      release = () => resolve('ok');
    });
    let probe!: Promise<unknown>;
    const admitted = await wire.count(async () => {
      probe = b.run(() => gate);
      await sleep(20);
    });
    const refused = await wire.count(() =>
      expect(b.run(succeed)).rejects.toBeInstanceOf(CircuitOpenError),
    );
    const recorded = await wire.count(async () => {
      release();
      await probe;
    });
    expect(admitted.length + recorded.length).toBe(2);
    expect(refused).toHaveLength(1);
    expect(await b.state()).toBe('closed');
  });

  it('error-rate success: 1, its count sent later in one batch for all breakers', async () => {
    const options = { errorRate: 0.5, window: 60_000 };
    const a = breaker('vapi:list_assistants', options);
    const b = breaker('vapi:list_phone_numbers', options);
    await a.run(succeed);
    await b.run(succeed);
    await sleep(150);
    const calls = await wire.count(async () => {
      for (let i = 0; i < 10; i += 1) await a.run(succeed);
      await b.run(succeed);
    });
    expect(calls).toHaveLength(11);
    const flushed = await wire.count(() => sleep(150));
    expect(flushed).toEqual(['evalsha', 'evalsha']);
    expect((await store.snapshot(a.name))?.calls).toBe(11);
  });

  it('refusal with a refusal cache: 0, until the cool-off ends', async () => {
    const cached = new RedisStore({ client, prefix, refusalCache: 1_000 });
    const b = new CircuitBreaker(`twilio:lookup ${randomUUID().slice(0, 8)}`, {
      threshold: 1,
      coolOff: 150,
      store: cached,
    });
    await b.run(succeed);
    await expect(b.run(fail)).rejects.toThrow('503');
    const refusals = await wire.count(async () => {
      for (let i = 0; i < 20; i += 1) {
        await expect(b.run(succeed)).rejects.toBeInstanceOf(CircuitOpenError);
      }
    });
    expect(refusals).toHaveLength(0);
    await sleep(160);
    expect(await wire.count(() => b.run(succeed))).toHaveLength(2);
  });

  it('falls back to EVAL after SCRIPT FLUSH, then uses EVALSHA again', async () => {
    const b = breaker('stripe:refund', { threshold: 1 });
    await b.run(succeed);
    const admin = new Redis5(redisUrl);
    await admin.script('FLUSH');
    admin.disconnect();
    expect(await wire.count(() => b.run(succeed))).toEqual(['evalsha', 'eval']);
    expect(await wire.count(() => b.run(succeed))).toEqual(['evalsha']);
    expect(await wire.count(() => expect(b.run(fail)).rejects.toThrow('503'))).toEqual([
      'evalsha',
      'evalsha',
      'eval',
    ]);
    expect(await b.state()).toBe('open');
  });
});
