import type { Clock } from '../../clock.js';
import type { BreakerState } from '../../breaker/events.js';
import type {
  Admission,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  ErrorSummary,
  Outcome,
  RecordResult,
} from '../store.js';
import {
  admitClosed,
  admitClosedRecording,
  admitLockedClosed,
  nothing,
  refuseLockedOpen,
} from '../admissions.js';
import type { LocalState } from '../shared-store.js';
import type { RefusalCache } from '../refusal-cache.js';
import { RedisNotReadyError } from './redis-not-ready-error.js';
import { breakerKeys, indexKey } from './redis-keys.js';
import { runScript, type RedisCommands } from './run-script.js';
import { readSnapshot } from './read-snapshot.js';
import { admitScript, indexScript, namesScript, recordScript, snapshotScript } from './scripts.js';

const hour = 3_600_000;
const day = 24 * hour;

/** How often a process rewrites a breaker's entry in the name index while it uses the breaker. */
const indexRefresh = hour;

/** What {@link RedisScriptStore} needs from the store around it. */
export interface RedisScriptStoreOptions extends LocalState {
  readonly client: RedisCommands;
  readonly prefix: string;
  readonly clock: Clock;
}

/** A breaker's settings as the scripts take them, computed once per settings object. */
interface Encoded {
  readonly json: string;
  readonly ttl: number;
}

const refuseHalfOpen: Admission = Object.freeze({
  state: 'half-open',
  admitted: false,
  probe: false,
  recordSuccess: false,
});
const admitProbe: Admission = Object.freeze({
  state: 'half-open',
  admitted: true,
  probe: true,
  recordSuccess: true,
});

/** The transitions the record script reports, by its reply code. */
const transitions: Readonly<Record<number, readonly [BreakerState, BreakerState]>> = {
  1: ['closed', 'open'],
  2: ['half-open', 'open'],
  3: ['half-open', 'closed'],
};

/**
 * The Redis store without its fail-safe: every contract operation is one script call, one
 * command on the wire. {@link RedisStore} wraps it; use that.
 */
export class RedisScriptStore implements BreakerStore {
  readonly #client: RedisCommands;
  readonly #prefix: string;
  readonly #clock: Clock;
  readonly #refusals: RefusalCache | undefined;
  readonly #takeSuccesses: (name: string) => number;
  readonly #heldSuccesses: (name: string) => number;
  readonly #encoded = new WeakMap<BreakerSettings, Encoded>();
  /** Local epoch ms at which each name was last written to the index by this process. */
  readonly #indexed = new Map<string, number>();
  /** Whether the client has been seen ready; until then commands may wait for the first connect. */
  #connected = false;

