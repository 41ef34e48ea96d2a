import { show } from '../validation.js';

/**
 * Checks an id given by a caller (a customer id, a call SID): a string of 1 to 200 characters,
 * with no surrounding spaces, that is not a dot segment.
 *
 * @throws {TypeError} when `value` is not a string.
 * @throws {RangeError} when it is empty, too long, padded with spaces, or `.` or `..`.
 */
export function checkId(option: string, value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${show(value)}`);
  }

  if (value.length === 0 || value.length > 200) {
    throw new RangeError(`${option} must be 1 to 200 characters long, received ${show(value)}`);
  }

  if (value === '.' || value === '..' || value.trim() !== value) {
    throw new RangeError(`${option} is not a valid id, received ${show(value)}`);
  }

  return value;
}

/**
 * Checks an id that goes into a URL path (see {@link checkId}) and escapes it, so an id such as
 * `../balance` or `a/b` can never reach another resource.
 */
export function pathSegment(option: string, value: unknown): string {
  return encodeURIComponent(checkId(option, value));
}
