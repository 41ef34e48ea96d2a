import { Redis as Redis5, type Redis } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { redisAvailable, redisUrl } from '../helpers/services.js';
import { describeStoreContract, settingsOf } from '../stores/store-contract.js';
import { deleteKeys, redisHarness, sleep, testPrefix, unit } from './helpers/redis-harness.js';

const withRedis = await redisAvailable();

const fail = (): Promise<never> => Promise.reject(new Error('upstream said 503'));

describe('RedisStore options', () => {
  const client = new Redis5(redisUrl, { lazyConnect: true });

  it('names the option and the value it refuses', () => {
    expect(() => new RedisStore(undefined as never)).toThrow(
      /client must be an ioredis Redis or Cluster, received undefined/,
    );
    expect(() => new RedisStore({ client: {} as never })).toThrow(TypeError);
    expect(() => new RedisStore({ client, prefix: 'a{b}' })).toThrow(
      new RangeError('prefix must be non-empty and hold no "{" or "}", received "a{b}"'),
    );
    expect(() => new RedisStore({ client, prefix: 7 as never })).toThrow(
      new TypeError('prefix must be a string, received 7'),
    );
    expect(() => new RedisStore({ client, refusalCache: -1 })).toThrow(/refusalCache .* -1/);
    expect(() => new RedisStore({ client, timeout: 0 })).toThrow(/timeout .* 0/);
    expect(() => new RedisStore({ client, flushInterval: Number.NaN })).toThrow(TypeError);
    expect(() => new RedisStore({ client, ttl: 5 } as never)).toThrow(
      new TypeError('options.ttl is not a RedisStore option'),
    );
  });
});

