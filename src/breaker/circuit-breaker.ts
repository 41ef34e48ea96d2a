import { systemClock, type Clock } from '../clock.js';
import { defaultStore } from '../stores/memory-store.js';
import type {
  Admission,
  BreakerSettings,
  BreakerStore,
  ErrorSummary,
  RecordResult,
  StoreNotice,
  StoreTransition,
} from '../stores/store.js';
import { checkOptions, checkSignal, show } from '../validation.js';
import { CircuitOpenError } from './circuit-open-error.js';
import type { BreakerEvent, BreakerState, CallEvent, Notifier } from './events.js';
import {
  checkBreakerName,
  resolveBreakerOptions,
  type CircuitBreakerOptions,
  type ErrorClass,
} from './options.js';

/** What a guarded function receives. */
export interface CallContext {
  /** The caller's signal, if any; pass it on to `fetch` and the like. */
  readonly signal: AbortSignal | undefined;
}

/** Options of one guarded call. */
export interface RunOptions<F> {
  /**
   * Returns a value instead of throwing when the breaker refuses (a `CircuitOpenError`) or the
   * call fails (the failure). Never called for an error that is not a failure, nor on abort.
   */
  readonly fallback?: (reason: unknown) => F | Promise<F>;
  /** Aborts the call: an aborted signal refuses it; an abort mid-call rejects at once. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * A named guard around calls to one dependency or operation. It opens when the dependency fails,
 * refuses calls at once while open, lets a probe through after the cool-off, and closes again
 * when the probe succeeds. Its state lives in a store, so breakers of the same name share it.
 *
 * @example
 * ```ts
 * const breaker = new CircuitBreaker('vapi:create_assistant', { threshold: 1, coolOff: 60_000 });
 * const assistant = await breaker.run(() => createAssistant(config), { fallback: () => null });
 * ```
 */
export class CircuitBreaker {
  /** The breaker's name, e.g. `twilio:send_sms`. */
  readonly name: string;
  /** The checked rules this breaker runs with. */
  readonly settings: BreakerSettings;
  readonly #store: BreakerStore;
  readonly #notifiers: readonly Notifier[];
  readonly #clock: Clock;
  readonly #isFailure: ((error: unknown) => boolean) | undefined;
  readonly #tracked: readonly ErrorClass[] | undefined;
  readonly #skipped: readonly ErrorClass[];
  /** The hot path's failure handler, made once per breaker rather than once per call. */
  readonly #onPlainFailure: (error: unknown) => Promise<never>;

  /**
   * @throws {TypeError | RangeError} when the name or an option is invalid; the message names it
   *   and shows the value received.
   */
  constructor(name: string, options: CircuitBreakerOptions = {}) {
    this.name = checkBreakerName(name);
    const resolved = resolveBreakerOptions(options);
    this.settings = resolved.settings;
    this.#store = resolved.store ?? defaultStore();
    // Why: most breakers have no notifiers and skip no errors; sharing one empty list between
    // them keeps an idle breaker small.
    this.#notifiers = resolved.notifiers.length === 0 ? none : resolved.notifiers;
    this.#clock = resolved.clock ?? systemClock;
    this.#isFailure = resolved.isFailure;
    this.#tracked = resolved.trackedErrors;
    this.#skipped = resolved.skippedErrors.length === 0 ? none : resolved.skippedErrors;
    this.#onPlainFailure = this.#failPlain.bind(this);
  }

  /** The store this breaker keeps its state in. */
  get store(): BreakerStore {
    return this.#store;
  }

