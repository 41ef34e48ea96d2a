import type { BreakerEvent, Notifier } from '../breaker/events.js';

/** Any logger with `warn` and `info`: console, pino, winston, bunyan. */
export interface Logger {
  warn(message: string): unknown;
  info(message: string): unknown;
}

/**
 * Turns a breaker's events into one-line messages: `warn` when a breaker opens or its store
 * fails, `info` otherwise.
 *
 * @example
 * ```ts
 * new CircuitBreaker('twilio:send_sms', { notifiers: [loggerNotifier(console)] });
 * // breaker twilio:send_sms closed -> open after ApiError: Twilio 503 Service Unavailable
 * ```
 */
export function loggerNotifier(logger: Logger): Notifier {
  if (
    typeof logger !== 'object' ||
    logger === null ||
    typeof logger.warn !== 'function' ||
    typeof logger.info !== 'function'
  ) {
    throw new TypeError('logger must have warn() and info() methods');
  }

  return {
    notify(event: BreakerEvent): void {
      const line = describeEvent(event);
      if (line === undefined) return;

      const loud =
        (event.type === 'transition' && event.to === 'open') || event.type === 'store-error';
      if (loud) logger.warn(line);
      else logger.info(line);
    },
  };
}

/** One line for an event, or `undefined` for a type this version does not describe. */
export function describeEvent(event: BreakerEvent): string | undefined {
  switch (event.type) {
    case 'transition': {
      const cause = event.error === undefined ? '' : ` after ${describeError(event.error)}`;
      return `breaker ${event.breaker} ${event.from} -> ${event.to}${cause}`;
    }
    case 'lock':
      return event.state === undefined
        ? `breaker ${event.breaker} unlocked`
        : `breaker ${event.breaker} locked ${event.state}`;
    case 'store-error':
      return (
        `breaker store ${event.store} failed (${describeError(event.error)}); ` +
        'breakers are served from process memory until it answers'
      );
    case 'store-recovered':
      return `breaker store ${event.store} answers again after ${Math.round(event.downtime)} ms`;
    default:
      return undefined;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message.split('\n', 1)[0] ?? '';
    return message === '' ? error.name : `${error.name}: ${message}`;
  }

  return typeof error === 'string' ? error : typeof error;
}
