import type { Clock } from '../clock.js';
import type { BreakerSettings, BreakerStore } from '../stores/store.js';
import { checkDuration, checkFunction, checkInteger, checkOptions, show } from '../validation.js';
import type { Notifier } from './events.js';

/** An error class, as given to `trackedErrors` and `skippedErrors`. */
export type ErrorClass = abstract new (...args: never[]) => unknown;

/** Options of {@link CircuitBreaker}. Every duration is in milliseconds. */
export interface CircuitBreakerOptions {
  /**
   * Consecutive failures that open a closed breaker. Ignored when `errorRate` is given.
   * @default 3
   */
  readonly threshold?: number;
  /**
   * Milliseconds after which a failure stops counting. Required with `errorRate`.
   * @default undefined (failures count until a success)
   */
  readonly window?: number;
  /**
   * Milliseconds a breaker stays open before it lets a probe through.
   * @default 60000
   */
  readonly coolOff?: number;
  /**
   * Successful probes that close a half-open breaker.
   * @default 1
   */
  readonly recoveryThreshold?: number;
  /**
   * The failure share, in (0, 1], that opens the breaker once `minimumCalls` calls fell within
   * `window`. Replaces the `threshold` rule when given.
   * @default undefined
   */
  readonly errorRate?: number;
  /**
   * Calls within `window` before `errorRate` can trip.
   * @default 10
   */
  readonly minimumCalls?: number;
  /**
   * Probe calls admitted at once while half-open; the others are refused as if open.
   * @default 1
   */
  readonly probes?: number;
  /**
   * Milliseconds a probe slot stays claimed, so a crashed prober cannot hold it for ever.
   * @default 60000
   */
  readonly probeTimeout?: number;
  /**
   * Decides whether an error is a failure. Errors that are not are re-thrown untouched and count
   * as successes: they prove the dependency answered.
   * @default () => true
   */
  readonly isFailure?: (error: unknown) => boolean;
  /**
   * When given, only errors of these classes are failures.
   * @default undefined
   */
  readonly trackedErrors?: readonly ErrorClass[];
  /**
   * Errors of these classes are never failures.
   * @default []
   */
  readonly skippedErrors?: readonly ErrorClass[];
  /**
   * Where the breaker's state lives.
   * @default the process-wide MemoryStore (see `defaultStore()`)
   */
  readonly store?: BreakerStore;
  /**
   * Receive the breaker's transitions and other events.
   * @default []
   */
  readonly notifiers?: readonly Notifier[];
  /**
   * The clock the breaker reads; the store keeps its own.
   * @default systemClock
   */
  readonly clock?: Clock;
}

/** The defaults of {@link CircuitBreakerOptions}, in one place. */
export const breakerDefaults = Object.freeze({
  threshold: 3,
  coolOff: 60_000,
  recoveryThreshold: 1,
  minimumCalls: 10,
  probes: 1,
  probeTimeout: 60_000,
});

const known = new Set([
  'threshold',
  'window',
  'coolOff',
  'recoveryThreshold',
  'errorRate',
  'minimumCalls',
  'probes',
  'probeTimeout',
  'isFailure',
  'trackedErrors',
  'skippedErrors',
  'store',
  'notifiers',
  'clock',
]);

/** The checked options of one breaker. */
export interface ResolvedBreakerOptions {
  readonly settings: BreakerSettings;
  readonly isFailure: ((error: unknown) => boolean) | undefined;
  readonly trackedErrors: readonly ErrorClass[] | undefined;
  readonly skippedErrors: readonly ErrorClass[];
  readonly store: BreakerStore | undefined;
  readonly notifiers: readonly Notifier[];
  readonly clock: Clock | undefined;
}

const maxNameLength = 256;

/** Checks a breaker's name: a non-empty string of printable characters, 256 at most. */
export function checkBreakerName(name: unknown): string {
  if (typeof name !== 'string') {
    throw new TypeError(`name must be a string, received ${show(name)}`);
  }

  if (name.length === 0 || name.length > maxNameLength) {
    throw new RangeError(
      `name must be 1 to ${maxNameLength} characters long, received ${name.length} characters`,
    );
  }

  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new RangeError(`name must not contain control characters, received ${show(name)}`);
  }

  // A URL path segment of "." or ".." (even percent-encoded) is a relative step, so a breaker
  // so named could never be addressed in the admin API from a browser.
  if (name === '.' || name === '..') {
    throw new RangeError(`name must not be "." or "..", received ${show(name)}`);
  }

  return name;
}

