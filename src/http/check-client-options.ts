import type { Notifier } from '../breaker/events.js';
import { resolveBreakerOptions, type CircuitBreakerOptions } from '../breaker/options.js';
import type { Clock } from '../clock.js';
import { loggerNotifier } from '../notifiers/logger-notifier.js';
import { backoff } from '../retry/backoff.js';
import { checkDuration, checkInteger, checkOptions, show } from '../validation.js';
import { isServiceFailure } from './api-error.js';
import {
  clientDefaults,
  type ClientRetryOptions,
  type CommonClientOptions,
} from './client-options.js';

/** Checks a vendor's short name: lower-case letters, digits, `-` and `_`, 40 at most. */
export function checkVendor(value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`vendor must be a string, received ${show(value)}`);
  }

  if (!/^[a-z][a-z0-9_-]{0,39}$/.test(value)) {
    throw new RangeError(
      `vendor must be 1 to 40 lower-case letters, digits, "-" or "_", received ${show(value)}`,
    );
  }

  return value;
}

/**
 * Checks a base URL and keeps its origin: scheme, host and port. A path, a query or credentials
 * are refused, as the client adds the vendor's paths itself.
 */
export function checkBaseUrl(value: unknown, option = 'baseUrl'): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${show(value)}`);
  }

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`${option} must be an absolute URL, received ${show(value)}`);
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`${option} must be an http: or https: URL, received ${show(value)}`);
  }

  if (url.username !== '' || url.password !== '') {
    throw new RangeError(`${option} must not hold credentials (value hidden)`);
  }

  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new RangeError(
      `${option} must be scheme, host and port only, with no path, received ${show(value)}`,
    );
  }

  return url.origin;
}

/** Checks the list of secrets to redact; never shows them. */
export function checkSecrets(value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError('secrets must be an array of strings (values hidden)');
  }

  return value;
}

/** Checks the headers sent with every request; never shows their values. */
export function checkHeaders(value: unknown): Readonly<Record<string, string>> {
  const headers = checkOptions('headers', value);
  for (const [name, item] of Object.entries(headers)) {
    if (typeof item !== 'string') {
      throw new TypeError(`headers.${name} must be a string (value hidden)`);
    }
  }

  return headers as Record<string, string>;
}

/** Checks the names of the headers that may hold a request id. */
export function checkHeaderNames(value: unknown): readonly string[] {
  if (value === undefined) return ['request-id', 'twilio-request-id', 'x-request-id'];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new TypeError(`requestIdHeaders must be an array of strings, received ${show(value)}`);
  }

  return Object.freeze([...value]);
}

/** Checks a client's retry options and fills in the defaults. */
export function checkRetry(value: unknown): Required<ClientRetryOptions> {
  const options = checkOptions('retry', value);
  for (const key of Object.keys(options)) {
    if (!['attempts', 'baseDelay', 'maxDelay', 'jitter'].includes(key)) {
      throw new TypeError(`retry.${key} is not a retry option`);
    }
  }

  const defaults = clientDefaults.retry;
  const resolved = {
    attempts: checkInteger('retry.attempts', options['attempts'] ?? defaults.attempts, 1),
    baseDelay: checkDuration('retry.baseDelay', options['baseDelay'] ?? defaults.baseDelay),
    maxDelay: checkDuration('retry.maxDelay', options['maxDelay'] ?? defaults.maxDelay),
    jitter: (options['jitter'] ?? defaults.jitter) as Required<ClientRetryOptions>['jitter'],
  };
  backoff(resolved);
  return Object.freeze(resolved);
}

/**
 * The options of a client's breakers: the client defaults, the caller's `breaker` options, a
 * logger notifier unless `logger` is `false`, and `isServiceFailure` as the failure rule.
 */
export function breakerOptionsOf(
  options: CommonClientOptions,
  clock: Clock,
): CircuitBreakerOptions {
  const given = checkOptions('breaker', options.breaker);
  const notifiers: Notifier[] = [];
  const logger = options.logger ?? console;
  if (logger !== false) notifiers.push(loggerNotifier(logger));
  const extra = given['notifiers'];
  if (extra !== undefined && !Array.isArray(extra)) {
    throw new TypeError(`breaker.notifiers must be an array, received ${show(extra)}`);
  }

  if (extra !== undefined) notifiers.push(...(extra as Notifier[]));

  const resolved: CircuitBreakerOptions = {
    ...clientDefaults.breaker,
    ...given,
    isFailure: isServiceFailure,
    notifiers,
    clock,
    ...(options.store === undefined ? {} : { store: options.store }),
  };
  resolveBreakerOptions(resolved);
  return resolved;
}
