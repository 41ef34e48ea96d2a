import { BreakwaterError } from '../breakwater-error.js';

/**
 * Thrown by an operator's action (lock, unlock, listing, snapshot) when the shared store does not
 * answer. Guarded calls never see it: they are served from process memory meanwhile.
 */
export class StoreUnavailableError extends BreakwaterError {
  /** The store's class name, e.g. `RedisStore`. */
  readonly store: string;

  constructor(store: string, operation: string, options?: ErrorOptions) {
    super(
      'ERR_STORE_UNAVAILABLE',
      `${store} did not answer ${operation}; nothing was changed`,
      options,
    );
    this.store = store;
  }

  static {
    Object.defineProperty(this.prototype, 'name', {
      value: 'StoreUnavailableError',
      writable: true,
    });
  }
}