/** Checks every option once, when the breaker is made. */
export function resolveBreakerOptions(input: unknown): ResolvedBreakerOptions {
  const options = checkOptions('options', input);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`options.${key} is not a breaker option`);
  }

  const value = (key: string): unknown => options[key];
  const has = (key: string): boolean => options[key] !== undefined;

  const errorRate = has('errorRate') ? checkErrorRate(value('errorRate')) : 0;
  const window = has('window') ? checkDuration('window', value('window'), 1) : 0;
  if (errorRate > 0 && window === 0) {
    throw new TypeError('window is required with errorRate, received undefined');
  }

  const settings: BreakerSettings = Object.freeze({
    threshold: has('threshold')
      ? checkInteger('threshold', value('threshold'), 1)
      : breakerDefaults.threshold,
    window,
    coolOff: has('coolOff') ? checkDuration('coolOff', value('coolOff')) : breakerDefaults.coolOff,
    recoveryThreshold: has('recoveryThreshold')
      ? checkInteger('recoveryThreshold', value('recoveryThreshold'), 1)
      : breakerDefaults.recoveryThreshold,
    errorRate,
    minimumCalls: has('minimumCalls')
      ? checkInteger('minimumCalls', value('minimumCalls'), 1)
      : breakerDefaults.minimumCalls,
    probes: has('probes') ? checkInteger('probes', value('probes'), 1) : breakerDefaults.probes,
    probeTimeout: has('probeTimeout')
      ? checkDuration('probeTimeout', value('probeTimeout'), 1)
      : breakerDefaults.probeTimeout,
  });

  return {
    settings,
    isFailure: has('isFailure')
      ? checkFunction<(error: unknown) => boolean>('isFailure', value('isFailure'))
      : undefined,
    trackedErrors: has('trackedErrors')
      ? checkErrorClasses('trackedErrors', value('trackedErrors'))
      : undefined,
    skippedErrors: has('skippedErrors')
      ? checkErrorClasses('skippedErrors', value('skippedErrors'))
      : [],
    store: has('store') ? checkStore(value('store')) : undefined,
    notifiers: has('notifiers') ? checkNotifiers(value('notifiers')) : [],
    clock: has('clock') ? checkClock(value('clock')) : undefined,
  };
}

function checkErrorRate(value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`errorRate must be a number, received ${show(value)}`);
  }

  if (!(value > 0 && value <= 1)) {
    throw new RangeError(`errorRate must be a fraction in (0, 1], received ${show(value)}`);
  }

  return value;
}

function checkErrorClasses(option: string, value: unknown): readonly ErrorClass[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${option} must be an array of error classes, received ${show(value)}`);
  }

  value.forEach((item: unknown, index) => checkFunction(`${option}[${index}]`, item));
  return Object.freeze([...(value as ErrorClass[])]);
}

const storeMethods = ['admit', 'record', 'lock', 'unlock', 'snapshot', 'names'] as const;

function checkStore(value: unknown): BreakerStore {
  const store = checkOptions('store', value);
  for (const method of storeMethods) {
    if (typeof store[method] !== 'function') {
      throw new TypeError(`store must implement ${method}(), received ${show(store[method])}`);
    }
  }

  return value as BreakerStore;
}

function checkNotifiers(value: unknown): readonly Notifier[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`notifiers must be an array, received ${show(value)}`);
  }

  value.forEach((item: unknown, index) => {
    const notifier = checkOptions(`notifiers[${index}]`, item);
    checkFunction(`notifiers[${index}].notify`, notifier['notify']);
  });
  return Object.freeze([...(value as Notifier[])]);
}

function checkClock(value: unknown): Clock {
  const clock = checkOptions('clock', value);
  for (const method of ['now', 'setTimeout', 'clearTimeout']) {
    checkFunction(`clock.${method}`, clock[method]);
  }

  return value as Clock;
}
