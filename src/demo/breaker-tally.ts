import type { BreakerState } from '../breaker/events.js';
import type { DemoEvent } from './demo-event.js';
import type { DemoRequest } from './demo-fakes.js';

/** What the summary shows of one breaker. */
export interface BreakerRow {
  readonly breaker: string;
  /** As the store holds it now; `undefined` before it was read. */
  readonly state: BreakerState | undefined;
  /** Guarded calls finished, whatever their outcome. */
  readonly calls: number;
  /** Calls that succeeded, an answered caller's mistake included. */
  readonly successes: number;
  /** Calls that failed in a way that counts toward opening the breaker. */
  readonly failures: number;
  /** Calls refused at once, without a request. */
  readonly refusals: number;
  /** Calls whose result came from the fallback (`null` for reads). */
  readonly fallbacks: number;
  /** HTTP requests that reached the fake vendor, retries included. */
  readonly requests: number;
  /** Of those, the ones answered 429. */
  readonly throttled: number;
  /** Of those, the ones answered with a scripted 5xx. */
  readonly serverErrors: number;
  /** Times the breaker opened (from closed or half-open). */
  readonly opened: number;
}

interface Counts {
  state: BreakerState | undefined;
  calls: number;
  successes: number;
  failures: number;
  refusals: number;
  fallbacks: number;
  requests: number;
  throttled: number;
  serverErrors: number;
  opened: number;
}

/**
 * Counts calls, outcomes and requests of the breakers it is given, in that order; events of other
 * breakers (a one-off call made while setting up) are not counted.
 */
export class BreakerTally {
  readonly #counts = new Map<string, Counts>();

  constructor(breakers: readonly string[]) {
    for (const breaker of breakers) {
      this.#counts.set(breaker, {
        state: undefined,
        calls: 0,
        successes: 0,
        failures: 0,
        refusals: 0,
        fallbacks: 0,
        requests: 0,
        throttled: 0,
        serverErrors: 0,
        opened: 0,
      });
    }
  }

  /** The breakers counted, in order. */
  get breakers(): string[] {
    return [...this.#counts.keys()];
  }

  /** Counts a call or an opening; other events change nothing. */
  addEvent(event: DemoEvent): void {
    if (event.type === 'log') return;

    const counts = this.#counts.get(event.breaker);
    if (counts === undefined) return;

    if (event.type === 'transition') {
      if (event.to === 'open') counts.opened += 1;
      return;
    }

    counts.calls += 1;
    if (event.outcome === 'success') counts.successes += 1;
    if (event.outcome === 'failure') counts.failures += 1;
    if (event.outcome === 'refused') counts.refusals += 1;
    if (event.fallback) counts.fallbacks += 1;
  }

  /** Counts a request that reached a fake. */
  addRequest(request: DemoRequest): void {
    const counts = this.#counts.get(request.breaker ?? '');
    if (counts === undefined) return;

    counts.requests += 1;
    if (request.faultStatus === 429) counts.throttled += 1;
    if ((request.faultStatus ?? 0) >= 500) counts.serverErrors += 1;
  }

  /** Sets a breaker's state as just read from the store. */
  setState(breaker: string, state: BreakerState): void {
    const counts = this.#counts.get(breaker);
    if (counts !== undefined) counts.state = state;
  }

  /** One row per breaker, in order. */
  rows(): BreakerRow[] {
    return [...this.#counts].map(([breaker, counts]) => ({ breaker, ...counts }));
  }
}