describe.runIf(withRedis)('RedisStore on one Redis server', () => {
  describeStoreContract(
    'RedisStore (ioredis 5)',
    redisHarness('contract-5', () => new Redis5(redisUrl)),
  );
  describeStoreContract(
    'RedisStore (ioredis 6, RESP3)',
    redisHarness('contract-6', () => new Redis6(redisUrl) as unknown as Redis),
  );
  describeStoreContract(
    'RedisStore with a refusal cache (ioredis 5)',
    redisHarness('contract-cache', () => new Redis5(redisUrl), { refusalCache: 5 * unit }),
  );

  describe('keys', () => {
    let client: Redis;
    let prefix: string;

    beforeAll(() => {
      client = new Redis5(redisUrl);
      prefix = testPrefix('keys');
    });

    afterAll(async () => {
      await deleteKeys(client, prefix);
      client.disconnect();
    });

    it('gives every key a TTL of at least the cool-off, except the lock', async () => {
      const store = new RedisStore({ client, prefix });
      const coolOff = 30 * 3_600_000;
      const settings = settingsOf({ threshold: 1, coolOff, window: 1_000, errorRate: 0 });
      await store.admit('stripe:create_refund', settings);
      await store.record('stripe:create_refund', settings, { kind: 'failure', probe: false });
      const windowed = settingsOf({ errorRate: 0.5, window: 40 * 3_600_000 });
      await store.admit('vapi:list_calls', windowed);
      await store.record('vapi:list_calls', windowed, { kind: 'failure', probe: false });
      await store.lock('twilio:get_message', 'open');
      // A call to the locked breaker from another process does not demote its index entry.
      const other = new RedisStore({ client, prefix });
      expect(await other.admit('twilio:get_message', settings)).toMatchObject({ admitted: false });
      await store.names();
      expect(await client.zscore(`${prefix}:names`, 'twilio:get_message')).toBe('inf');

      const keys = (await client.keys(`${prefix}:*`)).sort();
      expect(keys).toEqual(
        [
          `${prefix}:names`,
          `${prefix}:{stripe:create_refund}:state`,
          `${prefix}:{twilio:get_message}:lock`,
          `${prefix}:{twilio:get_message}:state`,
          `${prefix}:{vapi:list_calls}:state`,
        ].sort(),
      );
      expect(await client.pttl(`${prefix}:{twilio:get_message}:lock`)).toBe(-1);
      expect(await client.pttl(`${prefix}:{stripe:create_refund}:state`)).toBeGreaterThanOrEqual(
        coolOff,
      );
      expect(await client.pttl(`${prefix}:{twilio:get_message}:state`)).toBeGreaterThanOrEqual(
        coolOff,
      );
      expect(await client.pttl(`${prefix}:{vapi:list_calls}:state`)).toBeGreaterThan(
        40 * 3_600_000,
      );
      // The index lists a lock, so it lasts as long as the lock does; then it expires again.
      expect(await client.pttl(`${prefix}:names`)).toBe(-1);
      await store.unlock('twilio:get_message');
      expect(await client.pttl(`${prefix}:names`)).toBeGreaterThan(24 * 3_600_000 - 60_000);
      expect(await store.names()).toEqual([
        'stripe:create_refund',
        'twilio:get_message',
        'vapi:list_calls',
      ]);
    });

    it('keeps a name with braces in a single hash tag of its own', async () => {
      const store = new RedisStore({ client, prefix });
      const settings = settingsOf({ threshold: 1 });
      const braced = 'twilio:{send}_sms';
      const lookalike = 'twilio:%7Bsend%7D_sms';
      await store.admit(braced, settings);
      await store.record(braced, settings, { kind: 'failure', probe: false });
      await store.admit(lookalike, settings);

      expect(await client.exists(`${prefix}:{twilio:%7Bsend%7D_sms}:state`)).toBe(1);
      expect(await client.exists(`${prefix}:{twilio:%257Bsend%257D_sms}:state`)).toBe(1);
      expect((await store.snapshot(braced))?.state).toBe('open');
      expect((await store.snapshot(lookalike))?.state).toBe('closed');
      expect(await store.names()).toEqual(expect.arrayContaining([braced, lookalike]));
    });

    it('forgets index entries of breakers whose keys expired', async () => {
      const store = new RedisStore({ client, prefix });
      await store.admit('stripe:old', settingsOf({}));
      await client.zadd(`${prefix}:names`, Date.now() - 1_000, 'stripe:old');
      expect(await store.names()).not.toContain('stripe:old');
      expect(await client.zscore(`${prefix}:names`, 'stripe:old')).toBeNull();
    });
  });

  describe('successes counted locally under the error-rate rule', () => {
    let client: Redis;
    let prefix: string;

    beforeAll(() => {
      client = new Redis5(redisUrl);
      prefix = testPrefix('flush');
    });

    afterAll(async () => {
      await deleteKeys(client, prefix);
      client.disconnect();
    });

    it('reach the shared count within flushInterval, and on close', async () => {
      const flushInterval = 4 * unit;
      const here = new RedisStore({ client, prefix, flushInterval });
      const there = new RedisStore({ client, prefix });
      const breaker = new CircuitBreaker('stripe:list_charges', {
        errorRate: 0.5,
        window: 60_000,
        store: here,
      });
      for (let i = 0; i < 5; i += 1) await breaker.run(() => 'ok');
      expect((await there.snapshot(breaker.name))?.calls).toBe(0);
      expect((await here.snapshot(breaker.name))?.calls).toBe(5);
      await sleep(flushInterval + 2 * unit);
      expect((await there.snapshot(breaker.name))?.calls).toBe(5);

      for (let i = 0; i < 3; i += 1) await breaker.run(() => 'ok');
      await here.close();
      expect((await there.snapshot(breaker.name))?.calls).toBe(8);
    });

    it('ride along with the next failure, which trips on the fleet-wide share', async () => {
      const here = new RedisStore({ client, prefix, flushInterval: 60_000 });
      const there = new RedisStore({ client, prefix, flushInterval: 60_000 });
      const options = { errorRate: 0.5, minimumCalls: 4, window: 60_000 };
      const a = new CircuitBreaker('vapi:create_call', { ...options, store: here });
      const b = new CircuitBreaker('vapi:create_call', { ...options, store: there });
      await a.run(() => 'ok');
      await b.run(() => 'ok');
      await expect(a.run(fail)).rejects.toThrow('503');
      expect((await there.snapshot(a.name))?.calls).toBe(3);
      await expect(b.run(fail)).rejects.toThrow('503');
      expect(await a.state()).toBe('open');
      await here.close();
      await there.close();
    });
  });
});
