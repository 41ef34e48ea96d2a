import { systemClock } from '../clock.js';
import { checkDuration, checkOptions } from '../validation.js';
import { nothing } from './admissions.js';
import { FailSafeStore, failSafeDefaults, type FailSafeOptions } from './fail-safe-store.js';
import { RefusalCache } from './refusal-cache.js';
import type {
  Admission,
  Awaitable,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  Outcome,
  RecordResult,
} from './store.js';
import { SuccessBuffer, type HeldSuccesses } from './success-buffer.js';

/** The defaults of the options every shared store has, beside those of the fail-safe. */
export const sharedStoreDefaults = Object.freeze({
  refusalCache: 0,
  flushInterval: 1_000,
});

/** The least value of each duration in {@link sharedStoreDefaults}. */
const sharedStoreMinimums = Object.freeze({
  refusalCache: 0,
  flushInterval: 1,
});

/** The options every shared store takes: the fail-safe's and those of {@link SharedStore}. */
const sharedOptions = [
  'timeout',
  'retryInterval',
  'maxRetryInterval',
  'refusalCache',
  'flushInterval',
] as const;

/** What a shared store keeps in this process, handed to the store under its fail-safe. */
export interface LocalState {
  /** Filled with what the shared store says of open breakers, when a refusal cache is on. */
  readonly refusals: RefusalCache | undefined;
  /** Takes the successes counted locally for a breaker, to send with its next outcome. */
  readonly takeSuccesses: (name: string) => number;
  /** The successes counted locally and not yet sent, for snapshots. */
  readonly heldSuccesses: (name: string) => number;
}

/**
 * The options of a {@link SharedStore}, checked by the public store except the fail-safe's.
 * Durations are milliseconds.
 */
export interface SharedStoreOptions<D extends BreakerStore> {
  /** The public store's class name, in `store-error` events and errors. */
  readonly label: string;
  /** The fail-safe's options as the user gave them; the fail-safe checks them. */
  readonly failSafe: {
    readonly timeout?: unknown;
    readonly retryInterval?: unknown;
    readonly maxRetryInterval?: unknown;
  };
  /** How long a refusal of an open breaker is remembered; `0` asks the shared store every time. */
  readonly refusalCache: number;
  /** The longest time a success of a closed error-rate breaker is held before it is sent. */
  readonly flushInterval: number;
  /** Makes the store without its fail-safe, given what this process keeps. */
  readonly connect: (local: LocalState) => D;
  /**
   * Sends successes held in this process through the store `connect` made; `degraded` tells
   * whether the fail-safe serves breakers from memory now.
   */
  readonly sendSuccesses: (
    direct: D,
    held: readonly HeldSuccesses[],
    degraded: boolean,
  ) => Promise<void>;
}

/**
 * Checks a shared store's options: a plain object that names only the options every shared store
 * takes and the store's `own`.
 * @throws {TypeError} naming the first option `label` does not take.
 */
export function checkStoreOptions(
  label: string,
  options: unknown,
  own: readonly string[],
): Record<string, unknown> {
  const checked = checkOptions('options', options);
  const known = new Set<string>([...own, ...sharedOptions]);
  for (const key of Object.keys(checked)) {
    if (!known.has(key)) throw new TypeError(`options.${key} is not a ${label} option`);
  }

  return checked;
}

/**
 * Checks the shared store option `key`, or takes its default when it is absent.
 * @throws {TypeError | RangeError} naming the option and showing the value received.
 */
export function checkSharedDuration(
  options: Readonly<Record<string, unknown>>,
  key: keyof typeof sharedStoreDefaults,
): number {
  return checkDuration(key, options[key] ?? sharedStoreDefaults[key], sharedStoreMinimums[key]);
}

/**
 * What `RedisStore` and `PostgresStore` do alike around the store that talks to their server: the
 * built-in fail-safe, the refusal cache, error-rate successes held in this process and sent in
 * batches, and `close()`.
 */
