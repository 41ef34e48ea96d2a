import { show } from '../validation.js';
import type { ValueCheck } from './env.js';
import { urlCheck } from './env.js';

/** Checks a secret option; the message says what is wrong, never the value. */
export function checkSecret(option: string, value: unknown, check?: ValueCheck): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${kindOf(value)}`);
  }

  if (value === '') throw new RangeError(`${option} must not be empty`);

  const problem = check?.(value);
  if (problem !== undefined) throw new RangeError(`${option} ${problem}`);
  return value;
}

/** Checks an optional absolute http(s) URL; the value is not shown, as URLs may carry tokens. */
export function checkUrl(option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${kindOf(value)}`);
  }

  const problem = urlCheck(value);
  if (problem !== undefined) throw new RangeError(`${option} ${problem}`);
  return value;
}

/** Checks a non-empty string of at most `max` characters. */
export function checkText(option: string, value: unknown, max: number): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${show(value)}`);
  }

  if (value.length === 0 || value.length > max) {
    throw new RangeError(`${option} must be 1 to ${max} characters long, received ${show(value)}`);
  }

  return value;
}

/**
 * Checks a value sent as an HTTP header: printable ASCII without surrounding spaces, so `fetch`
 * never refuses it later, after the breaker has counted the call.
 */
export function checkHeaderText(option: string, value: unknown, max: number): string {
  const text = checkText(option, value, max);
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(text)) {
    throw new RangeError(
      `${option} must be printable ASCII with no surrounding spaces, received ${show(text)}`,
    );
  }

  return text;
}

/** Checks a phone number in E.164 form, e.g. `+14155550100`. */
export function checkPhoneNumber(option: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${show(value)}`);
  }

  if (!/^\+[1-9]\d{1,14}$/.test(value)) {
    throw new RangeError(
      `${option} must be an E.164 phone number such as +14155550100, received ${show(value)}`,
    );
  }

  return value;
}

/** Checks a plain object (not an array, not null). */
export function checkObject(option: string, value: unknown): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${option} must be an object, received ${show(value)}`);
  }

  return value as Record<string, unknown>;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * Checks that a value can be sent as a JSON body (no BigInt, no cycle, no throwing `toJSON`), so
 * the request never fails later inside the breaker, after the call was counted.
 */
export function checkJsonBody(option: string, value: unknown): void {
  try {
    JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : 'not encodable';
    throw new TypeError(`${option} must be encodable as JSON: ${reason ?? 'not encodable'}`);
  }
}
