import type { CircuitBreakerOptions } from '../breaker/options.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../notifiers/logger-notifier.js';
import type { Jitter } from '../retry/backoff.js';
import type { BreakerStore } from '../stores/store.js';

/**
 * Breaker options of a client, applied to each of its per-operation breakers. What counts as a
 * failure is the client's to decide (see `isServiceFailure`), and the store and clock are
 * client-wide options.
 */
export type ClientBreakerOptions = Omit<
  CircuitBreakerOptions,
  'isFailure' | 'trackedErrors' | 'skippedErrors' | 'store' | 'clock'
>;

/** Retry options of a client; the retry runs inside the breaker. Durations are milliseconds. */
export interface ClientRetryOptions {
  /**
   * Tries in all, the first included. `1` turns retries off.
   * @default 3
   */
  readonly attempts?: number;
  /**
   * The delay before the first retry, doubled for each retry after it.
   * @default 200
   */
  readonly baseDelay?: number;
  /**
   * The longest delay between two tries. A `Retry-After` longer than this makes the call give up
   * at once with the 429 `ApiError`, rather than hold the caller.
   * @default 5000
   */
  readonly maxDelay?: number;
  /**
   * How randomness spreads the delays.
   * @default 'full'
   */
  readonly jitter?: Jitter;
}

/** The options every client shares. Durations are milliseconds. */
export interface CommonClientOptions {
  /**
   * Options of each operation's breaker, named `vendor:operation`.
   * @default { threshold: 1, coolOff: 60000 }
   */
  readonly breaker?: ClientBreakerOptions;
  /**
   * How each operation is retried, where it may be at all.
   * @default { attempts: 3, baseDelay: 200, maxDelay: 5000, jitter: 'full' }
   */
  readonly retry?: ClientRetryOptions;
  /**
   * Where the breakers keep their state, e.g. a `RedisStore` shared by every process.
   * @default the process-wide MemoryStore
   */
  readonly store?: BreakerStore;
  /**
   * Where breaker state changes are logged, one line each; `false` logs nothing. Any logger with
   * `warn` and `info` works (console, pino, winston).
   * @default console
   */
  readonly logger?: Logger | false;
  /**
   * Milliseconds one attempt may take, reading the whole body included.
   * @default 10000
   */
  readonly timeout?: number;
  /**
   * The `fetch` to send requests with.
   * @default globalThis.fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * The clock of retry waits and breakers. Per-attempt timeouts race real sockets, so they
   * always use real time.
   * @default systemClock
   */
  readonly clock?: Clock;
  /**
   * The most bytes of a response body that are read; a longer success body is an error, a longer
   * error body is cut.
   * @default 1048576
   */
  readonly maxResponseBytes?: number;
}

const fullJitter: Jitter = 'full';

/** The defaults of {@link CommonClientOptions}. */
export const clientDefaults = Object.freeze({
  breaker: Object.freeze({ threshold: 1, coolOff: 60_000 }),
  retry: Object.freeze({ attempts: 3, baseDelay: 200, maxDelay: 5_000, jitter: fullJitter }),
  timeout: 10_000,
  maxResponseBytes: 1_048_576,
});
