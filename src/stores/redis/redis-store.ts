import type { Cluster, Redis } from 'ioredis';
import { systemClock } from '../../clock.js';
import { checkDuration, checkOptions, show } from '../../validation.js';
import { FailSafeStore, failSafeDefaults, type FailSafeOptions } from '../fail-safe-store.js';
import type {
  Admission,
  Awaitable,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  Outcome,
  RecordResult,
} from '../store.js';
import { RedisScriptStore } from './redis-script-store.js';
import { RefusalCache } from './refusal-cache.js';
import type { RedisCommands } from './run-script.js';
import { SuccessBuffer } from './success-buffer.js';

/** Options of {@link RedisStore}. Durations are milliseconds. */
export interface RedisStoreOptions {
  /**
   * The ioredis client to send commands through: a `Redis` or a `Cluster` you already have. The
   * store never connects, configures or closes it.
   */
  readonly client: Redis | Cluster;
  /**
   * The start of every key the store writes, e.g. `breakwater:{twilio:send_sms}:state`.
   * @default 'breakwater'
   */
  readonly prefix?: string;
  /**
   * The longest wait for one answer from Redis before the call is served from process memory.
   * @default 500
   */
  readonly timeout?: number;
  /**
   * The first back-off after Redis failed before it is tried again; it doubles on each failed
   * try up to `maxRetryInterval`.
   * @default 1000
   */
  readonly retryInterval?: number;
  /**
   * The longest back-off between two tries of a failed Redis.
   * @default 10000
   */
  readonly maxRetryInterval?: number;
  /**
   * How long this process refuses calls to a breaker it knows is open without asking Redis; never
   * past the breaker's `retryAt`. `0` asks Redis every time.
   * @default 0
   */
  readonly refusalCache?: number;
  /**
   * The longest time a success of a closed error-rate breaker is held in this process before it
   * is added to the shared count. A recorded failure of the same breaker sends it sooner.
   * @default 1000
   */
  readonly flushInterval?: number;
}

/** The defaults of {@link RedisStoreOptions}, beside those of the fail-safe (`failSafeDefaults`). */
export const redisStoreDefaults = Object.freeze({
  prefix: 'breakwater',
  refusalCache: 0,
  flushInterval: 1_000,
});

const known = new Set([
  'client',
  'prefix',
  'timeout',
  'retryInterval',
  'maxRetryInterval',
  'refusalCache',
  'flushInterval',
]);

const nothing: RecordResult = Object.freeze({});

/**
 * Keeps breaker state in Redis, shared by every process and host that uses the same Redis and
 * prefix. Each decision is one Lua script call that reads the server's clock, so at most `probes`
 * calls test recovery at once across the fleet and each transition is reported by exactly one
 * process. Works with Redis Cluster: all keys of a breaker share one hash tag.
 *
 * The fail-safe is built in: when Redis fails or does not answer within `timeout`, breakers are
 * served from process memory, a `store-error` event is reported once, and Redis is tried again
 * after a back-off. Locks, unlocks, snapshots and listings throw `StoreUnavailableError` while
 * Redis is down.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { CircuitBreaker } from 'breakwater';
 * import { RedisStore } from 'breakwater/redis';
 *
 * const store = new RedisStore({ client: new Redis(process.env.REDIS_URL) });
 * const breaker = new CircuitBreaker('twilio:send_sms', { store });
 * ```
 */
export class RedisStore implements BreakerStore {
  readonly #direct: RedisScriptStore;
  readonly #failSafe: FailSafeStore;
  readonly #successes: SuccessBuffer;
  readonly #refusals: RefusalCache | undefined;
  readonly #timeout: number;

  /**
   * @throws {TypeError | RangeError} when an option is invalid; the message names it and shows the
   *   value received.
   */
  constructor(options: RedisStoreOptions) {
    const checked = checkOptions('options', options);
    for (const key of Object.keys(checked)) {
      if (!known.has(key)) throw new TypeError(`options.${key} is not a RedisStore option`);
    }

    const client = checkClient(checked['client']);
    const prefix = checkPrefix(checked['prefix'] ?? redisStoreDefaults.prefix);
    const refusalCache = checkDuration(
      'refusalCache',
      checked['refusalCache'] ?? redisStoreDefaults.refusalCache,
    );
    const flushInterval = checkDuration(
      'flushInterval',
      checked['flushInterval'] ?? redisStoreDefaults.flushInterval,
      1,
    );

    this.#refusals = refusalCache > 0 ? new RefusalCache(refusalCache, systemClock) : undefined;
    this.#successes = new SuccessBuffer(
      (name, settings, count) => this.#sendSuccesses(name, settings, count),
      flushInterval,
      systemClock,
    );

