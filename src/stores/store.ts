import type { BreakerState } from '../breaker/events.js';

/** A value now, or a promise of it. The memory store answers synchronously. */
export type Awaitable<T> = T | Promise<T>;

/**
 * The rules a breaker runs with, as plain numbers a store can keep and evaluate atomically.
 * All durations are milliseconds.
 */
export interface BreakerSettings {
  /** Consecutive failures that open a closed breaker (unused when `errorRate` is set). */
  readonly threshold: number;
  /** Only failures (or, with `errorRate`, calls) this recent count; `0` means no window. */
  readonly window: number;
  /** How long the breaker stays open before it lets a probe through. */
  readonly coolOff: number;
  /** Successful probes that close a half-open breaker. */
  readonly recoveryThreshold: number;
  /** Failure share that opens the breaker; `0` means the `threshold` rule applies instead. */
  readonly errorRate: number;
  /** Calls within `window` needed before `errorRate` can trip. */
  readonly minimumCalls: number;
  /** Probe calls admitted at once while half-open. */
  readonly probes: number;
  /** How long a probe slot stays claimed before it is freed for another caller. */
  readonly probeTimeout: number;
}

/** A store's answer to "may this call go?". */
export interface Admission {
  /** The state the store acted on (a lock shows as the locked state). */
  readonly state: BreakerState;
  readonly admitted: boolean;
  /** True when the call was admitted as a half-open probe. */
  readonly probe: boolean;
  /** Identifies the probe slot, to be handed back with the outcome. */
  readonly lease?: string | undefined;
  /** For a refusal: epoch ms when a probe will next be let through (absent while locked). */
  readonly retryAt?: number | undefined;
  /** The operator's lock, if any. */
  readonly locked?: 'open' | 'closed' | undefined;
  /**
   * Whether a success must be recorded. A closed breaker with nothing counted answers false,
   * so its success path costs one store call. Failures are always recorded.
   */
  readonly recordSuccess: boolean;
  /** The transition this admission made (`open -> half-open`), to be reported once. */
  readonly transition?: StoreTransition | undefined;
  /** Set by a fail-safe store on the first failure of an outage, to be reported once. */
  readonly notice?: StoreNotice | undefined;
}

/** How a guarded call went. */
export interface Outcome {
  /** `cancel` is a call the caller aborted: neither a success nor a failure. */
  readonly kind: 'success' | 'failure' | 'cancel';
  /** The admission's `probe` flag. */
  readonly probe: boolean;
  /** The admission's `lease`. */
  readonly lease?: string | undefined;
  /** For a failure: its class and message, kept as the breaker's last error. */
  readonly error?: ErrorSummary | undefined;
}

/** A store's answer to "how did it go?". */
export interface RecordResult {
  readonly transition?: StoreTransition | undefined;
  readonly notice?: StoreNotice | undefined;
}

/** A transition made by a store operation. `at` is epoch ms by the store's clock. */
export interface StoreTransition {
  readonly from: BreakerState;
  readonly to: BreakerState;
  readonly at: number;
}

/** Something a fail-safe store asks the breaker to report through its notifiers. */
export type StoreNotice =
  | { readonly type: 'store-error'; readonly store: string; readonly error: unknown }
  | { readonly type: 'store-recovered'; readonly store: string; readonly downtime: number };

/** A failure's class and message; never the error object itself, which may hold secrets. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  /** Epoch ms. */
  readonly at: number;
}

/** What a store knows of one breaker, for `state()`, the admin page and the CLI. */
export interface BreakerSnapshot {
  readonly name: string;
  /**
   * The effective state: a lock shows as the locked state; an open breaker past its cool-off
   * reads `half-open`.
   */
  readonly state: BreakerState;
  /** The state the rules put it in, ignoring any lock. */
  readonly ruleState: BreakerState;
  readonly locked: 'open' | 'closed' | undefined;
  /** Failures counted toward the trip rule now. */
  readonly failures: number;
  /** With `errorRate`: calls counted in the window. */
  readonly calls: number;
  readonly lastError: ErrorSummary | undefined;
  /** Epoch ms of the next probe, while open. */
  readonly retryAt: number | undefined;
  /** Epoch ms of the last transition. */
  readonly changedAt: number | undefined;
  /** The settings the breaker was last run with, if it has run. */
  readonly settings: BreakerSettings | undefined;
}

/**
 * Where breaker state lives. A store decides every transition atomically, so that across all the
 * processes that share it at most `probes` calls test recovery at once, and each transition is
 * made (and so reported) by exactly one call.
 *
 * Every method may answer with a value or a promise.
 */
export interface BreakerStore {
  /** May this call go? Records the breaker's name and settings on first use. */
  admit(name: string, settings: BreakerSettings): Awaitable<Admission>;
  /** Records how an admitted call went and applies the trip or recovery rule. */
  record(name: string, settings: BreakerSettings, outcome: Outcome): Awaitable<RecordResult>;
  /** Forces a breaker open or closed until {@link BreakerStore.unlock}. */
  lock(name: string, state: 'open' | 'closed'): Awaitable<void>;
  unlock(name: string): Awaitable<void>;
  /** One breaker's state, or `undefined` when the store has never seen it. */
  snapshot(name: string): Awaitable<BreakerSnapshot | undefined>;
  /** Every breaker name the store knows, locked ones included, sorted. */
  names(): Awaitable<string[]>;
}
