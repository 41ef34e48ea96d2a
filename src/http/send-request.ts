import { systemClock } from '../clock.js';
import { ApiError } from './api-error.js';
import { readBody } from './read-body.js';
import type { Redactor } from './redactor.js';
import { parseRetryAfter } from './retry-after.js';
import { mayRetry, type AttemptFailure, type RetryPolicy } from './retry-policy.js';

/** The HTTP methods the clients use. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A vendor's error, as read from an error response's body. */
export interface VendorError {
  readonly code?: string | number | undefined;
  readonly message?: string | undefined;
}

/** A successful answer. */
export interface ApiResponse<T = unknown> {
  readonly status: number;
  /** The parsed JSON body; `undefined` for an empty body (e.g. a 204). */
  readonly body: T;
  readonly headers: Headers;
  readonly requestId: string | undefined;
}

/** How one client talks HTTP; made once per client. */
export interface Transport {
  readonly vendor: string;
  readonly fetch: typeof fetch;
  /** Milliseconds per attempt, body included. */
  readonly timeout: number;
  readonly maxResponseBytes: number;
  readonly redactor: Redactor;
  readonly vendorError: (body: unknown) => VendorError;
  readonly retryHint: (headers: Headers) => boolean | undefined;
  readonly requestIdHeaders: readonly string[];
}

/** One attempt of one request. */
export interface Attempt {
  /** The breaker name, e.g. `twilio:send_sms`. */
  readonly operation: string;
  readonly method: HttpMethod;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: string | undefined;
  readonly policy: RetryPolicy;
  readonly signal: AbortSignal | undefined;
  /** Whether a 2xx body has the shape expected; one that has not is an `ERR_API_RESPONSE`. */
  readonly accept: ((body: unknown) => boolean) | undefined;
}

/** Error codes in a `cause` chain that prove a request never left this host. */
const neverSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Sends one attempt: resolves to the parsed answer of a 2xx, or rejects with an {@link ApiError}
 * whose `retryable` says whether the attempt's policy allows another. A caller's abort rejects
 * with the signal's reason, untouched.
 */
