/**
 * Prometheus metrics for breakers, through prom-client (an optional peer dependency, loaded only
 * by this subpath: `breakwater/prometheus`).
 *
 * @packageDocumentation
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerEvent, BreakerState, Notifier } from '../breaker/events.js';
import type { BreakerStore } from '../stores/store.js';
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

/** Options of {@link prometheusNotifier}. */
export interface PrometheusNotifierOptions extends MetricsNotifierOptions {
  /** The prom-client registry to register the metrics in, e.g. prom-client's `register`. */
  readonly registry: Registry;
  /**
   * Put before every metric name.
   * @default 'breakwater_'
   */
  readonly prefix?: string;
}

/** The defaults of {@link PrometheusNotifierOptions}. */
export const prometheusDefaults = Object.freeze({
  prefix: 'breakwater_',
  buckets: durationBuckets,
});

/**
 * A notifier that exports breakers' events as Prometheus metrics:
 *
 * - `breakwater_breaker_state{breaker,state}` gauge: 1 for the current state, 0 for the others;
 * - `breakwater_calls_total{breaker,outcome}` counter: `success`, `failure`, `refused`,
 *   `cancelled`, and also `fallback` for calls whose result came from the fallback;
 * - `breakwater_transitions_total{breaker,from,to}` counter;
 * - `breakwater_call_duration_seconds{breaker}` histogram of calls that ran;
 * - `breakwater_store_errors_total{store}` counter of shared-store outages.
 *
 * Make one and give it to every breaker. Metrics already in the registry under the same names
 * are reused, so making a second notifier on the same registry does not throw.
 *
 * @throws {TypeError} when `registry` is not a prom-client registry or an option is invalid.
 *
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * import { prometheusNotifier } from 'breakwater/prometheus';
 *
 * const metrics = prometheusNotifier({ registry: register });
 * const breaker = new CircuitBreaker('stripe:create_charge', { notifiers: [metrics] });
 * ```
 */
export function prometheusNotifier(options: PrometheusNotifierOptions): Notifier {
  const checked = checkOptions('options', options);
  const registry = checked['registry'] as Registry | undefined;
  if (
    typeof registry !== 'object' ||
    registry === null ||
    typeof registry.getSingleMetric !== 'function'
  ) {
    throw new TypeError(`registry must be a prom-client Registry, received ${show(registry)}`);
  }

  const prefix = checked['prefix'] ?? prometheusDefaults.prefix;
  if (typeof prefix !== 'string' || !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(prefix)) {
    throw new TypeError(`prefix must be a valid metric name prefix, received ${show(prefix)}`);
  }

  const { buckets, store } = checkMetricOptions(checked, prometheusDefaults.buckets);
  const tracked = new BreakerStates();
  const registers = [registry];
  const reuse = <T>(name: string, make: () => T): T =>
    (registry.getSingleMetric(name) as T | undefined) ?? make();

  const stateGauge = reuse(
    `${prefix}breaker_state`,
    () =>
      new Gauge({
        name: `${prefix}breaker_state`,
        help: metricHelp.state,
        labelNames: ['breaker', 'state'] as const,
        registers,
        ...(store === undefined ? {} : { collect: () => readStates(store) }),
      }),
  );
  const calls = reuse(
    `${prefix}calls_total`,
    () =>
      new Counter({
        name: `${prefix}calls_total`,
        help: metricHelp.calls,
        labelNames: ['breaker', 'outcome'] as const,
        registers,
      }),
  );
  const transitions = reuse(
    `${prefix}transitions_total`,
    () =>
      new Counter({
        name: `${prefix}transitions_total`,
        help: metricHelp.transitions,
        labelNames: ['breaker', 'from', 'to'] as const,
        registers,
      }),
  );
  const durations = reuse(
    `${prefix}call_duration_seconds`,
    () =>
      new Histogram({
        name: `${prefix}call_duration_seconds`,
        help: metricHelp.duration,
        labelNames: ['breaker'] as const,
        buckets,
        registers,
      }),
  );
  const storeErrors = reuse(
    `${prefix}store_errors_total`,
    () =>
      new Counter({
        name: `${prefix}store_errors_total`,
        help: metricHelp.storeErrors,
        labelNames: ['store'] as const,
        registers,
      }),
  );

  // Children are cached: looking a label set up by its values costs more than the increment.
  const callChildren = new Map<string, Counter.Internal>();
  const durationChildren = new Map<string, Histogram.Internal<'breaker'>>();

  function setState(breaker: string, state: BreakerState): void {
    for (const candidate of gaugeStates) {
      stateGauge.set({ breaker, state: candidate }, candidate === state ? 1 : 0);
    }
  }

  // A store that does not answer keeps the last values; its outage shows in store_errors.
  async function readStates(from: BreakerStore): Promise<void> {
    for (const [name, state] of await readStoreStates(from)) setState(name, state);
  }

  function countCall(breaker: string, outcome: string): void {
    const key = `${breaker}\u0000${outcome}`;
    let child = callChildren.get(key);
    if (child === undefined) {
      child = calls.labels({ breaker, outcome });
      callChildren.set(key, child);
    }

    child.inc();
  }

  return {
    notify(event: BreakerEvent): void {
      const changed = tracked.apply(event);
      if (changed !== undefined && store === undefined) setState(event.breaker, changed);
      switch (event.type) {
        case 'call': {
          countCall(event.breaker, event.outcome);
          if (event.fallback) countCall(event.breaker, 'fallback');
          if (event.outcome === 'success' || event.outcome === 'failure') {
            let child = durationChildren.get(event.breaker);
            if (child === undefined) {
              child = durations.labels({ breaker: event.breaker });
              durationChildren.set(event.breaker, child);
            }

            child.observe(event.duration / 1000);
          }
          break;
        }
        case 'transition':
          transitions.inc({ breaker: event.breaker, from: event.from, to: event.to });
          break;
        case 'store-error':
          storeErrors.inc({ store: event.store });
          break;
        default:
          // Types this version does not know are ignored.
          break;
      }
    },
  };
}
