/**
 * When a request may be repeated without risking a duplicate side effect:
 * - `idempotent`: repeating it changes nothing (GET, an absolute PATCH, DELETE). Retried after
 *   network errors, timeouts, unreadable answers, 408, 429 and 5xx.
 * - `idempotency-key`: the vendor de-duplicates it by a key sent with every attempt (Stripe's
 *   `Idempotency-Key`). Retried as `idempotent`, and after a 409 (the key is busy with a
 *   concurrent attempt).
 * - `unsent-only`: a repeat could act twice (a phone call, an SMS, a purchase). Retried only
 *   when the request provably never reached the server (the connection was refused) or the
 *   vendor answered 429 (a throttled request is never processed).
 */
export type RetryPolicy = 'idempotent' | 'idempotency-key' | 'unsent-only';

/** What one failed attempt looked like, as far as a retry decision needs. */
export interface AttemptFailure {
  readonly kind: 'status' | 'timeout' | 'network' | 'response';
  readonly status?: number | undefined;
  /** False only when the request provably never reached the server. */
  readonly sent: boolean;
  /** The vendor's own verdict, e.g. Stripe's `Stripe-Should-Retry`; it wins when given. */
  readonly hint?: boolean | undefined;
}

/** Whether an attempt that failed like `failure` may be repeated under `policy`. */
export function mayRetry(policy: RetryPolicy, failure: AttemptFailure): boolean {
  if (failure.hint !== undefined) return failure.hint;
  if (!failure.sent) return true;

  if (failure.kind === 'status') {
    const status = failure.status ?? 0;
    if (status === 429) return true;
    if (policy === 'unsent-only') return false;
    if (policy === 'idempotency-key' && status === 409) return true;
    return status === 408 || status >= 500;
  }

  return policy !== 'unsent-only';
}
