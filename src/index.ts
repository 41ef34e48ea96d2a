/**
 * Breakwater's core: circuit breakers, retry with backoff, the memory store and notifiers.
 * It has no runtime dependencies; shared stores and clients live behind their own subpaths.
 *
 * @packageDocumentation
 */
export { CircuitBreaker } from './breaker/circuit-breaker.js';
export type { CallContext, RunOptions } from './breaker/circuit-breaker.js';
export { breakerDefaults } from './breaker/options.js';
export type { CircuitBreakerOptions, ErrorClass } from './breaker/options.js';
export { CircuitOpenError, isCircuitOpenError } from './breaker/circuit-open-error.js';
export type { CircuitOpenErrorDetails } from './breaker/circuit-open-error.js';
export type {
  BreakerEvent,
  BreakerState,
  CallEvent,
  LockEvent,
  Notifier,
  StoreErrorEvent,
  StoreRecoveredEvent,
  TransitionEvent,
} from './breaker/events.js';
export { BreakwaterError, isBreakwaterError } from './breakwater-error.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export { loggerNotifier, describeEvent } from './notifiers/logger-notifier.js';
export type { Logger } from './notifiers/logger-notifier.js';
export { retry, retryDefaults } from './retry/retry.js';
export type { AttemptContext, RetryEvent, RetryOptions } from './retry/retry.js';
export { backoff, backoffDefaults } from './retry/backoff.js';
export type { BackoffOptions, Jitter } from './retry/backoff.js';
export { MemoryStore, defaultStore } from './stores/memory-store.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export type {
  Admission,
  Awaitable,
  BreakerSettings,
  BreakerSnapshot,
  BreakerStore,
  ErrorSummary,
  Outcome,
  RecordResult,
  StoreNotice,
  StoreTransition,
} from './stores/store.js';
export { FailSafeStore, failSafeDefaults } from './stores/fail-safe-store.js';
export type { FailSafeOptions } from './stores/fail-safe-store.js';
export { StoreUnavailableError } from './stores/store-unavailable-error.js';
