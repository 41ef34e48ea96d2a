import { systemClock, type Clock } from '../clock.js';
import type { BreakerState } from '../breaker/events.js';
import {
  admitClosed,
  admitClosedRecording,
  admitLockedClosed,
  nothing,
  refuseLockedOpen,
} from './admissions.js';
import type {
  Admission,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  ErrorSummary,
  Outcome,
  RecordResult,
  StoreTransition,
} from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The clock the rules read.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** Buckets the error-rate window is cut into; counts leave the window a bucket at a time. */
const BUCKETS = 10;

interface Bucket {
  index: number;
  calls: number;
  failures: number;
}

interface Lease {
  readonly id: string;
  readonly expires: number;
}

interface Entry {
  /** The rule state; `open` past its cool-off reads as `half-open` until a call moves it. */
  state: BreakerState;
  /** Consecutive failures (threshold rule without a window). */
  failures: number;
  /**
   * Times of the latest consecutive failures, at most `threshold` (threshold rule with a window).
   */
  failureTimes: number[] | undefined;
  /** Calls and failures in the window (error-rate rule). */
  buckets: Bucket[] | undefined;
  retryAt: number;
  successes: number;
  leases: Lease[] | undefined;
  locked: 'open' | 'closed' | undefined;
  lastError: ErrorSummary | undefined;
  changedAt: number | undefined;
  settings: BreakerSettings | undefined;
}

/**
 * Keeps breaker state in this process's memory: the default store. It answers synchronously, so
 * a guarded call through it costs no extra promise ticks.
 *
 * A closed breaker with nothing counted costs a handful of fields; with `errorRate` it also keeps
 * ten counters for its window. Names are kept for as long as the store lives.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const breaker = new CircuitBreaker('stripe:get_customer', { store });
 * ```
 */
export class MemoryStore implements BreakerStore {
  readonly #entries = new Map<string, Entry>();
  readonly #clock: Clock;
  #nextLease = 0;
  /**
   * The entry used last, and its name. Why: calls come in bursts through one breaker, and on the
   * hot path the map lookup was about 40% of the store's cost; entries are never removed, so the
   * remembered one is always current.
   */
  #lastName: string | undefined;
  #lastEntry: Entry | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  admit(name: string, settings: BreakerSettings): Admission {
    const entry = this.#entry(name);
    // Why the comparison: writing the same reference on every call is a needless store.
    if (entry.settings !== settings) entry.settings = settings;
    if (entry.locked === 'open') return refuseLockedOpen;
    if (entry.locked === 'closed') return admitLockedClosed;

    if (entry.state === 'closed') {
      return settings.errorRate > 0 || entry.failures > 0 || entry.failureTimes !== undefined
        ? admitClosedRecording
        : admitClosed;
    }

    const now = this.#clock.now();
    let transition: StoreTransition | undefined;
    if (entry.state === 'open') {
      if (now < entry.retryAt) {
        return {
          state: 'open',
          admitted: false,
          probe: false,
          retryAt: entry.retryAt,
          recordSuccess: false,
        };
      }

      entry.state = 'half-open';
      entry.successes = 0;
      entry.leases = [];
      entry.changedAt = now;
      transition = { from: 'open', to: 'half-open', at: now };
    }

    const leases = (entry.leases ?? []).filter((lease) => lease.expires > now);
    entry.leases = leases;
    if (leases.length >= settings.probes) {
      const retryAt = Math.min(...leases.map((lease) => lease.expires));
      return { state: 'half-open', admitted: false, probe: false, retryAt, recordSuccess: false };
    }