export abstract class SharedStore<D extends BreakerStore> implements BreakerStore {
  readonly #direct: D;
  readonly #failSafe: FailSafeStore;
  readonly #successes: SuccessBuffer;
  readonly #refusals: RefusalCache | undefined;
  readonly #timeout: number;

  constructor(options: SharedStoreOptions<D>) {
    const { refusalCache, sendSuccesses } = options;
    this.#refusals = refusalCache > 0 ? new RefusalCache(refusalCache, systemClock) : undefined;
    this.#successes = new SuccessBuffer(
      (held) => sendSuccesses(this.#direct, held, this.#failSafe.degraded),
      options.flushInterval,
      systemClock,
    );

    this.#direct = options.connect({
      refusals: this.#refusals,
      takeSuccesses: (name) => this.#successes.take(name),
      heldSuccesses: (name) => this.#successes.peek(name),
    });

    const failSafe: FailSafeOptions = {
      label: options.label,
      ...pick(options.failSafe, 'timeout'),
      ...pick(options.failSafe, 'retryInterval'),
      ...pick(options.failSafe, 'maxRetryInterval'),
    };

    this.#failSafe = new FailSafeStore(this.#direct, failSafe);
    this.#timeout = failSafe.timeout ?? failSafeDefaults.timeout;
  }

  /** True while the shared store is failing and breakers are served from process memory. */
  get degraded(): boolean {
    return this.#failSafe.degraded;
  }

  admit(name: string, settings: BreakerSettings): Awaitable<Admission> {
    return this.#refusals?.get(name) ?? this.#failSafe.admit(name, settings);
  }

  record(name: string, settings: BreakerSettings, outcome: Outcome): Awaitable<RecordResult> {
    // A success never trips a closed error-rate breaker, so it is only counted here, and sent
    // later with the breaker's next outcome or by the flush timer. Not while degraded: then each
    // outcome goes through the fail-safe, whose trial must reach the shared store.
    if (
      outcome.kind === 'success' &&
      !outcome.probe &&
      settings.errorRate > 0 &&
      !this.#failSafe.degraded
    ) {
      this.#successes.add(name, settings);
      return nothing;
    }

    return this.#failSafe.record(name, settings, outcome);
  }

  /** Locks through the fail-safe; this process's cached refusal is dropped before and after. */
  async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    this.#refusals?.forget(name);
    await this.#failSafe.lock(name, state);
    this.#refusals?.forget(name);
  }

  /** Unlocks through the fail-safe; this process's cached refusal is dropped before and after. */
  async unlock(name: string): Promise<void> {
    this.#refusals?.forget(name);
    await this.#failSafe.unlock(name);
    this.#refusals?.forget(name);
  }

  snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    return this.#failSafe.snapshot(name);
  }

  names(): Promise<string[]> {
    return this.#failSafe.names();
  }

  /**
   * Stops the flush timer and sends the successes held in this process, waiting at most `timeout`
   * ms. Never rejects: counts the shared store does not take are dropped.
   */
  async close(): Promise<void> {
    this.#successes.stop();
    let timer: unknown;
    const waited = new Promise<void>((resolve) => {
      timer = systemClock.setTimeout(resolve, this.#timeout);
    });
    await Promise.race([this.#successes.flush().catch(() => undefined), waited]);
    systemClock.clearTimeout(timer);
  }

  /** The store under the fail-safe, for operations of the public store's own. */
  protected get direct(): D {
    return this.#direct;
  }
}

/** The fail-safe option `key` when given; the fail-safe checks its value. */
function pick<K extends 'timeout' | 'retryInterval' | 'maxRetryInterval'>(
  options: Readonly<Partial<Record<K, unknown>>>,
  key: K,
): Partial<Record<K, number>> {
  return options[key] === undefined ? {} : ({ [key]: options[key] } as Record<K, number>);
}
