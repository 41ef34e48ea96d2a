const brand = Symbol.for('breakwater.error');

/**
 * The base class of every error Breakwater itself throws. Each subclass has a stable `code`.
 *
 * Errors thrown by the guarded functions pass through untouched and are never wrapped in this.
 */
export class BreakwaterError extends Error {
  /** A stable, machine-readable identifier of the kind of error, e.g. `ERR_CIRCUIT_OPEN`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'BreakwaterError', writable: true });
    Object.defineProperty(this.prototype, brand, { value: true });
  }
}

/** True for any error made by Breakwater, even one from another copy of the package. */
export function isBreakwaterError(value: unknown): value is BreakwaterError {
  return typeof value === 'object' && value !== null && brand in value;
}
