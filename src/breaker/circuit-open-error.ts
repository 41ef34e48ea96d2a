import { BreakwaterError } from '../breakwater-error.js';

const brand = Symbol.for('breakwater.circuit-open-error');

/** Why a breaker refused a call. */
export interface CircuitOpenErrorDetails {
  /** When a probe will next be let through; absent while the breaker is locked open. */
  readonly retryAt?: Date | undefined;
  /** The state that refused the call: `open`, or `half-open` when every probe slot was taken. */
  readonly state?: 'open' | 'half-open';
  /** True when an operator's lock holds the breaker open. */
  readonly locked?: boolean;
}

/**
 * Thrown (or handed to the fallback) when a breaker refuses a call without running it.
 *
 * Refusals are the hot path of an outage, so the breaker makes these without capturing a stack
 * trace (see {@link CircuitOpenError.refusal}); `message` and `stack` are computed when read.
 *
 * @example
 * ```ts
 * try {
 *   await breaker.run(() => sendSms());
 * } catch (error) {
 *   if (isCircuitOpenError(error)) console.log(`retry after ${error.retryAt?.toISOString()}`);
 * }
 * ```
 */
export class CircuitOpenError extends BreakwaterError {
  /** The name of the breaker that refused the call. */
  declare readonly breaker: string;
  /** When a probe will next be let through; absent while locked open. */
  declare readonly retryAt: Date | undefined;
  /** The state that refused the call. */
  declare readonly state: 'open' | 'half-open';
  /** True when an operator's lock holds the breaker open. */
  declare readonly locked: boolean;

  constructor(breaker: string, details: CircuitOpenErrorDetails = {}) {
    const state = details.state ?? 'open';
    const locked = details.locked ?? false;
    super('ERR_CIRCUIT_OPEN', describe({ breaker, retryAt: details.retryAt, state, locked }));
    assignFields(this, breaker, details.retryAt, state, locked);
  }

  /**
   * Makes a refusal error without running `Error`'s constructor, so no stack trace is captured.
   * `instanceof CircuitOpenError`, `isCircuitOpenError()` and every field work as usual.
   */
  static refusal(
    breaker: string,
    retryAt: Date | undefined,
    state: 'open' | 'half-open',
    locked: boolean,
  ): CircuitOpenError {
    return new (Refusal as unknown as RefusalConstructor)(breaker, retryAt, state, locked);
  }

  static {
    Refusal.prototype = this.prototype;
    const proto = this.prototype as unknown as Record<PropertyKey, unknown>;
    Object.defineProperty(proto, 'name', { value: 'CircuitOpenError', writable: true });
    Object.defineProperty(proto, 'code', { value: 'ERR_CIRCUIT_OPEN', writable: true });
    Object.defineProperty(proto, brand, { value: true });
    Object.defineProperty(proto, 'message', {
      configurable: true,
      get(this: CircuitOpenError) {
        return describe(this);
      },
    });
    Object.defineProperty(proto, 'stack', {
      configurable: true,
      get(this: CircuitOpenError) {
        return `${this.name}: ${describe(this)}\n    (a refusal carries no stack trace)`;
      },
      set(this: CircuitOpenError, value: unknown) {
        Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
      },
    });
  }
}

type RefusalConstructor = new (
  breaker: string,
  retryAt: Date | undefined,
  state: 'open' | 'half-open',
  locked: boolean,
) => CircuitOpenError;

/**
 * Builds refusals: objects whose prototype is `CircuitOpenError.prototype`, made without running
 * `Error`'s constructor. Why a plain constructor function rather than `Object.create(prototype)`:
 * V8 holds the shape of `Object.create` objects only while one of them is alive, so after every
 * garbage collection the compiled refusal path was thrown away and compiled again; a constructor
 * keeps its shape for good, and its instances get their four fields in place.
 */
function Refusal(
  this: CircuitOpenError,
  breaker: string,
  retryAt: Date | undefined,
  state: 'open' | 'half-open',
  locked: boolean,
): void {
  assignFields(this, breaker, retryAt, state, locked);
}

function assignFields(
  error: CircuitOpenError,
  breaker: string,
  retryAt: Date | undefined,
  state: 'open' | 'half-open',
  locked: boolean,
): void {
  const target = error as { -readonly [K in keyof CircuitOpenError]: CircuitOpenError[K] };
  target.breaker = breaker;
  target.retryAt = retryAt;
  target.state = state;
  target.locked = locked;
}

function describe(
  error: Pick<CircuitOpenError, 'breaker' | 'retryAt' | 'state' | 'locked'>,
): string {
  if (error.locked) return `breaker ${error.breaker} is locked open`;
  if (error.state === 'half-open') {
    return `breaker ${error.breaker} is half-open and its probe slots are taken`;
  }

  const when = error.retryAt === undefined ? '' : `; next probe at ${error.retryAt.toISOString()}`;
  return `breaker ${error.breaker} is open${when}`;
}

/** True when `value` is a {@link CircuitOpenError}, even one from another copy of the package. */
export function isCircuitOpenError(value: unknown): value is CircuitOpenError {
  return typeof value === 'object' && value !== null && brand in value;
}
