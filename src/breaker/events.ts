/** The three states of a breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A breaker moved from one state to another by its trip or recovery rule. */
export interface TransitionEvent {
  readonly type: 'transition';
  /** The breaker's name. */
  readonly breaker: string;
  readonly from: BreakerState;
  readonly to: BreakerState;
  /** The failure that caused the move, for `closed -> open` and `half-open -> open`. */
  readonly error?: unknown;
  readonly at: Date;
}

/** An operator locked a breaker open or closed (`state`), or unlocked it (`state: undefined`). */
export interface LockEvent {
  readonly type: 'lock';
  readonly breaker: string;
  readonly state: 'open' | 'closed' | undefined;
  readonly at: Date;
}

/**
 * A shared store stopped answering; the breaker is served from process memory until it answers
 * again. Reported once per outage per store, by the first breaker that met the outage.
 */
export interface StoreErrorEvent {
  readonly type: 'store-error';
  readonly breaker: string;
  /** The store's class name, e.g. `RedisStore`. */
  readonly store: string;
  readonly error: unknown;
  readonly at: Date;
}

/** A shared store answers again after an outage. */
export interface StoreRecoveredEvent {
  readonly type: 'store-recovered';
  readonly breaker: string;
  readonly store: string;
  /** How long the store was out, in milliseconds. */
  readonly downtime: number;
  readonly at: Date;
}

/**
 * One guarded call finished. `outcome` is how the breaker counted it: an error that is not a
 * failure counts as a `success`; a call the caller aborted is `cancelled`; a call the breaker
 * refused without running it is `refused`. `fallback` is true when the fallback supplied the
 * result.
 */
export interface CallEvent {
  readonly type: 'call';
  readonly breaker: string;
  readonly outcome: 'success' | 'failure' | 'refused' | 'cancelled';
  readonly fallback: boolean;
  /** Milliseconds from admission to outcome; 0 for a refusal. */
  readonly duration: number;
  readonly at: Date;
}

/**
 * Everything a breaker reports. Each event has a `type`; new types may be added in minor
 * versions, so a notifier must ignore types it does not know.
 */
export type BreakerEvent =
  TransitionEvent | CallEvent | LockEvent | StoreErrorEvent | StoreRecoveredEvent;

/**
 * Receives a breaker's events: a logger, metrics, anything a user plugs in.
 *
 * Called synchronously, in order, before the guarded call settles. A notifier that throws, or
 * returns a promise that rejects, never breaks the guarded call.
 */
export interface Notifier {
  notify(event: BreakerEvent): unknown;
}
