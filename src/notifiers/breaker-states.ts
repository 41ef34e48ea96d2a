import type { BreakerEvent, BreakerState } from '../breaker/events.js';
import type { BreakerStore } from '../stores/store.js';
import { show } from '../validation.js';

/** Every state a state gauge reports, 1 for the current one and 0 for the others. */
export const gaugeStates: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/** What each metric means, in the words both metrics notifiers publish. */
export const metricHelp = Object.freeze({
  state:
    'Breaker state: 1 for the state it is in (a lock shows as the locked state), ' +
    '0 for the others.',
  calls: 'Guarded calls by outcome; calls answered by their fallback also count as "fallback".',
  transitions: 'Breaker state transitions made by this process.',
  duration: 'Duration of guarded calls that ran (successes and failures), in seconds.',
  storeErrors: 'Outages of a shared breaker store met by this process.',
});

/** The default histogram buckets of call durations, in seconds. */
export const durationBuckets: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]);

/** The options both metrics notifiers take. */
export interface MetricsNotifierOptions {
  /**
   * Histogram buckets of the call duration, in seconds.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
   */
  readonly buckets?: readonly number[];
  /**
   * Reads the state gauge from this store whenever metrics are collected, so it shows breakers
   * whose transitions other processes made. Without it the gauge follows this process's events.
   * @default undefined
   */
  readonly store?: BreakerStore;
}

/** Checks the options both metrics notifiers share: `buckets` and `store`. */
export function checkMetricOptions(
  checked: Readonly<Record<string, unknown>>,
  defaultBuckets: readonly number[],
): { buckets: number[]; store: BreakerStore | undefined } {
  const buckets = checked['buckets'] ?? defaultBuckets;
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    !buckets.every((bucket) => typeof bucket === 'number' && bucket > 0)
  ) {
    throw new TypeError(`buckets must be an array of positive numbers, received ${show(buckets)}`);
  }

  const store = checked['store'] as BreakerStore | undefined;
  if (store !== undefined && (typeof store !== 'object' || typeof store.names !== 'function')) {
    throw new TypeError(`store must be a breaker store, received ${show(store)}`);
  }

  return { buckets: [...(buckets as number[])], store };
}

/** Every breaker's state as the store holds it; nothing when the store does not answer. */
export async function readStoreStates(store: BreakerStore): Promise<[string, BreakerState][]> {
  try {
    const names = await store.names();
    const snapshots = await Promise.all(names.map(async (name) => store.snapshot(name)));
    return snapshots.flatMap((snapshot) =>
      snapshot === undefined ? [] : [[snapshot.name, snapshot.state] as [string, BreakerState]],
    );
  } catch {
    // A store that does not answer reports nothing this time; its outage shows as a store error.
    return [];
  }
}

interface Tracked {
  rule: BreakerState;
  locked: 'open' | 'closed' | undefined;
}

/**
 * Follows each breaker's state from this process's events, for a state gauge without a store:
 * transitions and locks set it; a refusal from a breaker this process saw closed means another
 * process opened it.
 */
export class BreakerStates {
  readonly #tracked = new Map<string, Tracked>();

  /** Applies an event; returns the breaker's state when it is new or changed, else undefined. */
  apply(event: BreakerEvent): BreakerState | undefined {
    if (event.type !== 'call' && event.type !== 'transition' && event.type !== 'lock') {
      return undefined;
    }

    let entry = this.#tracked.get(event.breaker);
    const known = entry !== undefined;
    entry ??= { rule: 'closed', locked: undefined };
    this.#tracked.set(event.breaker, entry);
    const before = entry.locked ?? entry.rule;
    if (event.type === 'transition') entry.rule = event.to;
    else if (event.type === 'lock') entry.locked = event.state;
    else if (event.outcome === 'refused' && entry.rule === 'closed') entry.rule = 'open';

    const after = entry.locked ?? entry.rule;
    return !known || before !== after ? after : undefined;
  }

  /** Every followed breaker and its state. */
  *entries(): Iterable<[string, BreakerState]> {
    for (const [name, entry] of this.#tracked) yield [name, entry.locked ?? entry.rule];
  }
}
