import type { Clock } from '../clock.js';
import type { BreakerSettings } from './store.js';

/** The successes of one breaker held in this process, with the settings it last ran with. */
export interface HeldSuccesses {
  readonly name: string;
  readonly settings: BreakerSettings;
  readonly count: number;
}

interface Pending {
  readonly name: string;
  settings: BreakerSettings;
  count: number;
}

/** Sends successes held in this process to the shared store; `held` is never empty. */
export type SendSuccesses = (held: readonly HeldSuccesses[]) => Promise<void>;

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
      this.#pending.set(name, { name, settings, count: 1 });
    } else {
      pending.settings = settings;
      pending.count += 1;
    }

    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      // A failed send loses its counts; the next outcome or flush carries on without them.
      this.flush().catch(() => undefined);
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

  /** Sends every count held now in one call of `send`; nothing when none is held. */
  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;

    const held = [...this.#pending.values()];
    this.#pending.clear();
    await this.#send(held);
  }

  /** Stops the timer; counts held stay until {@link SuccessBuffer.flush}. */
  stop(): void {
    if (this.#timer === undefined) return;

    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
