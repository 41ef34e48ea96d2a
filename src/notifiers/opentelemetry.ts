/**
 * OpenTelemetry metrics for breakers, through a `Meter` from `@opentelemetry/api` (an optional
 * peer dependency; this subpath, `breakwater/opentelemetry`, only uses the meter it is given).
 *
 * @packageDocumentation
 */
import type { Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { BreakerEvent, Notifier } from '../breaker/events.js';
import { checkOptions, show } from '../validation.js';
import {
  BreakerStates,
  checkMetricOptions,
  type MetricsNotifierOptions,
  durationBuckets,
  gaugeStates,
  metricHelp,
  readStoreStates,
} from './breaker-states.js';

/** Options of {@link opentelemetryNotifier}. */
export interface OpenTelemetryNotifierOptions extends MetricsNotifierOptions {
  /** The meter to make the instruments with, e.g. `metrics.getMeter('my-service')`. */
  readonly meter: Meter;
  /**
   * Put before every instrument name.
   * @default 'breakwater.'
   */
  readonly prefix?: string;
}

/** The defaults of {@link OpenTelemetryNotifierOptions}. */
export const opentelemetryDefaults = Object.freeze({
  prefix: 'breakwater.',
  buckets: durationBuckets,
});

/**
 * A notifier that records breakers' events through an OpenTelemetry meter, with the same
 * instruments as the Prometheus notifier:
 *
 * - `breakwater.breaker.state` observable gauge `{breaker, state}`: 1 for the current state,
 *   0 for the others;
 * - `breakwater.calls` counter `{breaker, outcome}`: `success`, `failure`, `refused`,
 *   `cancelled`, and also `fallback` for calls whose result came from the fallback;
 * - `breakwater.transitions` counter `{breaker, from, to}`;
 * - `breakwater.call.duration` histogram `{breaker}` in seconds, of calls that ran;
 * - `breakwater.store.errors` counter `{store}`.
 *
 * @throws {TypeError} when `meter` is not a meter or an option is invalid.
 *
 * @example
 * ```ts
 * import { metrics } from '@opentelemetry/api';
 * import { opentelemetryNotifier } from 'breakwater/opentelemetry';
 *
 * const notifier = opentelemetryNotifier({ meter: metrics.getMeter('checkout') });
 * const breaker = new CircuitBreaker('twilio:send_sms', { notifiers: [notifier] });
 * ```
 */
export function opentelemetryNotifier(options: OpenTelemetryNotifierOptions): Notifier {
  const checked = checkOptions('options', options);
  const meter = checked['meter'] as Meter | undefined;
  if (
    typeof meter !== 'object' ||
    meter === null ||
    typeof meter.createCounter !== 'function' ||
    typeof meter.createObservableGauge !== 'function'
  ) {
    throw new TypeError(`meter must be an OpenTelemetry Meter, received ${show(meter)}`);
  }

  const prefix = checked['prefix'] ?? opentelemetryDefaults.prefix;
  if (typeof prefix !== 'string' || !/^([a-zA-Z][a-zA-Z0-9_.-]*)?$/.test(prefix)) {
    throw new TypeError(`prefix must be a valid instrument name prefix, received ${show(prefix)}`);
  }

  const { buckets, store } = checkMetricOptions(checked, opentelemetryDefaults.buckets);

  const calls: Counter = meter.createCounter(`${prefix}calls`, {
    description: metricHelp.calls,
    unit: '{call}',
  });
  const transitions: Counter = meter.createCounter(`${prefix}transitions`, {
    description: metricHelp.transitions,
    unit: '{transition}',
  });
  const durations: Histogram = meter.createHistogram(`${prefix}call.duration`, {
    description: metricHelp.duration,
    unit: 's',
    advice: { explicitBucketBoundaries: buckets },
  });
  const storeErrors: Counter = meter.createCounter(`${prefix}store.errors`, {
    description: metricHelp.storeErrors,
    unit: '{outage}',
  });
  const gauge = meter.createObservableGauge(`${prefix}breaker.state`, {
    description: metricHelp.state,
  });

  const tracked = new BreakerStates();

  gauge.addCallback(async (result: ObservableResult) => {
    const current = store === undefined ? tracked.entries() : await readStoreStates(store);
    for (const [breaker, state] of current) {
      for (const candidate of gaugeStates) {
        result.observe(candidate === state ? 1 : 0, { breaker, state: candidate });
      }
    }
  });

  return {
    notify(event: BreakerEvent): void {
      tracked.apply(event);
      switch (event.type) {
        case 'call':
          calls.add(1, { breaker: event.breaker, outcome: event.outcome });
          if (event.fallback) calls.add(1, { breaker: event.breaker, outcome: 'fallback' });
          if (event.outcome === 'success' || event.outcome === 'failure') {
            durations.record(event.duration / 1000, { breaker: event.breaker });
          }
          break;
        case 'transition':
          transitions.add(1, { breaker: event.breaker, from: event.from, to: event.to });
          break;
        case 'store-error':
          storeErrors.add(1, { store: event.store });
          break;
        default:
          // Types this version does not know are ignored.
          break;
      }
    },
  };
}