    this.#direct = new RedisScriptStore({
      client,
      prefix,
      clock: systemClock,
      refusals: this.#refusals,
      takeSuccesses: (name) => this.#successes.take(name),
      heldSuccesses: (name) => this.#successes.peek(name),
    });

    const failSafe: FailSafeOptions = {
      label: 'RedisStore',
      ...pick(checked, 'timeout'),
      ...pick(checked, 'retryInterval'),
      ...pick(checked, 'maxRetryInterval'),
    };
    this.#failSafe = new FailSafeStore(this.#direct, failSafe);
    this.#timeout = failSafe.timeout ?? failSafeDefaults.timeout;
  }

  /** True while Redis is failing and breakers are served from process memory. */
  get degraded(): boolean {
    return this.#failSafe.degraded;
  }

  admit(name: string, settings: BreakerSettings): Awaitable<Admission> {
    return this.#refusals?.get(name) ?? this.#failSafe.admit(name, settings);
  }

  record(name: string, settings: BreakerSettings, outcome: Outcome): Awaitable<RecordResult> {
    // A success never trips a closed breaker, so under the error-rate rule it is only counted
    // here, and sent later with the breaker's next outcome or by the flush timer.
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

  /**
   * Forces a breaker open or closed for every process, until {@link RedisStore.unlock}. The lock
   * has no TTL.
   * @throws {StoreUnavailableError} when Redis does not answer; nothing was changed.
   */
  async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    this.#refusals?.forget(name);
    await this.#failSafe.lock(name, state);
    this.#refusals?.forget(name);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer; nothing was changed. */
  async unlock(name: string): Promise<void> {
    this.#refusals?.forget(name);
    await this.#failSafe.unlock(name);
    this.#refusals?.forget(name);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer. */
  snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    return this.#failSafe.snapshot(name);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer. */
  names(): Promise<string[]> {
    return this.#failSafe.names();
  }

  /**
   * Stops the flush timer and sends the successes still counted in this process, waiting at most
   * `timeout` ms. The ioredis client stays open: it is yours.
   */
  async close(): Promise<void> {
    this.#successes.stop();
    let timer: unknown;
    const waited = new Promise<void>((resolve) => {
      timer = systemClock.setTimeout(resolve, this.#timeout);
    });
    await Promise.race([this.#successes.flush(), waited]);
    systemClock.clearTimeout(timer);
  }

  async #sendSuccesses(name: string, settings: BreakerSettings, count: number): Promise<void> {
    // Counts held when Redis went down are dropped: memory serves the breaker meanwhile.
    if (this.#failSafe.degraded) return;

    try {
      await this.#direct.addSuccesses(name, settings, count);
    } catch {
      // The next guarded call meets the same failure and reports it through the fail-safe.
    }
  }
}

/** The fail-safe option `key` when given; the fail-safe checks its value. */
function pick<K extends 'timeout' | 'retryInterval' | 'maxRetryInterval'>(
  options: Record<string, unknown>,
  key: K,
): Partial<Record<K, number>> {
  return options[key] === undefined ? {} : ({ [key]: options[key] } as Record<K, number>);
}

function checkClient(value: unknown): RedisCommands {
  const client = value as Partial<Record<keyof RedisCommands, unknown>> | null | undefined;
  if (
    typeof client !== 'object' ||
    client === null ||
    typeof client.evalsha !== 'function' ||
    typeof client.eval !== 'function'
  ) {
    throw new TypeError(`client must be an ioredis Redis or Cluster, received ${show(value)}`);
  }

  return client as RedisCommands;
}

function checkPrefix(value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`prefix must be a string, received ${show(value)}`);
  }

  if (value.length === 0 || /[{}]/.test(value)) {
    throw new RangeError(
      `prefix must be non-empty and hold no "{" or "}", received ${show(value)}`,
    );
  }

  return value;
}