  /**
   * Runs `fn` if the breaker admits it. Resolves to its value, or to the fallback's value when
   * the breaker refuses or the call fails; otherwise rejects with the `CircuitOpenError` or the
   * call's own error, untouched.
   */
  run<T, F = T>(
    fn: (context: CallContext) => T | PromiseLike<T>,
    options?: RunOptions<F>,
  ): Promise<T | F> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`fn must be a function, received ${show(fn)}`));
    }

    let fallback: RunOptions<F>['fallback'];
    let signal: AbortSignal | undefined;
    if (options !== undefined) {
      try {
        const checked = checkOptions('run options', options);
        fallback = checked['fallback'] as RunOptions<F>['fallback'];
        if (fallback !== undefined && typeof fallback !== 'function') {
          throw new TypeError(`fallback must be a function, received ${show(fallback)}`);
        }

        signal = checkSignal('signal', checked['signal']);
      } catch (error) {
        return Promise.reject(error);
      }

      if (signal?.aborted === true) return Promise.reject(signal.reason as unknown);
    }

    let admission: Admission | Promise<Admission>;
    try {
      admission = this.#store.admit(this.name, this.settings);
    } catch (error) {
      return Promise.reject(error);
    }

    if (admission instanceof Promise) {
      return admission.then((answer) => this.#afterAdmission(answer, fn, fallback, signal));
    }

    return this.#afterAdmission(admission, fn, fallback, signal);
  }

  /** The breaker's state now, as the store holds it; a lock shows as the locked state. */
  async state(): Promise<BreakerState> {
    const snapshot = await this.#store.snapshot(this.name);
    return snapshot?.state ?? 'closed';
  }

  /** Forces the breaker open or closed for every process sharing its store, until unlocked. */
  async lock(state: 'open' | 'closed'): Promise<void> {
    if (state !== 'open' && state !== 'closed') {
      throw new TypeError(`state must be "open" or "closed", received ${show(state)}`);
    }

    await this.#store.lock(this.name, state);
    this.#emit({ type: 'lock', breaker: this.name, state, at: new Date(this.#clock.now()) });
  }

  /** Removes an operator's lock; the trip and recovery rules apply again. */
  async unlock(): Promise<void> {
    await this.#store.unlock(this.name);
    this.#emit({
      type: 'lock',
      breaker: this.name,
      state: undefined,
      at: new Date(this.#clock.now()),
    });
  }

  // Why each branch has its own method: this dispatch then stays small enough for the JIT to
  // inline it, with `#runPlain`, into `run`.
  #afterAdmission<T, F>(
    admission: Admission,
    fn: (context: CallContext) => T | PromiseLike<T>,
    fallback: RunOptions<F>['fallback'],
    signal: AbortSignal | undefined,
  ): Promise<T | F> {
    if (admission.notice !== undefined) this.#reportNotice(admission.notice);
    if (admission.transition !== undefined) this.#reportTransition(admission.transition);

    if (!admission.admitted) return this.#refuse(admission, fallback);
    if (
      fallback === undefined &&
      signal === undefined &&
      this.#notifiers.length === 0 &&
      !admission.recordSuccess &&
      !admission.probe &&
      admission.lease === undefined
    ) {
      return this.#runPlain(fn);
    }

    return this.#runGuarded(admission, fn, fallback, signal);
  }

  #refuse<F>(admission: Admission, fallback: RunOptions<F>['fallback']): Promise<F> {
    const retryAt = admission.retryAt === undefined ? undefined : new Date(admission.retryAt);
    const refusal = CircuitOpenError.refusal(
      this.name,
      retryAt,
      admission.state === 'half-open' ? 'half-open' : 'open',
      admission.locked === 'open',
    );
    this.#reportCall('refused', fallback !== undefined, 0);
    if (fallback === undefined) return rejectSoon(refusal);
    return this.#fallBack(fallback, refusal);
  }

  /**
   * The hot path: a closed breaker with nothing counted, no fallback, no signal and no notifiers.
   * Why: a success then needs no store write and no event, so the call's own promise is chained
   * once, with a failure handler made once per breaker instead of two closures per call; that
   * keeps a guarded call to one promise and one tick beyond `fn` itself.
   */
  #runPlain<T>(fn: (context: CallContext) => T | PromiseLike<T>): Promise<T> {
    let value: T | PromiseLike<T>;
    try {
      value = fn({ signal: undefined });
    } catch (error) {
      return this.#onPlainFailure(error);
    }

    // Only a native promise can be chained as is; `Promise.resolve` adopts anything else.
    if (value instanceof Promise && value.constructor === Promise) {
      return (value as Promise<T>).then(undefined, this.#onPlainFailure);
    }

    return Promise.resolve(value).then(undefined, this.#onPlainFailure);
  }

  #failPlain(error: unknown): Promise<never> {
    return this.#failed(plainAdmission, error, undefined, undefined, 0);
  }

  #runGuarded<T, F>(
    admission: Admission,
    fn: (context: CallContext) => T | PromiseLike<T>,
    fallback: RunOptions<F>['fallback'],
    signal: AbortSignal | undefined,
  ): Promise<T | F> {
    const started = this.#notifiers.length === 0 ? 0 : this.#clock.now();
    // The caller may have aborted while a shared store was deciding: the call must not run,
    // and a probe slot it claimed is handed back.
    if (signal?.aborted === true) {
      return this.#failed(admission, signal.reason, fallback, signal, started);
    }

    let pending: PromiseLike<T>;
    try {
      const value = fn({ signal });
      pending = isThenable(value) ? value : Promise.resolve(value);
    } catch (error) {
      pending = Promise.reject(error);
    }

    if (signal !== undefined) pending = abortable(pending, signal);

    return Promise.resolve(pending).then(
      (value) => this.#succeeded(admission, value, started),
      (error: unknown) => this.#failed(admission, error, fallback, signal, started),
    );
  }

  #succeeded<T>(admission: Admission, value: T, started: number): T | Promise<T> {
    if (!admission.recordSuccess) {
      this.#reportCall('success', false, started);
      return value;
    }

    const recorded = this.#record(admission, 'success', undefined);
    if (recorded instanceof Promise) {
      return recorded.then((result) => {
        this.#reportRecord(result, undefined);
        this.#reportCall('success', false, started);
        return value;
      });
    }

    this.#reportRecord(recorded, undefined);
    this.#reportCall('success', false, started);
    return value;
  }

  #failed<F>(
    admission: Admission,
    error: unknown,
    fallback: RunOptions<F>['fallback'],
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<F> {
    if (signal?.aborted === true && error === signal.reason) {
      const recorded = admission.probe ? this.#record(admission, 'cancel', undefined) : undefined;
      return this.#settle(recorded, undefined, () => {
        this.#reportCall('cancelled', false, started);
        throw error;
      });
    }

    if (!this.#isFailureError(error)) {
      const recorded = admission.recordSuccess
        ? this.#record(admission, 'success', undefined)
        : undefined;
      return this.#settle(recorded, undefined, () => {
        this.#reportCall('success', false, started);
        throw error;
      });
    }

    const recorded = this.#record(admission, 'failure', summarize(error, this.#clock.now()));
    return this.#settle(recorded, error, () => {
      this.#reportCall('failure', fallback !== undefined, started);
      if (fallback === undefined) throw error;
      return fallback(error);
    });
  }

  #reportCall(outcome: CallEvent['outcome'], fallback: boolean, started: number): void {
    if (this.#notifiers.length === 0) return;

    const now = this.#clock.now();
    this.#emit({
      type: 'call',
      breaker: this.name,
      outcome,
      fallback,
      duration: started === 0 ? 0 : now - started,
      at: new Date(now),
    });
  }

  /** Reports what a store call returned, then finishes the call with `then`. */
  async #settle<F>(
    recorded: RecordResult | Promise<RecordResult> | undefined,
    error: unknown,
    then: () => F | Promise<F>,
  ): Promise<F> {
    const result = recorded instanceof Promise ? await recorded : recorded;
    if (result !== undefined) this.#reportRecord(result, error);
    return then();
  }

  async #fallBack<F>(
    fallback: NonNullable<RunOptions<F>['fallback']>,
    reason: CircuitOpenError,
  ): Promise<F> {
    return fallback(reason);
  }

  #record(
    admission: Admission,
    kind: 'success' | 'failure' | 'cancel',
    error: ErrorSummary | undefined,
  ): RecordResult | Promise<RecordResult> {
    try {
      return this.#store.record(this.name, this.settings, {
        kind,
        probe: admission.probe,
        lease: admission.lease,
        error,
      });
    } catch {
      // A store that throws is the store's failure, never the call's: the fail-safe stores
      // never throw, and a custom store that does must not turn a success into an error.
      return {};
    }
  }

  #isFailureError(error: unknown): boolean {
    if (this.#skipped.some((type) => error instanceof (type as unknown as typeof Error))) {
      return false;
    }

    const tracked = this.#tracked;
    if (
      tracked !== undefined &&
      !tracked.some((type) => error instanceof (type as unknown as typeof Error))
    ) {
      return false;
    }

    if (this.#isFailure === undefined) return true;
    try {
      return this.#isFailure(error);
    } catch {
      return true;
    }
  }

  #reportRecord(result: RecordResult, error: unknown): void {
    if (result.notice !== undefined) this.#reportNotice(result.notice);
    if (result.transition !== undefined) this.#reportTransition(result.transition, error);
  }

  #reportTransition(transition: StoreTransition, error?: unknown): void {
    if (this.#notifiers.length === 0) return;

    const opening = transition.to === 'open';
    this.#emit({
      type: 'transition',
      breaker: this.name,
      from: transition.from,
      to: transition.to,
      ...(opening && error !== undefined ? { error } : {}),
      at: new Date(transition.at),
    });
  }

  #reportNotice(notice: StoreNotice): void {
    if (this.#notifiers.length === 0) return;

    const at = new Date(this.#clock.now());
    this.#emit(
      notice.type === 'store-error'
        ? { type: 'store-error', breaker: this.name, store: notice.store, error: notice.error, at }
        : {
            type: 'store-recovered',
            breaker: this.name,
            store: notice.store,
            downtime: notice.downtime,
            at,
          },
    );
  }

  #emit(event: BreakerEvent): void {
    for (const notifier of this.#notifiers) {
      try {
        const returned = notifier.notify(event);
        if (returned instanceof Promise) returned.catch(ignore);
      } catch {
        // A notifier that throws never breaks the guarded call.
      }
    }
  }
}

