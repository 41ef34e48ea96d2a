import { systemClock, type Clock } from '../clock.js';
import { checkFunction, checkInteger, checkOptions, checkSignal, optionOr } from '../validation.js';
import { backoff, backoffDefaults, type BackoffOptions } from './backoff.js';
import { sleep } from './sleep.js';

/** What each try receives. */
export interface AttemptContext {
  /** 1 for the first try. */
  readonly attempt: number;
  readonly signal: AbortSignal | undefined;
}

/** What `onRetry` hears before each wait. */
export interface RetryEvent {
  readonly error: unknown;
  /** The try that just failed (1 for the first). */
  readonly attempt: number;
  /** Milliseconds until the next try. */
  readonly delay: number;
}

/** Options of {@link retry}. Durations are milliseconds. */
export interface RetryOptions extends BackoffOptions {
  /**
   * Tries in all, the first included.
   * @default 3
   */
  readonly attempts?: number;
  /**
   * Whether an error is worth another try.
   * @default () => true
   */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Stops the tries and any wait at once. */
  readonly signal?: AbortSignal | undefined;
  /** Hears each retry before its wait, e.g. to log it. */
  readonly onRetry?: (event: RetryEvent) => void;
  /**
   * The clock whose timers the waits use.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The defaults of {@link RetryOptions}. */
export const retryDefaults = Object.freeze({ attempts: 3 });

/**
 * Calls `fn` until it succeeds or `attempts` tries have failed, waiting an exponential backoff
 * with jitter between tries. An error with a numeric `retryAfter` (milliseconds) is waited for
 * at least that long; when that exceeds `maxDelay`, retrying stops and the error is thrown.
 * When the tries run out, the last error itself is thrown.
 *
 * @throws {TypeError | RangeError} when an option is invalid (as a rejection).
 * @example
 * ```ts
 * const body = await retry(({ signal }) => fetch(url, { signal }).then((r) => r.json()), {
 *   attempts: 3,
 *   baseDelay: 200,
 *   maxDelay: 5_000,
 * });
 * ```
 */
export async function retry<T>(
  fn: (context: AttemptContext) => T | PromiseLike<T>,
  options: RetryOptions = {},
): Promise<T> {
  checkFunction('fn', fn);
  const checked = checkOptions('options', options);
  const attempts = checkInteger(
    'attempts',
    optionOr(checked, 'attempts', retryDefaults.attempts),
    1,
  );
  const delayFor = backoff(options);
  const maxDelay = options.maxDelay ?? backoffDefaults.maxDelay;
  const shouldRetry =
    checked['shouldRetry'] === undefined
      ? undefined
      : checkFunction<NonNullable<RetryOptions['shouldRetry']>>(
          'shouldRetry',
          checked['shouldRetry'],
        );
  const onRetry =
    checked['onRetry'] === undefined
      ? undefined
      : checkFunction<NonNullable<RetryOptions['onRetry']>>('onRetry', checked['onRetry']);
  const signal = checkSignal('signal', checked['signal']);
  const clock = optionOr(checked, 'clock', systemClock) as Clock;

  for (let attempt = 1; ; attempt += 1) {
    if (isAborted(signal)) throw signal?.reason;

    try {
      return await fn({ attempt, signal });
    } catch (error) {
      if (attempt >= attempts || isAborted(signal)) throw error;
      if (shouldRetry !== undefined && !shouldRetry(error, attempt)) throw error;

      const retryAfter = retryAfterOf(error);
      if (retryAfter !== undefined && retryAfter > maxDelay) throw error;

      const delay = Math.max(delayFor(attempt), retryAfter ?? 0);
      onRetry?.({ error, attempt, delay });
      await sleep(delay, clock, signal);
    }
  }
}

/** The `retryAfter` an error carries, in milliseconds, if it is a valid one. */
function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;

  const value = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return undefined;
  return value;
}

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