  constructor(options: RedisScriptStoreOptions) {
    this.#client = options.client;
    this.#prefix = options.prefix;
    this.#clock = options.clock;
    this.#refusals = options.refusals;
    this.#takeSuccesses = options.takeSuccesses;
    this.#heldSuccesses = options.heldSuccesses;
    // Learn of the first connection from the client itself, not only from a call made while it
    // is ready: a call made while connecting must not leave the store believing it never was.
    if (this.#client.status === 'ready') this.#connected = true;
    else
      this.#client.once?.('ready', () => {
        this.#connected = true;
      });
  }

  async admit(name: string, settings: BreakerSettings): Promise<Admission> {
    this.#checkConnection();
    const keys = breakerKeys(this.#prefix, name);
    const encoded = this.#encode(settings);
    const reply = await runScript(
      this.#client,
      admitScript,
      [keys.state, keys.lock],
      [name, encoded.json, encoded.ttl, settings.errorRate, settings.probes, settings.probeTimeout],
    );

    const [kind, retryAt, lease, transitionAt, now, created] = replyOf(reply, 6).map(String);
    this.#index(name, encoded.ttl, created === '1');
    switch (kind) {
      case '1':
        return admitClosed;
      case '2':
        return admitClosedRecording;
      case '3':
        return admitLockedClosed;
      case '4':
        this.#refusals?.remember(name, refuseLockedOpen, Infinity);
        return refuseLockedOpen;
      case '5':
        return this.#refuseOpen(name, Number(retryAt), Number(now));
      case '6':
        return { ...refuseHalfOpen, retryAt: Number(retryAt) };
      case '7': {
        const at = Number(transitionAt);
        const transition = at > 0 ? ({ from: 'open', to: 'half-open', at } as const) : undefined;
        return { ...admitProbe, lease, transition };
      }

      default:
        throw new TypeError(`unexpected admit reply from Redis: ${kind}`);
    }
  }

  async record(name: string, settings: BreakerSettings, outcome: Outcome): Promise<RecordResult> {
    const counted = settings.errorRate > 0 ? this.#takeSuccesses(name) : 0;
    const error = outcome.kind === 'failure' ? outcome.error : undefined;
    return this.#record(name, settings, outcome.kind, outcome, error, counted);
  }

  /** Adds successes counted locally to a breaker's shared count, with no outcome of its own. */
  async addSuccesses(name: string, settings: BreakerSettings, count: number): Promise<void> {
    await this.#record(name, settings, 'none', undefined, undefined, count);
  }

  async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    this.#checkConnection(true);
    const keys = breakerKeys(this.#prefix, name);
    await Promise.all([this.#client.set(keys.lock, state), this.#list(name, 'lock')]);
  }

  async unlock(name: string): Promise<void> {
    this.#checkConnection(true);
    const keys = breakerKeys(this.#prefix, name);
    await Promise.all([this.#client.del(keys.lock), this.#list(name, 'unlock')]);
  }

  async snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    this.#checkConnection();
    const keys = breakerKeys(this.#prefix, name);
    const reply = await runScript(this.#client, snapshotScript, [keys.state, keys.lock], []);
    const held = (settings: BreakerSettings): number =>
      settings.errorRate > 0 ? this.#heldSuccesses(name) : 0;
    return readSnapshot(name, replyOf(reply, 3), held);
  }

  async names(): Promise<string[]> {
    this.#checkConnection();
    const reply = await runScript(this.#client, namesScript, [indexKey(this.#prefix)], []);
    if (!Array.isArray(reply)) throw new TypeError('unexpected names reply from Redis');
    return reply.map(String).sort();
  }

  async #record(
    name: string,
    settings: BreakerSettings,
    kind: Outcome['kind'] | 'none',
    outcome: Outcome | undefined,
    error: ErrorSummary | undefined,
    counted: number,
  ): Promise<RecordResult> {
    this.#checkConnection();
    const keys = breakerKeys(this.#prefix, name);
    const encoded = this.#encode(settings);
    const reply = await runScript(
      this.#client,
      recordScript,
      [keys.state, keys.lock],
      [
        kind,
        outcome?.probe === true ? 1 : 0,
        outcome?.lease ?? '',
        error === undefined ? '' : JSON.stringify(errorFields(error)),
        counted,
        settings.threshold,
        settings.window,
        settings.coolOff,
        settings.recoveryThreshold,
        settings.errorRate,
        settings.minimumCalls,
        encoded.ttl,
        name,
        encoded.json,
      ],
    );

    const [code, rawNow] = replyOf(reply, 2);
    const made = transitions[Number(code)];
    if (made === undefined) return nothing;

    const [from, to] = made;
    const at = Number(rawNow);
    if (to === 'open') this.#refuseOpen(name, at + settings.coolOff, at);
    return { transition: { from, to, at } };
  }

  /** A refusal of an open breaker, remembered by the refusal cache until `retryAt` at most. */
  #refuseOpen(name: string, retryAt: number, now: number): Admission {
    const refusal: Admission = {
      state: 'open',
      admitted: false,
      probe: false,
      retryAt,
      recordSuccess: false,
    };
    this.#refusals?.remember(name, refusal, retryAt - now);
    return refusal;
  }

  /**
   * Throws unless commands would go straight to the server. Before the client is first ready they
   * may wait for it (the fail-safe's timeout bounds the wait); once it was ready, a lost
   * connection fails the operation at once rather than queueing it to run late. An operator's
   * write (`strict`) is never queued: a lock refused with an error must not land later.
   */
  #checkConnection(strict = false): void {
    const status = this.#client.status;
    if (status === 'ready') {
      this.#connected = true;
      return;
    }

    if (strict || this.#connected || status === 'end') throw new RedisNotReadyError(status);
  }

  /**
   * Marks a name locked (never trimmed) or unlocked in the index. The lock key decides; a failed
   * index write only affects listings, so it does not fail the lock.
   */

  async #list(name: string, mode: 'lock' | 'unlock'): Promise<void> {
    // TODO(#3): a lock whose index write failed stays unlisted by names() until a process
    // refreshes the entry (hourly while the breaker is in use) or it is locked again; retrying
    // the write later would need a queue of pending index writes.
    const index = indexKey(this.#prefix);
    await runScript(this.#client, indexScript, [index], [name, mode, day]).catch(() => undefined);
  }

  /**
   * Adds the name to the fleet-wide index on this process's first call, then hourly, and whenever
   * an admission made the breaker's state key (`force`: the index may have been lost with it).
   * The write is not awaited and its failure is ignored (it is tried again on the next call): the
   * index serves only listings.
   */
  #index(name: string, ttl: number, force: boolean): void {
    const now = this.#clock.now();
    const last = this.#indexed.get(name);
    if (!force && last !== undefined && now - last < indexRefresh) return;
    if (this.#client.status !== 'ready') return;

    this.#indexed.set(name, now);
    runScript(this.#client, indexScript, [indexKey(this.#prefix)], [name, 'seen', ttl]).catch(
      () => {
        this.#indexed.delete(name);
      },
    );
  }

  #encode(settings: BreakerSettings): Encoded {
    let encoded = this.#encoded.get(settings);
    if (encoded === undefined) {
      encoded = { json: JSON.stringify(settingsFields(settings)), ttl: keyTtl(settings) };
      this.#encoded.set(settings, encoded);
    }

    return encoded;
  }
}

/**
 * The TTL of a breaker's state key: a day, or an hour more than its longest duration, so the key
 * outlives any cool-off, window or probe lease it holds.
 */
export function keyTtl(settings: BreakerSettings): number {
  const longest = Math.max(settings.coolOff, settings.window, settings.probeTimeout);
  return Math.ceil(Math.max(day, longest + hour));
}

function settingsFields(settings: BreakerSettings): BreakerSettings {
  return {
    threshold: settings.threshold,
    window: settings.window,
    coolOff: settings.coolOff,
    recoveryThreshold: settings.recoveryThreshold,
    errorRate: settings.errorRate,
    minimumCalls: settings.minimumCalls,
    probes: settings.probes,
    probeTimeout: settings.probeTimeout,
  };
}

function errorFields(error: ErrorSummary): ErrorSummary {
  return { name: error.name, message: error.message, at: error.at };
}

/** A script's reply as a list of `length` items; RESP2 and RESP3 both answer a Lua table so. */
function replyOf(reply: unknown, length: number): unknown[] {
  if (!Array.isArray(reply) || reply.length < length) {
    throw new TypeError('unexpected script reply from Redis');
  }

  return reply as unknown[];
}
