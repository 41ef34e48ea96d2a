/**
 * `@opentelemetry/sdk-metrics` is not a dependency, so this meter records what the notifier asks
 * of it, through the same interface (`Meter` from `@opentelemetry/api`).
 */
import { describe, expect, it } from 'vitest';
import type { Attributes, Meter, ObservableCallback, ObservableResult } from '@opentelemetry/api';
import { CircuitBreaker, MemoryStore, type BreakerEvent } from 'breakwater';
import { opentelemetryNotifier } from 'breakwater/opentelemetry';
import { FakeClock } from '../helpers/fake-clock.js';

interface Recorded {
  readonly kind: string;
  readonly options: unknown;
  readonly points: { value: number; attributes: Attributes | undefined }[];
  readonly callbacks: ObservableCallback[];
}

class RecordingMeter {
  readonly instruments = new Map<string, Recorded>();

  #make(kind: string, name: string, options: unknown): Recorded {
    const recorded: Recorded = { kind, options, points: [], callbacks: [] };
    this.instruments.set(name, recorded);
    return recorded;
  }

  createCounter(name: string, options?: unknown) {
    const recorded = this.#make('counter', name, options);
    return {
      add: (value: number, attributes?: Attributes) => recorded.points.push({ value, attributes }),
    };
  }

  createHistogram(name: string, options?: unknown) {
    const recorded = this.#make('histogram', name, options);
    return {
      record: (value: number, attributes?: Attributes) =>
        recorded.points.push({ value, attributes }),
    };
  }

  createObservableGauge(name: string, options?: unknown) {
    const recorded = this.#make('gauge', name, options);
    return {
      addCallback: (callback: ObservableCallback) => recorded.callbacks.push(callback),
      removeCallback: () => undefined,
    };
  }

  sum(name: string, attributes: Attributes): number {
    return (this.instruments.get(name)?.points ?? [])
      .filter((point) =>
        Object.entries(attributes).every(([key, value]) => point.attributes?.[key] === value),
      )
      .reduce((total, point) => total + point.value, 0);
  }

  async observe(name: string): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    const result = {
      observe: (value: number, attributes?: Attributes) => {
        seen.set(`${String(attributes?.['breaker'])}|${String(attributes?.['state'])}`, value);
      },
    } as ObservableResult;
    for (const callback of this.instruments.get(name)?.callbacks ?? []) await callback(result);
    return seen;
  }
}

class Boom extends Error {
  override name = 'Boom';
}

describe('opentelemetryNotifier', () => {
  it('records calls, transitions, durations and state through the meter', async () => {
    const meter = new RecordingMeter();
    const clock = new FakeClock();
    const store = new MemoryStore({ clock });
    const notifier = opentelemetryNotifier({ meter: meter as unknown as Meter });
    const breaker = new CircuitBreaker('vapi:create_call', {
      store,
      clock,
      threshold: 1,
      coolOff: 5_000,
      notifiers: [notifier],
    });

    expect([...meter.instruments.keys()].sort()).toEqual([
      'breakwater.breaker.state',
      'breakwater.call.duration',
      'breakwater.calls',
      'breakwater.store.errors',
      'breakwater.transitions',
    ]);
    expect(meter.instruments.get('breakwater.call.duration')?.options).toMatchObject({ unit: 's' });

    await breaker.run(() => {
      clock.advance(250);
      return 'ok';
    });
    await breaker.run(() => Promise.reject(new Boom('502')), { fallback: () => null });
    await breaker.run(() => 'never', { fallback: () => null });

    const breakerName = 'vapi:create_call';
    expect(meter.sum('breakwater.calls', { breaker: breakerName, outcome: 'success' })).toBe(1);
    expect(meter.sum('breakwater.calls', { breaker: breakerName, outcome: 'failure' })).toBe(1);
    expect(meter.sum('breakwater.calls', { breaker: breakerName, outcome: 'refused' })).toBe(1);
    expect(meter.sum('breakwater.calls', { breaker: breakerName, outcome: 'fallback' })).toBe(2);
    expect(
      meter.sum('breakwater.transitions', { breaker: breakerName, from: 'closed', to: 'open' }),
    ).toBe(1);
    const durations = meter.instruments.get('breakwater.call.duration')?.points ?? [];
    expect(durations.map((point) => point.value)).toEqual([0.25, 0]);

    const states = await meter.observe('breakwater.breaker.state');
    expect(states.get(`${breakerName}|open`)).toBe(1);
    expect(states.get(`${breakerName}|closed`)).toBe(0);
    expect(states.get(`${breakerName}|half-open`)).toBe(0);

    await breaker.lock('closed');
    expect((await meter.observe('breakwater.breaker.state')).get(`${breakerName}|closed`)).toBe(1);
  });

  it('reads the state from the store when given one, and ignores unknown events', async () => {
    const meter = new RecordingMeter();
    const store = new MemoryStore();
    const notifier = opentelemetryNotifier({
      meter: meter as unknown as Meter,
      store,
      prefix: 'svc.',
    });
    await new CircuitBreaker('stripe:refund', { store, threshold: 1 })
      .run(() => Promise.reject(new Boom('x')))
      .catch(() => undefined);
    expect((await meter.observe('svc.breaker.state')).get('stripe:refund|open')).toBe(1);

    const at = new Date();
    notifier.notify({
      type: 'store-error',
      breaker: 'a',
      store: 'PostgresStore',
      error: new Error('x'),
      at,
    });
    notifier.notify({ type: 'brand-new', at } as unknown as BreakerEvent);
    expect(meter.sum('svc.store.errors', { store: 'PostgresStore' })).toBe(1);
  });

  it('checks its options', () => {
    expect(() => opentelemetryNotifier({ meter: {} as Meter })).toThrow(
      'meter must be an OpenTelemetry Meter, received an object',
    );
  });
});
