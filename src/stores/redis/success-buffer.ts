import type { Clock } from '../../clock.js';
import type { BreakerSettings } from '../store.js';

interface Pending {
  settings: BreakerSettings;
  count: number;
}

/** Sends `count` successes of breaker `name` to the shared store. */
export type SendSuccesses = (
  name: string,
  settings: BreakerSettings,
  count: number,
) => Promise<void>;

/**
 * Counts successes of closed error-rate breakers in this process, so their success path costs no
 * second round trip. The count rides along with the breaker's next recorded outcome, or is sent
 * by a timer at most `interval` ms after the first success it holds.
 */
export class SuccessBuffer {
  readonly #pending = new Map<string, Pending>();
  readonly #send: SendSuccesses;
  readonly #interval: number;
  readonly #clock: Clock;
  #timer: unknown;

  constructor(send: SendSuccesses, interval: number, clock: Clock) {
    this.#send = send;
    this.#interval = interval;
    this.#clock = clock;
  }

  add(name: string, settings: BreakerSettings): void {
    const pending = this.#pending.get(name);
    if (pending === undefined) {
      this.#pending.set(name, { settings, count: 1 });
    } else {
      pending.settings = settings;
      pending.count += 1;
    }

    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#interval);
  }

  /** Removes and returns the successes held for `name`, to be sent with its next outcome. */
  take(name: string): number {
    const pending = this.#pending.get(name);
    if (pending === undefined) return 0;

    this.#pending.delete(name);
    return pending.count;
  }

  /** The successes held for `name`, left in place. */
  peek(name: string): number {
    return this.#pending.get(name)?.count ?? 0;
  }

  /** Sends every count held now, one script call per breaker, all at once. */
  async flush(): Promise<void> {
    const entries = [...this.#pending];
    this.#pending.clear();
    await Promise.all(
      entries.map(([name, { settings, count }]) => this.#send(name, settings, count)),
    );
  }

  /** Stops the timer; counts held stay until {@link SuccessBuffer.flush}. */
  stop(): void {
    if (this.#timer === undefined) return;

    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