export async function sendRequest<T>(
  transport: Transport,
  attempt: Attempt,
): Promise<ApiResponse<T>> {
  const { signal } = attempt;
  if (signal?.aborted === true) throw signal.reason;

  const controller = new AbortController();
  let timedOut = false;
  const timer = systemClock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, transport.timeout);
  const onAbort = (): void => {
    controller.abort(signal?.reason);
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const fail = (failure: AttemptFailure, extra: Partial<ErrorFields> = {}): ApiError =>
    makeError(transport, attempt, failure, extra);

  try {
    let response: Response;
    try {
      response = await transport.fetch(attempt.url, {
        method: attempt.method,
        headers: attempt.headers,
        ...(attempt.body === undefined ? {} : { body: attempt.body }),
        signal: controller.signal,
        redirect: 'manual',
      });
    } catch (error) {
      if (isAborted(signal)) throw signal?.reason;
      if (timedOut) throw fail({ kind: 'timeout', sent: true }, { cause: error });
      throw fail({ kind: 'network', sent: !neverSent(error) }, { cause: error });
    }

    const requestId = readRequestId(transport, response.headers);
    const hint = transport.retryHint(response.headers);
    let text: string;
    let truncated: boolean;
    try {
      ({ text, truncated } = await readBody(response, transport.maxResponseBytes));
    } catch (error) {
      if (isAborted(signal)) throw signal?.reason;
      const failure = {
        kind: timedOut ? 'timeout' : 'network',
        status: response.status,
        sent: true,
        hint,
      } as const;
      throw fail(failure, { cause: error, status: response.status, requestId });
    }

    if (response.status < 200 || response.status > 299) {
      const vendor = transport.vendorError(parseJson(text));
      throw fail(
        { kind: 'status', status: response.status, sent: true, hint },
        {
          status: response.status,
          requestId,
          vendorCode: vendor.code,
          vendorMessage: vendor.message === undefined ? fallbackMessage(response) : vendor.message,
          retryAfter: parseRetryAfter(response.headers.get('retry-after')),
        },
      );
    }

    if (truncated) {
      throw fail(
        { kind: 'response', status: response.status, sent: true, hint },
        {
          status: response.status,
          requestId,
          message:
            `${attempt.operation}: ${attempt.method} ${attempt.url.pathname} ` +
            `answered ${response.status} with a body over ${transport.maxResponseBytes} bytes`,
        },
      );
    }

    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      const type = response.headers.get('content-type') ?? 'no content type';
      throw fail(
        { kind: 'response', status: response.status, sent: true, hint },
        {
          cause: error,
          status: response.status,
          requestId,
          message:
            `${attempt.operation}: ${attempt.method} ${attempt.url.pathname} ` +
            `answered ${response.status} with a body that is not JSON ` +
            `(${type.split(';', 1)[0] ?? type})`,
        },
      );
    }

    if (attempt.accept !== undefined && !attempt.accept(body)) {
      throw fail(
        { kind: 'response', status: response.status, sent: true, hint },
        {
          status: response.status,
          requestId,
          message:
            `${attempt.operation}: ${attempt.method} ${attempt.url.pathname} ` +
            `answered ${response.status} with a body of an unexpected shape`,
        },
      );
    }

    return { status: response.status, body: body as T, headers: response.headers, requestId };
  } finally {
    systemClock.clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

interface ErrorFields {
  cause: unknown;
  status: number;
  requestId: string | undefined;
  vendorCode: string | number | undefined;
  vendorMessage: string | undefined;
  retryAfter: number | undefined;
  message: string;
}

function makeError(
  transport: Transport,
  attempt: Attempt,
  failure: AttemptFailure,
  extra: Partial<ErrorFields>,
): ApiError {
  const redact = transport.redactor;
  const code =
    failure.kind === 'status'
      ? 'ERR_API_STATUS'
      : failure.kind === 'timeout'
        ? 'ERR_API_TIMEOUT'
        : failure.kind === 'network'
          ? 'ERR_API_NETWORK'
          : 'ERR_API_RESPONSE';
  const base = `${attempt.operation}: ${attempt.method} ${redact.text(attempt.url.pathname)}`;
  const message =
    extra.message ??
    (failure.kind === 'timeout'
      ? `${base} timed out after ${transport.timeout} ms`
      : failure.kind === 'network'
        ? `${base} failed${failure.sent ? '' : ' before it was sent'}: ${rootMessage(extra.cause)}`
        : undefined);

  return new ApiError({
    code,
    vendor: transport.vendor,
    operation: attempt.operation,
    method: attempt.method,
    url: redact.text(attempt.url.href),
    status: extra.status,
    vendorCode:
      typeof extra.vendorCode === 'string' ? redact.text(extra.vendorCode) : extra.vendorCode,
    vendorMessage:
      extra.vendorMessage === undefined
        ? undefined
        : redact.text(extra.vendorMessage).slice(0, 500),
    requestId: extra.requestId === undefined ? undefined : redact.text(extra.requestId),
    retryable: mayRetry(attempt.policy, failure),
    retryAfter: extra.retryAfter,
    sent: failure.sent,
    ...(message === undefined ? {} : { message: redact.text(message) }),
    ...(extra.cause === undefined ? {} : { cause: redact.error(extra.cause) }),
  });
}

/** Read through a function, so the compiler does not assume the flag cannot change mid-call. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function readRequestId(transport: Transport, headers: Headers): string | undefined {
  for (const name of transport.requestIdHeaders) {
    const value = headers.get(name);
    if (value !== null && value !== '') return value.slice(0, 200);
  }

  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message of an error answer whose body says nothing readable, e.g. an HTML 502 page. */
function fallbackMessage(response: Response): string {
  const type = response.headers.get('content-type');
  const reason = response.statusText === '' ? `HTTP ${response.status}` : response.statusText;
  return type === null ? reason : `${reason} (${type.split(';', 1)[0] ?? type} body)`;
}

/** True when the `cause` chain of a fetch error proves the request never reached the server. */
function neverSent(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;

  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && neverSentCodes.has(code)) return true;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.every((item) => neverSent(item, depth + 1));
  }

  return neverSent((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * The most specific message of an error chain: `connect ECONNREFUSED 127.0.0.1:9`, not
 * `fetch failed`.
 */
function rootMessage(error: unknown): string {
  let current = error;
  let message = 'unknown error';
  for (let depth = 0; depth < 6 && current instanceof Error; depth += 1) {
    if (current.message !== '') message = current.message;
    current = current.cause;
  }

  return message.split('\n', 1)[0] ?? message;
}
