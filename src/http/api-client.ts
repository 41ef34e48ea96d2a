import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../breaker/options.js';
import { systemClock, type Clock } from '../clock.js';
import { retry } from '../retry/retry.js';
import { checkDuration, checkFunction, checkInteger, checkOptions, show } from '../validation.js';
import { ApiError, isApiError } from './api-error.js';
import {
  breakerOptionsOf,
  checkBaseUrl,
  checkHeaderNames,
  checkHeaders,
  checkRetry,
  checkSecrets,
  checkVendor,
} from './check-client-options.js';
import {
  clientDefaults,
  type ClientRetryOptions,
  type CommonClientOptions,
} from './client-options.js';
import { encodeForm, type FormArrays, type FormParams } from './encode-form.js';
import { readVendorError } from './read-vendor-error.js';
import { Redactor } from './redactor.js';
import type { RetryPolicy } from './retry-policy.js';
import {
  sendRequest,
  type ApiResponse,
  type HttpMethod,
  type Transport,
  type VendorError,
} from './send-request.js';

/** One request to a vendor: what to send and how it may be retried. */
export interface ApiRequest {
  readonly method: HttpMethod;
  /** The path after the origin, escaped already (see `pathSegment`), e.g. `/v1/customers/cus_1`. */
  readonly path: string;
  /** Query parameters, form-encoded the client's way. */
  readonly query?: FormParams;
  /** A JSON body. */
  readonly json?: unknown;
  /** A form body, encoded the client's way (`formArrays`). */
  readonly form?: FormParams;
  /** Headers of this request, over the client's. */
  readonly headers?: Readonly<Record<string, string>>;
  /** When the request may be repeated; see {@link RetryPolicy}. */
  readonly retry: RetryPolicy;
  /**
   * Whether a 2xx body has the shape expected; one that has not rejects with an
   * `ERR_API_RESPONSE` (and counts as a vendor failure).
   * @default any body is accepted
   */
  readonly accept?: (body: unknown) => boolean;
}

/** Options of one call. */
export interface CallOptions {
  /** Aborts the call, its retries and their waits. */
  readonly signal?: AbortSignal | undefined;
}

/** Options of {@link ApiClient}: what a vendor needs, and the options every client shares. */
export interface ApiClientOptions extends CommonClientOptions {
  /** The vendor's short name, which starts every breaker name, e.g. `stripe`. */
  readonly vendor: string;
  /** Scheme, host and port of the API, e.g. `https://api.stripe.com`; no path. */
  readonly baseUrl: string;
  /**
   * Headers sent with every request, e.g. `Authorization`.
   * @default { Accept: 'application/json' }
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Values that must never appear in an error or a log line: keys, tokens, encoded credentials.
   * @default []
   */
  readonly secrets?: readonly string[];
  /**
   * How form bodies and query strings write arrays.
   * @default 'indexed'
   */
  readonly formArrays?: FormArrays;
  /**
   * Reads the vendor's code and message from an error body.
   * @default a reader of Stripe's, Twilio's and Vapi's error shapes
   */
  readonly vendorError?: (body: unknown) => VendorError;
  /**
   * Reads the vendor's own retry verdict from a response's headers, which then wins over the
   * request's policy.
   * @default () => undefined
   */
  readonly retryHint?: (headers: Headers) => boolean | undefined;
  /**
   * Response headers that may hold the vendor's request id, first match wins.
   * @default ['request-id', 'twilio-request-id', 'x-request-id']
   */
  readonly requestIdHeaders?: readonly string[];
}

const known = new Set([
  'vendor',
  'baseUrl',
  'headers',
  'secrets',
  'formArrays',
  'vendorError',
  'retryHint',
  'requestIdHeaders',
  'breaker',
  'retry',
  'store',
  'logger',
  'timeout',
  'fetch',
  'clock',
  'maxResponseBytes',
]);

/**
 * The base of every vendor client. Each operation runs through its own breaker, named
 * `vendor:operation` and made once per client, with the retries inside it, so a retry sequence
 * that ends in failure counts as one failure. Only an unhealthy vendor (network errors,
 * timeouts, unreadable answers, 408, 5xx) counts toward opening a breaker; a 429 is waited out
 * and retried but never counts; a caller's mistake (other 4xx) never trips one.
 *
 * @example
 * ```ts
 * class StatusClient extends ApiClient {
 *   constructor() {
 *     super({ vendor: 'status', baseUrl: 'https://status.example.com' });
 *   }
 *
 *   async ping(): Promise<unknown> {
 *     const answer = await this.request('ping', {
 *       method: 'GET',
 *       path: '/ping',
 *       retry: 'idempotent',
 *     });
 *     return answer.body;
 *   }
 * }
 * ```
 */
export class ApiClient {
  /** The vendor's short name, e.g. `stripe`. */
  readonly vendor: string;
  /** Scheme, host and port the client sends to. */
  readonly baseUrl: string;
  readonly #transport: Transport;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #formArrays: FormArrays;
  readonly #breakerOptions: CircuitBreakerOptions;
  readonly #retry: Required<ClientRetryOptions>;
  readonly #clock: Clock;
  readonly #breakers = new Map<string, CircuitBreaker>();

