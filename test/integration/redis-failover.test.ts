/**
 * Redis dies mid-traffic (SIGKILL of a private server, never the shared one): guarded calls keep
 * their behaviour from process memory and never wait past the timeout; the outage is reported
 * once; when Redis is back on the same port the breakers share state through it again.
 */
import { Redis as Redis5 } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  StoreUnavailableError,
  type BreakerEvent,
} from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { redisAvailable } from '../helpers/services.js';
import { sleep } from './helpers/redis-harness.js';
import {
  freePorts,
  redisServerInstalled,
  startRedisServer,
  type RedisServer,
} from './helpers/redis-server.js';

const withServer = (await redisAvailable()) && (await redisServerInstalled());

class Boom extends Error {
  override name = 'Boom';
}

describe.runIf(withServer)('RedisStore when Redis goes away and comes back', () => {
  const timeout = 100;
  const slack = 100;
  const coolOff = 150;
  let server: RedisServer;
  let client: Redis5;
  let observer: Redis5;

  beforeAll(async () => {
    const [port] = await freePorts(1, 7401);
    server = await startRedisServer(port!);
    // ioredis defaults: an offline queue and endless reconnects.
    client = new Redis5({ port: port!, host: '127.0.0.1' });
    observer = new Redis5({ port: port!, host: '127.0.0.1', lazyConnect: true });
    client.on('error', () => undefined);
    observer.on('error', () => undefined);
  });

  afterAll(async () => {
    client?.disconnect();
    observer?.disconnect();
    await server?.stop();
  });

  it('serves breakers from memory through the outage, then shares state again', async () => {
    const store = new RedisStore({
      client,
      prefix: 'failover',
      timeout,
      retryInterval: 100,
      maxRetryInterval: 200,
    });
    const events: BreakerEvent[] = [];
    const notifiers = [{ notify: (event: BreakerEvent) => events.push(event) }];
    const sms = new CircuitBreaker('twilio:send_sms', { threshold: 2, coolOff, store, notifiers });
    const charge = new CircuitBreaker('stripe:create_charge', {
      threshold: 2,
      coolOff,
      store,
      notifiers,
    });
    let upstreamDown = false;
    let slowest = 0;
    const unexpected: unknown[] = [];
    const call = async (breaker: CircuitBreaker): Promise<string> => {
      const started = Date.now();
      try {
        return await breaker.run(() => (upstreamDown ? Promise.reject(new Boom('503')) : 'ok'));
      } catch (error) {
        if (error instanceof Boom) return 'failed';
        if (error instanceof CircuitOpenError) return 'refused';
        unexpected.push(error);
        return 'unexpected';
      } finally {
        slowest = Math.max(slowest, Date.now() - started);
      }
    };
    const traffic = async (ms: number): Promise<string[]> => {
      const outcomes: string[] = [];
      const until = Date.now() + ms;
      while (Date.now() < until) {
        outcomes.push(await call(sms), await call(charge));
        await sleep(5);
      }

      return outcomes;
    };
    const transitions = (): string[] =>
      events.flatMap((event) =>
        event.type === 'transition' ? [`${event.breaker}: ${event.from} -> ${event.to}`] : [],
      );

    // Up: state is in Redis.
    expect(await traffic(50)).not.toContain('failed');
    upstreamDown = true;
    await call(sms);
    await call(sms);
    await observer.connect();
    expect(await observer.hget('failover:{twilio:send_sms}:state', 'st')).toBe('open');
    upstreamDown = false;
    await sleep(coolOff + 10);
    expect(await call(sms)).toBe('ok');
    events.length = 0;
    slowest = 0;

    // Down, mid-traffic.
    const during = traffic(400);
    await sleep(50);
    await server.kill();
    const outcomes = await during;
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    await expect(sms.lock('open')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.names()).rejects.toBeInstanceOf(StoreUnavailableError);

    // Breakers still trip and recover, from memory.
    upstreamDown = true;
    expect(await call(charge)).toBe('failed');
    expect(await call(charge)).toBe('failed');
    expect(await call(charge)).toBe('refused');
    upstreamDown = false;
    await sleep(coolOff + 10);
    expect(await call(charge)).toBe('ok');
    expect(await call(charge)).toBe('ok');
    expect(transitions()).toEqual([
      'stripe:create_charge: closed -> open',
      'stripe:create_charge: open -> half-open',
      'stripe:create_charge: half-open -> closed',
    ]);
    expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
    expect(store.degraded).toBe(true);

    // Back on the same port, empty: calls reach it again and share state through it.
    await server.restart();
    const deadline = Date.now() + 5_000;
    while (!events.some((event) => event.type === 'store-recovered') && Date.now() < deadline) {
      await traffic(20);
    }

    expect(events.filter((event) => event.type === 'store-recovered')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
    expect(store.degraded).toBe(false);
    upstreamDown = true;
    expect(await call(sms)).toBe('failed');
    expect(await call(sms)).toBe('failed');
    upstreamDown = false;
    expect(await observer.hget('failover:{twilio:send_sms}:state', 'st')).toBe('open');
    expect(await call(sms)).toBe('refused');
    expect(await store.names()).toContain('twilio:send_sms');
    // The lock refused during the outage was never sent, so it cannot land late.
    expect(await observer.exists('failover:{twilio:send_sms}:lock')).toBe(0);

    expect(unexpected).toEqual([]);
    expect(slowest).toBeLessThanOrEqual(timeout + slack);
  });

  it('serves from memory within the timeout when Redis was never reachable', async () => {
    const [port] = await freePorts(1, 7451);
    // Nothing listens there: ioredis queues every command while it keeps trying to connect.
    const absent = new Redis5({ port: port!, host: '127.0.0.1' });
    absent.on('error', () => undefined);
    const store = new RedisStore({ client: absent, timeout, retryInterval: 1_000 });
    const events: BreakerEvent[] = [];
    const breaker = new CircuitBreaker('vapi:create_call', {
      threshold: 1,
      coolOff: 60_000,
      store,
      notifiers: [{ notify: (event) => events.push(event) }],
    });
    const started = Date.now();
    await expect(breaker.run(() => 'ok')).resolves.toBe('ok');
    const first = Date.now() - started;
    await expect(breaker.run(() => Promise.reject(new Boom('503')))).rejects.toThrow(Boom);
    await expect(breaker.run(() => 'ok')).rejects.toBeInstanceOf(CircuitOpenError);
    const all = Date.now() - started;
    absent.disconnect();

    expect(first).toBeGreaterThanOrEqual(timeout - 5);
    expect(all).toBeLessThanOrEqual(timeout + slack);
    expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'transition')).toHaveLength(1);
  });
});
