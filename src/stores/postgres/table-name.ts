import { show } from '../../validation.js';

/** The suffixes of the functions made beside the table; `_snapshot` is the longest. */
const longestSuffix = '_snapshot'.length;

/** PostgreSQL truncates identifiers past 63 bytes; a function name must stay within that. */
const maxIdentifier = 63;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A checked table name, and the quoted names of the table and its functions. */
export interface TableName {
  /** As the user gave it, e.g. `ops.breakers`. */
  readonly given: string;
  /** The quoted table, e.g. `"ops"."breakers"`. */
  readonly table: string;
  /** The quoted name of the function with this suffix, e.g. `"ops"."breakers_admit"`. */
  fn(suffix: 'admit' | 'record' | 'snapshot' | 'prune'): string;
}

/**
 * Checks `value` as a table name, optionally schema-qualified (`schema.table`), and quotes it.
 * Only letters, digits and `_` are allowed, so a name never needs escaping; it is quoted so that
 * it is taken exactly as given, upper case included.
 *
 * @throws {TypeError} when `value` is not a string.
 * @throws {RangeError} when it is not a plain identifier or is too long for the function names.
 */
export function checkTableName(option: string, value: unknown): TableName {
  if (typeof value !== 'string') {
    throw new TypeError(`${option} must be a string, received ${show(value)}`);
  }

  const parts = value.split('.');
  const table = parts.at(-1) ?? '';
  const schema = parts.length === 2 ? parts[0] : undefined;
  const valid =
    parts.length <= 2 &&
    parts.every((part) => identifier.test(part)) &&
    table.length <= maxIdentifier - longestSuffix &&
    (schema === undefined || schema.length <= maxIdentifier);
  if (!valid) {
    throw new RangeError(
      `${option} must be a table name such as "breakwater_breakers" or "ops.breakers": ` +
        `letters, digits and _, not starting with a digit, at most ` +
        `${maxIdentifier - longestSuffix} characters, received ${show(value)}`,
    );
  }

  const prefix = schema === undefined ? '' : `"${schema}".`;
  return Object.freeze({
    given: value,
    table: `${prefix}"${table}"`,
    fn: (suffix: string) => `${prefix}"${table}_${suffix}"`,
  });
}