  /**
   * @throws {TypeError | RangeError} when an option is invalid; the message names it and shows
   *   the value received (never a secret's value).
   */
  constructor(options: ApiClientOptions) {
    const checked = checkOptions('options', options);
    for (const key of Object.keys(checked)) {
      if (!known.has(key)) throw new TypeError(`options.${key} is not a client option`);
    }

    this.vendor = checkVendor(options.vendor);
    this.baseUrl = checkBaseUrl(options.baseUrl);
    const secrets = checkSecrets(options.secrets);
    const redactor = new Redactor(secrets);
    this.#headers = Object.freeze({
      Accept: 'application/json',
      ...checkHeaders(options.headers),
    });
    this.#formArrays = options.formArrays ?? 'indexed';
    if (this.#formArrays !== 'indexed' && this.#formArrays !== 'repeat') {
      throw new RangeError(
        `formArrays must be "indexed" or "repeat", received ${show(this.#formArrays)}`,
      );
    }

    this.#clock = options.clock ?? systemClock;
    this.#retry = checkRetry(options.retry);
    this.#breakerOptions = breakerOptionsOf(options, this.#clock);
    this.#transport = Object.freeze({
      vendor: this.vendor,
      fetch:
        options.fetch === undefined
          ? (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init)
          : checkFunction<typeof fetch>('fetch', options.fetch),
      timeout: checkDuration('timeout', options.timeout ?? clientDefaults.timeout, 1),
      maxResponseBytes: checkInteger(
        'maxResponseBytes',
        options.maxResponseBytes ?? clientDefaults.maxResponseBytes,
        1,
      ),
      redactor,
      vendorError:
        options.vendorError === undefined
          ? readVendorError
          : checkFunction<(body: unknown) => VendorError>('vendorError', options.vendorError),
      retryHint:
        options.retryHint === undefined
          ? () => undefined
          : checkFunction<(headers: Headers) => boolean | undefined>(
              'retryHint',
              options.retryHint,
            ),
      requestIdHeaders: checkHeaderNames(options.requestIdHeaders),
    });
  }

  /**
   * The breaker of one operation, named `vendor:operation`; made on first use, then the same one
   * every time. Lock or read it like any breaker.
   */
  breaker(operation: string): CircuitBreaker {
    const existing = this.#breakers.get(operation);
    if (existing !== undefined) return existing;

    const breaker = new CircuitBreaker(`${this.vendor}:${operation}`, this.#breakerOptions);
    this.#breakers.set(operation, breaker);
    return breaker;
  }

  /**
   * Sends `request` through the operation's breaker, retrying as its policy allows. Resolves to
   * the answer of a 2xx; rejects with an `ApiError`, a `CircuitOpenError` when the breaker
   * refuses, or the signal's reason when the caller aborts.
   */
  request<T>(
    operation: string,
    request: ApiRequest,
    options: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    return this.guard(operation, options.signal, (signal) =>
      this.retrying(signal, () => this.send<T>(operation, request, signal)),
    );
  }

  /** Runs `fn` through the operation's breaker. */
  protected guard<T>(
    operation: string,
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    return this.breaker(operation).run(({ signal: inner }) => fn(inner), { signal });
  }

  /**
   * Runs `fn` through the operation's breaker, resolving to `null` instead when the breaker
   * refuses or the vendor fails: the fallback of reads, so a page can degrade. A caller's
   * mistake (a 404) still rejects.
   */
  protected guardOrNull<T>(
    operation: string,
    signal: AbortSignal | undefined,
    fn: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T | null> {
    return this.breaker(operation).run(({ signal: inner }) => fn(inner), {
      signal,
      fallback: () => null,
    });
  }

  /**
   * Calls `fn` until it succeeds, an error is not `retryable`, or the attempts run out, waiting
   * the backoff (and any `Retry-After`) between tries. `fn` receives the try's number, 1 first.
   */
  protected retrying<T>(
    signal: AbortSignal | undefined,
    fn: (attempt: number) => Promise<T>,
  ): Promise<T> {
    return retry(({ attempt }) => fn(attempt), {
      ...this.#retry,
      signal,
      clock: this.#clock,
      shouldRetry: (error) => isApiError(error) && error.retryable,
    });
  }

  /** Sends one attempt of `request`; see {@link ApiClient.request}. */
  protected send<T>(
    operation: string,
    request: ApiRequest,
    signal: AbortSignal | undefined,
  ): Promise<ApiResponse<T>> {
    const url = new URL(request.path, this.baseUrl);
    if (request.query !== undefined) {
      const query = encodeForm(request.query, { arrays: this.#formArrays });
      if (query !== '') url.search = query;
    }

    const headers = new Headers(this.#headers);
    let body: string | undefined;
    if (request.form !== undefined) {
      body = encodeForm(request.form, { arrays: this.#formArrays });
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
    } else if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers.set('Content-Type', 'application/json');
    }

    for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name, value);

    return sendRequest<T>(this.#transport, {
      operation: `${this.vendor}:${operation}`,
      method: request.method,
      url,
      headers,
      body,
      policy: request.retry,
      signal,
      accept: request.accept,
    });
  }

  /**
   * The error of an answer that was a success on the wire but did not do the work, e.g. Vapi's
   * `concurrencyBlocked` or an area code with no number left. It never counts as a vendor failure.
   */
  protected unfulfilled(
    operation: string,
    request: ApiRequest,
    details: {
      readonly status?: number | undefined;
      readonly vendorCode: string | number;
      readonly vendorMessage: string;
      readonly retryable: boolean;
      readonly requestId?: string | undefined;
    },
  ): ApiError {
    const url = new URL(request.path, this.baseUrl);
    return new ApiError({
      code: 'ERR_API_UNFULFILLED',
      vendor: this.vendor,
      operation: `${this.vendor}:${operation}`,
      method: request.method,
      url: this.redact(url.href),
      status: details.status,
      vendorCode: details.vendorCode,
      vendorMessage: this.redact(details.vendorMessage),
      requestId: details.requestId,
      retryable: details.retryable,
      sent: true,
    });
  }

  /** Removes the client's secrets from `text`, for messages a client builds itself. */
  protected redact(text: string): string {
    return this.#transport.redactor.text(text);
  }
}
