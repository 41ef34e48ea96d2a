import type { Cluster, Redis } from 'ioredis';
import { systemClock } from '../../clock.js';
import { show } from '../../validation.js';
import {
  checkSharedDuration,
  checkStoreOptions,
  SharedStore,
  sharedStoreDefaults,
} from '../shared-store.js';
import type { BreakerSnapshot } from '../store.js';
import type { HeldSuccesses } from '../success-buffer.js';
import { RedisScriptStore } from './redis-script-store.js';
import type { RedisCommands } from './run-script.js';

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

/**
 * The defaults of {@link RedisStoreOptions}, beside those of the fail-safe (`failSafeDefaults`).
 */
export const redisStoreDefaults = Object.freeze({
  prefix: 'breakwater',
  ...sharedStoreDefaults,
});

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
export class RedisStore extends SharedStore<RedisScriptStore> {
  /**
   * @throws {TypeError | RangeError} when an option is invalid; the message names it and shows the
   *   value received.
   */
  constructor(options: RedisStoreOptions) {
    const checked = checkStoreOptions('RedisStore', options, ['client', 'prefix']);
    const client = checkClient(checked['client']);
    const prefix = checkPrefix(checked['prefix'] ?? redisStoreDefaults.prefix);
    const refusalCache = checkSharedDuration(checked, 'refusalCache');
    const flushInterval = checkSharedDuration(checked, 'flushInterval');

    super({
      label: 'RedisStore',
      failSafe: checked,
      refusalCache,
      flushInterval,
      connect: (local) => new RedisScriptStore({ client, prefix, clock: systemClock, ...local }),
      sendSuccesses,
    });
  }

  /** True while Redis is failing and breakers are served from process memory. */
  override get degraded(): boolean {
    return super.degraded;
  }

  /**
   * Forces a breaker open or closed for every process, until {@link RedisStore.unlock}. The lock
   * has no TTL.
   * @throws {StoreUnavailableError} when Redis does not answer; nothing was changed.
   */
  override lock(name: string, state: 'open' | 'closed'): Promise<void> {
    return super.lock(name, state);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer; nothing was changed. */
  override unlock(name: string): Promise<void> {
    return super.unlock(name);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer. */
  override snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    return super.snapshot(name);
  }

  /** @throws {StoreUnavailableError} when Redis does not answer. */
  override names(): Promise<string[]> {
    return super.names();
  }

  /**
   * Stops the flush timer and sends the successes still counted in this process, waiting at most
   * `timeout` ms. The ioredis client stays open: it is yours.
   */
  override close(): Promise<void> {
    return super.close();
  }
}

/**
 * Sends each breaker's held successes with its own script call, all at once. Counts held when
 * Redis went down are dropped: memory serves the breaker meanwhile.
 */
async function sendSuccesses(
  direct: RedisScriptStore,
  held: readonly HeldSuccesses[],
  degraded: boolean,
): Promise<void> {
  if (degraded) return;

  await Promise.all(
    held.map(({ name, settings, count }) =>
      direct.addSuccesses(name, settings, count).catch(() => {
        // The next guarded call meets the same failure and reports it through the fail-safe.
      }),
    ),
  );
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
