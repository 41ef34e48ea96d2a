import { checkDuration, checkOptions, optionOr, show } from '../validation.js';

/** How much randomness spreads the delays: all of it, half of it, or none. */
export type Jitter = 'full' | 'equal' | 'none';

/** Options of {@link backoff}. Durations are milliseconds. */
export interface BackoffOptions {
  /**
   * The delay before the first retry, doubled for each retry after it.
   * @default 200
   */
  readonly baseDelay?: number;
  /**
   * The longest delay between two tries.
   * @default 5000
   */
  readonly maxDelay?: number;
  /**
   * `full`: a random delay up to the exponential one; `equal`: half of it plus a random half;
   * `none`: exactly the exponential delay.
   * @default 'full'
   */
  readonly jitter?: Jitter;
  /**
   * A source of numbers in [0, 1), for tests.
   * @default Math.random
   */
  readonly random?: () => number;
}

/** The defaults of {@link BackoffOptions}. */
export const backoffDefaults = Object.freeze({
  baseDelay: 200,
  maxDelay: 5_000,
  jitter: 'full',
});

/**
 * Returns the delay, in milliseconds, before retry number `retry` (1 for the first retry):
 * `baseDelay * 2^(retry - 1)`, capped at `maxDelay`, spread by `jitter`.
 *
 * @example
 * ```ts
 * const delay = backoff({ baseDelay: 100, maxDelay: 1_000, jitter: 'none' });
 * [1, 2, 3, 4, 5].map(delay); // [100, 200, 400, 800, 1000]
 * ```
 */
export function backoff(options: BackoffOptions = {}): (retry: number) => number {
  checkOptions('options', options);
  const baseDelay = checkDuration(
    'baseDelay',
    optionOr(options, 'baseDelay', backoffDefaults.baseDelay),
  );
  const maxDelay = checkDuration(
    'maxDelay',
    optionOr(options, 'maxDelay', backoffDefaults.maxDelay),
  );
  const jitter = optionOr(options, 'jitter', backoffDefaults.jitter);
  if (jitter !== 'full' && jitter !== 'equal' && jitter !== 'none') {
    throw new RangeError(`jitter must be "full", "equal" or "none", received ${show(jitter)}`);
  }

  const random = optionOr(options, 'random', Math.random) as () => number;
  if (typeof random !== 'function') {
    throw new TypeError(`random must be a function, received ${show(random)}`);
  }

  return (retry: number): number => {
    const exponential = Math.min(maxDelay, baseDelay * 2 ** Math.max(0, retry - 1));
    if (jitter === 'none') return exponential;
    if (jitter === 'equal') return exponential / 2 + random() * (exponential / 2);
    return random() * exponential;
  };
}
