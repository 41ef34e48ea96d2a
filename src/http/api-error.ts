import { BreakwaterError } from '../breakwater-error.js';

const brand = Symbol.for('breakwater.api-error');

/**
 * What went wrong, as a stable code:
 * - `ERR_API_STATUS`: the vendor answered with an error status (4xx, 5xx);
 * - `ERR_API_TIMEOUT`: no complete answer within the client's `timeout`;
 * - `ERR_API_NETWORK`: the connection failed (refused, reset, DNS) before a complete answer;
 * - `ERR_API_RESPONSE`: a success status with a body that is not the JSON expected (an HTML
 *   page, truncated JSON, a body over the size limit);
 * - `ERR_API_UNFULFILLED`: the vendor answered but did not do it (Vapi's `concurrencyBlocked`, no
 *   phone number left in an area code).
 */
export type ApiErrorCode =
  | 'ERR_API_STATUS'
  | 'ERR_API_TIMEOUT'
  | 'ERR_API_NETWORK'
  | 'ERR_API_RESPONSE'
  | 'ERR_API_UNFULFILLED';

/** The fields of an {@link ApiError}. */
export interface ApiErrorDetails {
  readonly code: ApiErrorCode;
  /** The vendor's short name, e.g. `stripe`. */
  readonly vendor: string;
  /** The breaker name of the operation, e.g. `stripe:create_customer`. */
  readonly operation: string;
  readonly method: string;
  /** The request URL, never with a secret in it. */
  readonly url: string;
  /** The HTTP status; `undefined` when no response arrived (a timeout, a network error). */
  readonly status?: number | undefined;
  /** The vendor's own error code, e.g. Stripe's `resource_missing` or Twilio's `21211`. */
  readonly vendorCode?: string | number | undefined;
  /** The vendor's error message, with secrets removed. */
  readonly vendorMessage?: string | undefined;
  /** The vendor's request id (Stripe's `Request-Id`, Twilio's `Twilio-Request-Id`). */
  readonly requestId?: string | undefined;
  /** Whether the client may repeat this request without risking a duplicate side effect. */
  readonly retryable: boolean;
  /** Milliseconds the vendor asked us to wait (`Retry-After`); the retry waits at least this. */
  readonly retryAfter?: number | undefined;
  /** False only when the request provably never reached the server (the connection was refused). */
  readonly sent: boolean;
  /** The message; made from the other fields when absent. */
  readonly message?: string;
  /** The low-level error, copied with secrets removed. */
  readonly cause?: unknown;
}

/**
 * The one error every client call rejects with when the vendor fails or refuses: an error
 * status, a timeout, a network error, or an answer that cannot be read. A breaker refusal is a
 * `CircuitOpenError` instead, and an aborted call rejects with the signal's reason.
 *
 * No property, message, stack or `cause` holds a secret: every text is redacted and the cause is
 * a copy that keeps only names, messages and low-level codes.
 *
 * @example
 * ```ts
 * try {
 *   await stripe.createCustomer({ email, metadata: {} });
 * } catch (error) {
 *   if (isApiError(error) && error.status === 402) showCardDeclined(error.vendorMessage);
 *   else throw error;
 * }
 * ```
 */
export class ApiError extends BreakwaterError {
  declare readonly code: ApiErrorCode;
  readonly vendor: string;
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly vendorCode: string | number | undefined;
  readonly vendorMessage: string | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;
  readonly retryAfter: number | undefined;
  readonly sent: boolean;

  constructor(details: ApiErrorDetails) {
    super(
      details.code,
      details.message ?? describe(details),
      details.cause === undefined ? undefined : { cause: details.cause },
    );
    this.vendor = details.vendor;
    this.operation = details.operation;
    this.method = details.method;
    this.url = details.url;
    this.status = details.status;
    this.vendorCode = details.vendorCode;
    this.vendorMessage = details.vendorMessage;
    this.requestId = details.requestId;
    this.retryable = details.retryable;
    this.retryAfter = details.retryAfter;
    this.sent = details.sent;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'ApiError', writable: true });
    Object.defineProperty(this.prototype, brand, { value: true });
  }
}

/** True when `value` is an {@link ApiError}, even one from another copy of the package. */
export function isApiError(value: unknown): value is ApiError {
  return typeof value === 'object' && value !== null && brand in value;
}

/**
 * True when an error shows the vendor is unhealthy, the only errors that count toward opening a
 * client's breaker: network errors, timeouts, unreadable answers, 408 and 5xx. A 429, a caller's
 * mistake (400, 401, 402, 403, 404, 409, 422) and anything that is not an `ApiError` are not.
 */
export function isServiceFailure(error: unknown): boolean {
  if (!isApiError(error)) return false;

  switch (error.code) {
    case 'ERR_API_TIMEOUT':
    case 'ERR_API_NETWORK':
    case 'ERR_API_RESPONSE':
      return true;
    case 'ERR_API_STATUS':
      return error.status === 408 || (error.status !== undefined && error.status >= 500);
    default:
      return false;
  }
}

function describe(details: ApiErrorDetails): string {
  const request = `${details.operation}: ${details.method} ${pathOf(details.url)}`;
  const vendor = vendorPart(details);
  switch (details.code) {
    case 'ERR_API_STATUS':
      return `${request} answered ${details.status ?? 'an error'}${vendor}`;
    case 'ERR_API_TIMEOUT':
      return `${request} timed out`;
    case 'ERR_API_NETWORK':
      return `${request} failed on the network`;
    case 'ERR_API_RESPONSE':
      return `${request} answered ${details.status ?? ''} with a body that could not be read`;
    case 'ERR_API_UNFULFILLED':
      return `${request} was not carried out${vendor}`;
  }
}

function vendorPart(details: ApiErrorDetails): string {
  const code = details.vendorCode === undefined ? '' : String(details.vendorCode);
  const message = details.vendorMessage ?? '';
  if (code === '' && message === '') return '';
  if (code === '') return `: ${message}`;
  if (message === '') return ` (${code})`;
  return ` (${code}): ${message}`;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname;
  } catch {
    return url;
  }
}
