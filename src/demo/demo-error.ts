import { BreakwaterError } from '../breakwater-error.js';

/**
 * What stops the demo before or while it runs:
 * - `ERR_DEMO_USAGE`: the command line is wrong (exit 2);
 * - `ERR_DEMO_REDIS`: `--redis` was given and Redis cannot be reached or loaded (exit 1);
 * - `ERR_DEMO_WORKER`: a worker process failed to start or died (exit 1).
 */
export type DemoErrorCode = 'ERR_DEMO_USAGE' | 'ERR_DEMO_REDIS' | 'ERR_DEMO_WORKER';

/** An error the demo reports as one line on stderr, with an exit code. Never holds a secret. */
export class DemoError extends BreakwaterError {
  declare readonly code: DemoErrorCode;

  /** The process exit code this error ends the demo with. */
  get exitCode(): number {
    return this.code === 'ERR_DEMO_USAGE' ? 2 : 1;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'DemoError', writable: true });
  }
}
