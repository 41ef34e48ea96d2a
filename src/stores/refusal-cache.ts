import type { Clock } from '../clock.js';
import type { Admission } from './store.js';

interface CachedRefusal {
  readonly admission: Admission;
  /** Local epoch ms after which the refusal is asked of the shared store again. */
  readonly until: number;
}

/**
 * Remembers, for a short while, that a breaker is open, so calls are refused in this process
 * without a round trip. An entry never outlives the breaker's `retryAt`: the time left is taken
 * from the server's own clock in the same answer, so a skewed local clock does not stretch it.
 */
export class RefusalCache {
  readonly #entries = new Map<string, CachedRefusal>();
  readonly #ttl: number;
  readonly #clock: Clock;

  constructor(ttl: number, clock: Clock) {
    this.#ttl = ttl;
    this.#clock = clock;
  }

  /** The cached refusal of breaker `name`, if one is still fresh. */
  get(name: string): Admission | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;
    if (this.#clock.now() < entry.until) return entry.admission;

    this.#entries.delete(name);
    return undefined;
  }

  /** Caches a refusal for at most the cache's TTL, and never longer than `left` ms. */
  remember(name: string, admission: Admission, left: number): void {
    const ttl = Math.min(this.#ttl, left);
    if (ttl <= 0) return;

    this.#entries.set(name, { admission, until: this.#clock.now() + ttl });
  }

  forget(name: string): void {
    this.#entries.delete(name);
  }
}
