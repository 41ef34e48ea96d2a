import { performance } from 'node:perf_hooks';
import { systemClock, type Clock } from '../clock.js';
import { checkDuration, checkOptions, optionOr, show } from '../validation.js';
import { MemoryStore } from './memory-store.js';
import type {
  Admission,
  Awaitable,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  Outcome,
  RecordResult,
  StoreNotice,
} from './store.js';
import { StoreUnavailableError } from './store-unavailable-error.js';

/** Options of {@link FailSafeStore}. Durations are milliseconds. */
export interface FailSafeOptions {
  /**
   * The longest wait for one answer from the shared store before it counts as failed.
   * @default 500
   */
  readonly timeout?: number;
  /**
   * The first back-off after a failure before the shared store is tried again; it doubles on
   * each failed try up to `maxRetryInterval`.
   * @default 1000
   */
  readonly retryInterval?: number;
  /**
   * The longest back-off between two tries of a failed shared store.
   * @default 10000
   */
  readonly maxRetryInterval?: number;
  /**
   * The name the store has in `store-error` events and errors.
   * @default the shared store's class name
   */
  readonly label?: string;
  /** The clock the timeouts and back-offs read. @default systemClock */
  readonly clock?: Clock;
}

/** The defaults of {@link FailSafeOptions}. */
export const failSafeDefaults = Object.freeze({
  timeout: 500,
  retryInterval: 1_000,
  maxRetryInterval: 10_000,
});

/** Marks the lease of a probe admitted by the memory fallback, so its outcome goes back there. */
const localLease = 'local:';

/** A call to the shared store in flight; `deadline` is -1 once it settled. */
interface Pending {
  deadline: number;
  readonly reject: (error: unknown) => void;
  previous: Pending | undefined;
  next: Pending | undefined;
}

class StoreTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/**
 * Serves breakers from process memory while a shared store fails, so a store outage never fails
 * a guarded call. `RedisStore` and `PostgresStore` are built on it; wrap a store of your own the
 * same way.
 *
 * A failure is a rejection, a throw, or no answer within `timeout`. The first failure of an
 * outage comes back once as a `store-error` notice, which the breaker that met it reports through
 * its notifiers. While the store is down, calls go straight to memory (no waiting); after a
 * back-off, one call tries the store again. Locks, unlocks, listings and snapshots are not served
 * from memory: they throw {@link StoreUnavailableError}, so an operator's lock is never silently
 * lost.
 */
export class FailSafeStore implements BreakerStore {
  readonly #primary: BreakerStore;
  #fallback: MemoryStore;
  /**
   * What the shared store last said of each breaker it refused: open until `retryAt`, or locked
   * open. A breaker open in the shared store starts open in memory too, so an outage (or a
   * store too slow to answer under a stampede) does not let every call through at once.
   */
  readonly #lastOpen = new Map<string, { readonly retryAt: number; readonly locked: boolean }>();
  /** Breakers whose memory state was seeded from `#lastOpen` during this outage. */
  readonly #seeded = new Set<string>();
  readonly #clock: Clock;
  readonly #timeout: number;
  readonly #retryInterval: number;
  readonly #maxRetryInterval: number;
  readonly #label: string;
  #downSince: number | undefined;
  #nextTry = 0;
  #backOff = 0;
  #trying = false;
  /** A recovery noticed by an operator's call, to hand to the next breaker call. */
  #pendingNotice: StoreNotice | undefined;
  /** The calls in flight, oldest (earliest deadline) first. */
  #first: Pending | undefined;
  #last: Pending | undefined;
  /** The one timer of the calls in flight, while armed. */
  #timer: unknown;