/** What the hot path hands to the failure path: admitted closed, nothing to record on success. */
const plainAdmission: Admission = Object.freeze({
  state: 'closed',
  admitted: true,
  probe: false,
  recordSuccess: false,
});

const none: readonly never[] = Object.freeze([]);

const settled = Promise.resolve();

/**
 * A promise that rejects with `reason` one microtask from now. Why not `Promise.reject`: Node
 * records every promise rejected while nothing handles it yet, and strikes it off again when the
 * caller's `await` attaches a moment later; that bookkeeping cost more than the rest of a refusal.
 * By the time this promise rejects, the caller is already waiting on it. Left unhandled, it is
 * still reported as an unhandled rejection, as before.
 */
function rejectSoon<T>(reason: unknown): Promise<T> {
  return new Promise<T>((_resolve, reject) => {
    void settled.then(() => {
      reject(reason);
    });
  });
}

function ignore(): void {
  // Deliberately empty: see CircuitBreaker#emit.
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Settles with `pending`, or rejects with the signal's reason as soon as it aborts. */
function abortable<T>(pending: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as unknown);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Keeps a failure's class and first line of message, never the object (which may hold secrets). */
export function summarize(error: unknown, at: number): ErrorSummary {
  if (error instanceof Error) {
    const message = error.message.split('\n', 1)[0] ?? '';
    return { name: error.name, message: message.slice(0, 500), at };
  }

  let message: string;
  try {
    message = String(error);
  } catch {
    message = 'unprintable value';
  }

  return { name: typeof error, message: message.slice(0, 500), at };
}
