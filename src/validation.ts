/** Shows a received value in an error message: short, and never an object's contents. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(text);
  }

  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }

  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Throws unless `value` is a finite number; then checks it is an integer of at least `min`. */
export function checkInteger(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${option} must be a number, received ${show(value)}`);
  }

  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `${option} must be an integer of at least ${min}, received ${show(value)}`,
    );
  }

  return value;
}

/** Throws unless `value` is a duration in milliseconds: a finite number of at least `min`. */
export function checkDuration(option: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${option} must be a number of milliseconds, received ${show(value)}`);
  }

  if (!Number.isFinite(value) || value < min || value > 2_147_483_647) {
    throw new RangeError(
      `${option} must be between ${min} and 2147483647 milliseconds, received ${show(value)}`,
    );
  }

  return value;
}

/** Throws unless `value` is a function. */
export function checkFunction<T>(option: string, value: unknown): T {
  if (typeof value !== 'function') {
    throw new TypeError(`${option} must be a function, received ${show(value)}`);
  }

  return value as T;
}

/** Throws unless `value` is a plain object (or undefined, which reads as empty). */
export function checkOptions(what: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${what} must be an object, received ${show(value)}`);
  }

  return value as Record<string, unknown>;
}

/** Throws unless `value` is an AbortSignal. */
export function checkSignal(option: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) {
    throw new TypeError(`${option} must be an AbortSignal, received ${show(value)}`);
  }

  return value;
}

/** An option's value, or `fallback` when it is absent; `null` is a value, to be refused. */
export function optionOr(options: object, key: string, fallback: unknown): unknown {
  const value = (options as Record<string, unknown>)[key];
  return value === undefined ? fallback : value;
}