  constructor(primary: BreakerStore, options: FailSafeOptions = {}) {
    const checked = checkOptions('options', options);
    if (typeof primary !== 'object' || primary === null) {
      throw new TypeError(`primary must be a store, received ${show(primary)}`);
    }

    this.#primary = primary;
    this.#clock = optionOr(checked, 'clock', systemClock) as Clock;
    this.#fallback = new MemoryStore({ clock: this.#clock });
    this.#timeout = checkDuration(
      'timeout',
      optionOr(checked, 'timeout', failSafeDefaults.timeout),
      1,
    );
    this.#retryInterval = checkDuration(
      'retryInterval',
      optionOr(checked, 'retryInterval', failSafeDefaults.retryInterval),
      1,
    );
    this.#maxRetryInterval = checkDuration(
      'maxRetryInterval',
      optionOr(checked, 'maxRetryInterval', failSafeDefaults.maxRetryInterval),
      this.#retryInterval,
    );
    const label = optionOr(checked, 'label', primary.constructor.name);
    if (typeof label !== 'string') {
      throw new TypeError(`label must be a string, received ${show(label)}`);
    }

    this.#label = label;
  }

  /** True while the shared store is failing and breakers are served from memory. */
  get degraded(): boolean {
    return this.#downSince !== undefined;
  }

  admit(name: string, settings: BreakerSettings): Awaitable<Admission> {
    const route = this.#route();
    if (route === 'memory') return this.#deliver(this.#admitLocally(name, settings));

    return this.#attempt(() => this.#primary.admit(name, settings)).then(
      (answer) => this.#withRecovery(this.#remember(name, answer), route),
      (error: unknown) => this.#withNotice(this.#admitLocally(name, settings), error),
    );
  }

  record(name: string, settings: BreakerSettings, outcome: Outcome): Awaitable<RecordResult> {
    if (outcome.lease?.startsWith(localLease) === true) {
      return this.#fallback.record(name, settings, {
        ...outcome,
        lease: outcome.lease.slice(localLease.length),
      });
    }

    // A lease from the shared store means nothing to memory, where the same id may exist.
    const local = { ...outcome, lease: undefined };
    const route = this.#route();
    if (route === 'memory') return this.#deliver(this.#fallback.record(name, settings, local));

    return this.#attempt(() => this.#primary.record(name, settings, outcome)).then(
      (answer) => this.#withRecovery(this.#rememberRecord(name, settings, answer), route),
      (error: unknown) => this.#withNotice(this.#fallback.record(name, settings, local), error),
    );
  }

  async lock(name: string, state: 'open' | 'closed'): Promise<void> {
    await this.#operate('lock', () => this.#primary.lock(name, state));
  }

  async unlock(name: string): Promise<void> {
    await this.#operate('unlock', () => this.#primary.unlock(name));
  }

  snapshot(name: string): Promise<BreakerSnapshot | undefined> {
    return this.#operate('snapshot', () => this.#primary.snapshot(name));
  }

  names(): Promise<string[]> {
    return this.#operate('names', () => this.#primary.names());
  }

  /** Keeps what a shared admission says of an open breaker, for the memory fallback. */
  #remember(name: string, answer: Admission): Admission {
    if (!answer.admitted && answer.state === 'open') {
      this.#lastOpen.set(name, {
        retryAt: answer.retryAt ?? Number.POSITIVE_INFINITY,
        locked: answer.locked === 'open',
      });
    } else if (answer.state === 'closed' && this.#lastOpen.size > 0) {
      // The common answer on the hot path; most of the time nothing is open to forget.
      this.#lastOpen.delete(name);
    }

    return answer;
  }

  #rememberRecord(name: string, settings: BreakerSettings, answer: RecordResult): RecordResult {
    const transition = answer.transition;
    if (transition?.to === 'open') {
      this.#lastOpen.set(name, { retryAt: transition.at + settings.coolOff, locked: false });
    } else if (transition?.to === 'closed') {
      this.#lastOpen.delete(name);
    }

    return answer;
  }

  #admitLocally(name: string, settings: BreakerSettings): Admission {
    const last = this.#lastOpen.get(name);
    if (last?.locked === true) {
      return { state: 'open', admitted: false, probe: false, locked: 'open', recordSuccess: false };
    }

    if (last !== undefined && !this.#seeded.has(name)) {
      // Open the memory breaker until the shared store's retryAt (at once half-open when that
      // has passed): one failure under a threshold of 1 with the remaining cool-off. A breaker
      // memory already moved on its own during this outage keeps its own state.
      this.#seeded.add(name);
      const coolOff = Math.max(0, Math.min(last.retryAt - this.#clock.now(), 2_147_483_647));
      if ((this.#fallback.snapshot(name)?.ruleState ?? 'closed') === 'closed') {
        this.#fallback.record(
          name,
          { ...settings, threshold: 1, errorRate: 0, window: 0, coolOff },
          { kind: 'failure', probe: false },
        );
      }
    }

    const answer = this.#fallback.admit(name, settings);
    if (answer.lease === undefined) return answer;
    return { ...answer, lease: localLease + answer.lease };
  }

  /**
   * Where this call goes: the shared store while it is up; while it is down, memory, except for
   * one trial call at a time once the back-off has passed.
   */
  #route(): 'shared' | 'trial' | 'memory' {
    if (this.#downSince === undefined) return 'shared';
    if (this.#trying || this.#clock.now() < this.#nextTry) return 'memory';

    this.#trying = true;
    return 'trial';
  }

  async #operate<T>(operation: string, call: () => Awaitable<T>): Promise<T> {
    const startedDown = this.#downSince !== undefined;
    try {
      const answer = await this.#attempt(call);
      // Only a call sent while the store was down proves it answers again.
      if (startedDown && this.#downSince !== undefined) {
        const notice = this.#recover();
        this.#pendingNotice = this.#pendingNotice?.type === 'store-error' ? undefined : notice;
      }

      return answer;
    } catch (error) {
      // An outage an operator's call met first is still reported once, by the next breaker call.
      if (this.#markDown())
        this.#pendingNotice = { type: 'store-error', store: this.#label, error };
      throw new StoreUnavailableError(this.#label, operation, { cause: error });
    }
  }

  /**
   * Calls the shared store, failing after `timeout` ms without an answer. The calls in flight
   * share one timer, set for the earliest deadline among them, rather than one timer each.
   */
  #attempt<T>(call: () => Awaitable<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending = this.#wait(reject);
      try {
        Promise.resolve(call()).then(
          (value) => {
            this.#settle(pending);
            resolve(value);
          },
          (error: unknown) => {
            this.#settle(pending);
            reject(error);
          },
        );
      } catch (error) {
        this.#settle(pending);
        reject(error);
      }
    });
  }

  /** Adds a call to the calls in flight; it fails at `now + timeout` unless settled first. */
  #wait(reject: (error: unknown) => void): Pending {
    const pending: Pending = {
      deadline: this.#elapsed() + this.#timeout,
      reject,
      previous: this.#last,
      next: undefined,
    };
    if (this.#last === undefined) this.#first = pending;
    else this.#last.next = pending;
    this.#last = pending;
    // The deadlines come in order, so an armed timer is due no later than this one.
    if (this.#timer === undefined) this.#arm(pending.deadline);
    return pending;
  }

  /** Removes a call from the calls in flight; the timer stays and finds nothing due. */
  #settle(pending: Pending): void {
    if (pending.deadline < 0) return;
    pending.deadline = -1;
    const { previous, next } = pending;
    if (previous === undefined) this.#first = next;
    else previous.next = next;
    if (next === undefined) this.#last = previous;
    else next.previous = previous;
    pending.previous = undefined;
    pending.next = undefined;
  }

  /**
   * The time the deadlines are measured in: the monotonic clock of the process with the system
   * clock, so a step of the wall clock neither fails calls early nor lets them wait past
   * `timeout`; the given clock's time otherwise.
   */
  #elapsed(): number {
    return this.#clock === systemClock ? performance.now() : this.#clock.now();
  }

  #arm(deadline: number): void {
    const delay = Math.min(this.#timeout, Math.max(0, deadline - this.#elapsed()));
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#expire(deadline);
    }, delay);
  }

  /** Fails every call in flight whose deadline has come, then arms the timer for the next. */
  #expire(due: number): void {
    // A timer may fire a little before the clock reads its due time; `due` is what it was set for.
    const now = Math.max(due, this.#elapsed());
    let first = this.#first;
    while (first !== undefined && first.deadline <= now) {
      this.#settle(first);
      first.reject(new StoreTimeoutError(this.#timeout));
      first = this.#first;
    }

    if (first !== undefined && this.#timer === undefined) this.#arm(first.deadline);
  }

  #withRecovery<T extends Admission | RecordResult>(answer: T, route: 'shared' | 'trial'): T {
    if (route === 'trial') this.#trying = false;

    // An answer to a call sent before the outage began proves little; only a trial ends it.
    if (route === 'trial' && this.#downSince !== undefined) {
      const notice = this.#recover();
      return notice === undefined ? answer : { ...answer, notice };
    }

    return this.#deliver(answer);
  }

  /** Attaches a notice an operator's call left for the next breaker call to report. */
  #deliver<T extends Admission | RecordResult>(answer: T): T {
    const pending = this.#pendingNotice;
    if (pending === undefined || answer.notice !== undefined) return answer;

    this.#pendingNotice = undefined;
    return { ...answer, notice: pending };
  }

  /**
   * Ends an outage and returns the notice that reports it; none when no breaker call ever
   * reported the outage itself (only operators' calls met it, and they got errors).
   */
  #recover(): StoreNotice | undefined {
    const downSince = this.#downSince ?? this.#clock.now();
    this.#downSince = undefined;
    this.#backOff = 0;
    // The next outage starts from what the shared store says then, not from this one's memory.
    this.#fallback = new MemoryStore({ clock: this.#clock });
    this.#seeded.clear();
    if (this.#pendingNotice?.type === 'store-error') {
      this.#pendingNotice = undefined;
      return undefined;
    }

    return { type: 'store-recovered', store: this.#label, downtime: this.#clock.now() - downSince };
  }

  #withNotice<T extends Admission | RecordResult>(answer: T, error: unknown): T {
    const first = this.#markDown();
    if (!first) return answer;
    return { ...answer, notice: { type: 'store-error', store: this.#label, error } };
  }

  /** Records a failure; true when it starts an outage. */
  #markDown(): boolean {
    const now = this.#clock.now();
    const first = this.#downSince === undefined;
    // Calls already in flight when the outage began fail too; they do not lengthen the back-off.
    if (!first && !this.#trying && now < this.#nextTry) return false;

    this.#trying = false;
    this.#backOff = first
      ? this.#retryInterval
      : Math.min(this.#maxRetryInterval, this.#backOff * 2);
    this.#nextTry = now + this.#backOff;
    if (first) {
      this.#downSince = now;
      this.#pendingNotice = undefined;
    }

    return first;
  }
}
