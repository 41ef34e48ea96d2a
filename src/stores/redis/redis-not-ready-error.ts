import { BreakwaterError } from '../../breakwater-error.js';

/**
 * The reason a Redis store operation failed without being sent: the client lost its connection
 * and has not got it back. Commands are not left in ioredis's offline queue, where they would run
 * late, after the caller was already answered from memory (claiming a probe slot nobody uses, or
 * applying a lock the operator was told had failed). Reported as the `error` of a `store-error`
 * event, and as the `cause` of a `StoreUnavailableError`.
 */
export class RedisNotReadyError extends BreakwaterError {
  /** The ioredis connection status, e.g. `reconnecting`. */
  readonly status: string;

  constructor(status: string) {
    super('ERR_REDIS_NOT_READY', `the Redis connection is ${status}; the command was not sent`);
    this.status = status;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'RedisNotReadyError', writable: true });
  }
}
