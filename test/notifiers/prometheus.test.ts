import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CircuitBreaker, MemoryStore, type BreakerEvent } from 'breakwater';
import { prometheusNotifier } from 'breakwater/prometheus';
import { FakeClock } from '../helpers/fake-clock.js';

class Boom extends Error {
  override name = 'Boom';
}

async function value(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const found = data.values.find((entry) =>
    Object.entries(labels).every(([key, wanted]) => entry.labels[key] === wanted),
  );
  return found?.value;
}

describe('prometheusNotifier', () => {
  it('exports state, calls by outcome, transitions and durations of real breakers', async () => {
    const registry = new Registry();
    const clock = new FakeClock();
    const store = new MemoryStore({ clock });
    const metrics = prometheusNotifier({ registry });
    const breaker = new CircuitBreaker('twilio:send_sms', {
      store,
      clock,
      threshold: 2,
      coolOff: 1_000,
      notifiers: [metrics],
    });

    await breaker.run(() => {
      clock.advance(120);
      return 'ok';
    });
    for (let i = 0; i < 2; i++) {
      await breaker.run(() => Promise.reject(new Boom('503')), { fallback: () => 'cached' });
    }

    await expect(breaker.run(() => 'never')).rejects.toThrow();
    await breaker.run(() => 'never', { fallback: () => 'cached' });

    const state = (s: string) =>
      value(registry, 'breakwater_breaker_state', { breaker: 'twilio:send_sms', state: s });
    expect(await state('open')).toBe(1);
    expect(await state('closed')).toBe(0);
    expect(await state('half-open')).toBe(0);

    const calls = (outcome: string) =>
      value(registry, 'breakwater_calls_total', { breaker: 'twilio:send_sms', outcome });
    expect(await calls('success')).toBe(1);
    expect(await calls('failure')).toBe(2);
    expect(await calls('refused')).toBe(2);
    // Two failures and one refusal fell back; they count under fallback as well.
    expect(await calls('fallback')).toBe(3);
    expect(
      await value(registry, 'breakwater_transitions_total', {
        breaker: 'twilio:send_sms',
        from: 'closed',
        to: 'open',
      }),
    ).toBe(1);

    const text = await registry.metrics();
    expect(text).toContain('breakwater_call_duration_seconds_count{breaker="twilio:send_sms"} 3');
    expect(text).toContain(
      'breakwater_call_duration_seconds_bucket{le="0.25",breaker="twilio:send_sms"} 3',
    );
    expect(text).toContain(
      'breakwater_call_duration_seconds_bucket{le="0.1",breaker="twilio:send_sms"} 2',
    );
    expect(text).toContain('# TYPE breakwater_breaker_state gauge');

    clock.advance(1_000);
    await breaker.run(() => 'ok');
    expect(await state('closed')).toBe(1);
    expect(await state('open')).toBe(0);
    expect(
      await value(registry, 'breakwater_transitions_total', {
        breaker: 'twilio:send_sms',
        from: 'open',
        to: 'half-open',
      }),
    ).toBe(1);

    await breaker.lock('open');
    expect(await state('open')).toBe(1);
    await breaker.unlock();
    expect(await state('closed')).toBe(1);
  });

  it('reads the state from the store at scrape time when given one', async () => {
    const registry = new Registry();
    const store = new MemoryStore();
    prometheusNotifier({ registry, store, prefix: 'app_' });
    // Another process opened it: this one saw no event at all.
    const elsewhere = new CircuitBreaker('stripe:refund', { store, threshold: 1 });
    await elsewhere.run(() => Promise.reject(new Boom('x'))).catch(() => undefined);
    expect(
      await value(registry, 'app_breaker_state', { breaker: 'stripe:refund', state: 'open' }),
    ).toBe(1);
    store.lock('stripe:refund', 'closed');
    expect(
      await value(registry, 'app_breaker_state', { breaker: 'stripe:refund', state: 'closed' }),
    ).toBe(1);
  });

  it('counts store outages, ignores unknown events and reuses its metrics', async () => {
    const registry = new Registry();
    const metrics = prometheusNotifier({ registry });
    const at = new Date();
    metrics.notify({
      type: 'store-error',
      breaker: 'a',
      store: 'RedisStore',
      error: new Error('x'),
      at,
    });
    metrics.notify({ type: 'something-new', breaker: 'a', at } as unknown as BreakerEvent);
    expect(await value(registry, 'breakwater_store_errors_total', { store: 'RedisStore' })).toBe(1);
    expect(() => prometheusNotifier({ registry })).not.toThrow();
  });

  it('checks its options', () => {
    expect(() => prometheusNotifier({} as never)).toThrow(
      'registry must be a prom-client Registry, received undefined',
    );
    const registry = new Registry();
    expect(() => prometheusNotifier({ registry, prefix: 'bad-prefix' })).toThrow(TypeError);
    expect(() => prometheusNotifier({ registry, buckets: [] })).toThrow(TypeError);
  });
});