    const lease = { id: String(++this.#nextLease), expires: now + settings.probeTimeout };
    leases.push(lease);
    return {
      state: 'half-open',
      admitted: true,
      probe: true,
      lease: lease.id,
      recordSuccess: true,
      transition,
    };
  }

  record(name: string, settings: BreakerSettings, outcome: Outcome): RecordResult {
    const entry = this.#entry(name);
    if (outcome.kind === 'cancel') {
      if (outcome.probe) releaseLease(entry, outcome.lease);
      return nothing;
    }

    const now = this.#clock.now();
    if (outcome.kind === 'failure' && outcome.error !== undefined) entry.lastError = outcome.error;

    if (entry.state === 'closed') return this.#recordClosed(entry, settings, outcome, now);
    if (entry.state === 'open' || entry.locked !== undefined) return nothing;

    const heldLease = outcome.probe && releaseLease(entry, outcome.lease);
    if (!heldLease) return nothing;

    if (outcome.kind === 'failure') {
      this.#open(entry, settings, now);
      return { transition: { from: 'half-open', to: 'open', at: now } };
    }

    entry.successes += 1;
    if (entry.successes < settings.recoveryThreshold) return nothing;

    this.#close(entry, now);
    return { transition: { from: 'half-open', to: 'closed', at: now } };
  }

  lock(name: string, state: 'open' | 'closed'): void {
    this.#entry(name).locked = state;
  }

  unlock(name: string): void {
    const entry = this.#entries.get(name);
    if (entry !== undefined) entry.locked = undefined;
  }

  snapshot(name: string): BreakerSnapshot | undefined {
    const entry = this.#entries.get(name);
    if (entry === undefined) return undefined;

    const now = this.#clock.now();
    const ruleState: BreakerState =
      entry.state === 'open' && now >= entry.retryAt ? 'half-open' : entry.state;
    const settings = entry.settings;
    let failures = entry.failures;
    let calls = 0;
    if (entry.buckets !== undefined && settings !== undefined) {
      const counts = countWindow(entry.buckets, settings.window, now);
      failures = counts.failures;
      calls = counts.calls;
    } else if (entry.failureTimes !== undefined && settings !== undefined) {
      failures = entry.failureTimes.filter((time) => time > now - settings.window).length;
    }

    return {
      name,
      state: entry.locked ?? ruleState,
      ruleState,
      locked: entry.locked,
      failures,
      calls,
      lastError: entry.lastError,
      retryAt: entry.state === 'closed' ? undefined : entry.retryAt,
      changedAt: entry.changedAt,
      settings,
    };
  }

  names(): string[] {
    return [...this.#entries.keys()].sort();
  }

  #entry(name: string): Entry {
    if (name === this.#lastName && this.#lastEntry !== undefined) return this.#lastEntry;

    let entry = this.#entries.get(name);
    if (entry === undefined) {
      entry = {
        state: 'closed',
        failures: 0,
        failureTimes: undefined,
        buckets: undefined,
        retryAt: 0,
        successes: 0,
        leases: undefined,
        locked: undefined,
        lastError: undefined,
        changedAt: undefined,
        settings: undefined,
      };
      this.#entries.set(name, entry);
    }

    this.#lastName = name;
    this.#lastEntry = entry;
    return entry;
  }

  #recordClosed(
    entry: Entry,
    settings: BreakerSettings,
    outcome: Outcome,
    now: number,
  ): RecordResult {
    const failed = outcome.kind === 'failure';
    let trips: boolean;
    if (settings.errorRate > 0) {
      entry.failures = 0;
      entry.failureTimes = undefined;
      entry.buckets ??= [];
      const bucket = currentBucket(entry.buckets, settings.window, now);
      bucket.calls += 1;
      if (failed) bucket.failures += 1;
      const counts = countWindow(entry.buckets, settings.window, now);
      trips =
        failed &&
        counts.calls >= settings.minimumCalls &&
        counts.failures >= settings.errorRate * counts.calls;
    } else if (!failed) {
      entry.failures = 0;
      entry.failureTimes = undefined;
      entry.buckets = undefined;
      trips = false;
    } else if (settings.window > 0) {
      const times = (entry.failureTimes ?? []).filter((time) => time > now - settings.window);
      times.push(now);
      if (times.length > settings.threshold) times.shift();
      entry.failureTimes = times;
      entry.failures = 0;
      trips = times.length >= settings.threshold;
    } else {
      entry.failureTimes = undefined;
      entry.failures += 1;
      trips = entry.failures >= settings.threshold;
    }

    if (!trips || entry.locked !== undefined) return nothing;

    this.#open(entry, settings, now);
    return { transition: { from: 'closed', to: 'open', at: now } };
  }

  #open(entry: Entry, settings: BreakerSettings, now: number): void {
    entry.state = 'open';
    entry.retryAt = now + settings.coolOff;
    entry.changedAt = now;
    entry.failures = 0;
    entry.failureTimes = undefined;
    entry.buckets = undefined;
    entry.successes = 0;
    entry.leases = undefined;
  }

  #close(entry: Entry, now: number): void {
    entry.state = 'closed';
    entry.retryAt = 0;
    entry.changedAt = now;
    entry.successes = 0;
    entry.leases = undefined;
  }
}

function releaseLease(entry: Entry, id: string | undefined): boolean {
  const leases = entry.leases;
  if (leases === undefined || id === undefined) return false;

  const index = leases.findIndex((lease) => lease.id === id);
  if (index === -1) return false;

  leases.splice(index, 1);
  return true;
}

function currentBucket(buckets: Bucket[], window: number, now: number): Bucket {
  const index = Math.floor(now / (window / BUCKETS));
  const slot = index % BUCKETS;
  let bucket = buckets[slot];
  if (bucket === undefined) {
    bucket = { index, calls: 0, failures: 0 };
    buckets[slot] = bucket;
  } else if (bucket.index !== index) {
    bucket.index = index;
    bucket.calls = 0;
    bucket.failures = 0;
  }

  return bucket;
}

function countWindow(
  buckets: readonly (Bucket | undefined)[],
  window: number,
  now: number,
): { calls: number; failures: number } {
  const current = Math.floor(now / (window / BUCKETS));
  let calls = 0;
  let failures = 0;
  for (const bucket of buckets) {
    if (bucket === undefined || bucket.index <= current - BUCKETS) continue;
    calls += bucket.calls;
    failures += bucket.failures;
  }

  return { calls, failures };
}

let processStore: MemoryStore | undefined;

/**
 * The process-wide memory store that breakers use when they name no store, so two breakers with
 * the same name in one process share their state.
 */
export function defaultStore(): MemoryStore {
  processStore ??= new MemoryStore();
  return processStore;
}
