import { randomUUID } from 'node:crypto';
import { ApiClient, type ApiRequest } from '../http/api-client.js';
import { checkBaseUrl } from '../http/check-client-options.js';
import { isApiError } from '../http/api-error.js';
import type { CommonClientOptions } from '../http/client-options.js';
import { pathSegment } from '../http/path-segment.js';
import { checkOptions, checkSignal, show } from '../validation.js';
import { EnvironmentReader, stripeKeyCheck, urlCheck, type Environment } from './env.js';
import { checkHeaderText, checkSecret, checkText, checkUrl } from './option-checks.js';
import type {
  CreateCheckoutSessionOptions,
  CreateCustomerOptions,
  GetCustomerOptions,
  GetPaymentIntentOptions,
  StripeCheckoutSession,
  StripeCustomer,
  StripeDeletedCustomer,
  StripeMetadata,
  StripePaymentIntent,
  StripeSubscription,
  SubscriptionOptions,
} from './stripe-types.js';

/** The API version the client pins when none is given. */
export const stripeApiVersion = '2026-07-29.dahlia';

/** Options of {@link StripeClient}, with those every client shares. */
export interface StripeClientOptions extends CommonClientOptions {
  /** A secret (`sk_...`) or restricted (`rk_...`) key, sent as `Authorization: Bearer <key>`. */
  readonly secretKey: string;
  /**
   * Where Checkout sends the customer after paying, unless a session names another. May hold
   * `{CHECKOUT_SESSION_ID}`.
   * @default undefined
   */
  readonly successUrl?: string | undefined;
  /**
   * Where Checkout sends the customer who goes back, unless a session names another.
   * @default undefined
   */
  readonly cancelUrl?: string | undefined;
  /**
   * The `Stripe-Version` sent with every request; response shapes depend on it.
   * @default '2026-07-29.dahlia'
   */
  readonly apiVersion?: string;
  /**
   * Scheme, host and port of the API; the client adds `/v1/...`.
   * @default 'https://api.stripe.com'
   */
  readonly baseUrl?: string;
}

const isResource = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && typeof (body as { id?: unknown }).id === 'string';

/**
 * A client of Stripe's v1 API (Checkout, subscriptions, customers). Every operation runs through
 * its own breaker (`stripe:create_checkout_session`, `stripe:get_customer`, ...). Every POST
 * carries an `Idempotency-Key`, made once per call and sent with each of its attempts, so a
 * retry can never create a second session or customer; POSTs are retried after network errors,
 * timeouts, 409, 429 and 5xx, unless Stripe answers `Stripe-Should-Retry: false`
 * (`Stripe-Should-Retry: true` is always honoured). `Stripe-Version` is pinned.
 *
 * @example
 * ```ts
 * const stripe = StripeClient.fromEnv();
 * const session = await stripe.createCheckoutSession({
 *   priceId: 'price_123',
 *   customerEmail: 'ann@example.com',
 *   metadata: { user_id: '42' },
 * });
 * redirect(session.url);
 * ```
 */
export class StripeClient extends ApiClient {
  /** The `Stripe-Version` this client sends. */
  readonly apiVersion: string;
  readonly #successUrl: string | undefined;
  readonly #cancelUrl: string | undefined;

  /**
   * @throws {TypeError | RangeError} when an option is invalid (never showing the key).
   */
  constructor(options: StripeClientOptions) {
    const { secretKey, successUrl, cancelUrl, apiVersion, baseUrl, ...common } = checkOptions(
      'options',
      options,
    ) as unknown as StripeClientOptions;
    const key = checkSecret('secretKey', secretKey, stripeKeyCheck);
    const version = checkHeaderText('apiVersion', apiVersion ?? stripeApiVersion, 100);
    super({
      ...common,
      vendor: 'stripe',
      baseUrl: checkBaseUrl(baseUrl ?? 'https://api.stripe.com'),
      headers: { Authorization: `Bearer ${key}`, 'Stripe-Version': version },
      secrets: [key],
      formArrays: 'indexed',
      requestIdHeaders: ['request-id'],
      retryHint: readShouldRetry,
    });
    this.apiVersion = version;
    this.#successUrl = checkUrl('successUrl', successUrl);
    this.#cancelUrl = checkUrl('cancelUrl', cancelUrl);
  }

  /**
   * Makes a client from `STRIPE_SECRET_KEY` (required), `STRIPE_SUCCESS_URL` and
   * `STRIPE_CANCEL_URL` (optional); `overrides` win.
   *
   * @throws {EnvironmentError} naming every missing or malformed variable, never a value.
   */
  static fromEnv(
    env: Environment = process.env,
    overrides: Partial<StripeClientOptions> = {},
  ): StripeClient {
    const reader = new EnvironmentReader(env);
    const secretKey = overrides.secretKey ?? reader.required('STRIPE_SECRET_KEY', stripeKeyCheck);
    const successUrl = overrides.successUrl ?? reader.optional('STRIPE_SUCCESS_URL', urlCheck);
    const cancelUrl = overrides.cancelUrl ?? reader.optional('STRIPE_CANCEL_URL', urlCheck);
    reader.finish('StripeClient');
    return new StripeClient({
      ...overrides,
      secretKey: secretKey ?? '',
      ...(successUrl === undefined ? {} : { successUrl }),
      ...(cancelUrl === undefined ? {} : { cancelUrl }),
    });
  }

  /**
   * Creates a Checkout Session in subscription mode for one price (`POST
   * /v1/checkout/sessions`); `metadata` goes on the session and, as
   * `subscription_data[metadata]`, on the subscription it creates. Send the customer to `url`.
   */
  async createCheckoutSession(
    options: CreateCheckoutSessionOptions,
  ): Promise<StripeCheckoutSession> {
    const args = checkOptions('options', options);
    const priceId = checkText('priceId', args['priceId'], 255);
    const email = checkEmail('customerEmail', args['customerEmail']);
    const metadata = checkMetadata(args['metadata']);
    const successUrl = checkUrl('successUrl', args['successUrl']) ?? this.#successUrl;
    const cancelUrl = checkUrl('cancelUrl', args['cancelUrl']) ?? this.#cancelUrl;
    if (successUrl === undefined) {
      throw new TypeError(
        'successUrl is required: pass it, or give the client a successUrl (STRIPE_SUCCESS_URL)',
      );
    }

    if (cancelUrl === undefined) {
      throw new TypeError(
        'cancelUrl is required: pass it, or give the client a cancelUrl (STRIPE_CANCEL_URL)',
      );
    }

    const request: ApiRequest = {
      method: 'POST',
      path: '/v1/checkout/sessions',
      form: {
        mode: 'subscription',
        line_items: [{ price: priceId, quantity: 1 }],
        customer_email: email,
        success_url: successUrl,
        cancel_url: cancelUrl,
        metadata,
        subscription_data: { metadata },
      },
      headers: { 'Idempotency-Key': checkIdempotencyKey(args['idempotencyKey']) },
      retry: 'idempotency-key',
      accept: isResource,
    };
    const answer = await this.request<StripeCheckoutSession>('create_checkout_session', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /**
   * Reads a subscription (`GET /v1/subscriptions/{id}`); a canceled one is still returned.
   * Resolves to `null` when the breaker refuses or Stripe fails; rejects with an `ApiError` for
   * a 404 or another caller's mistake.
   */
  async getSubscription(options: SubscriptionOptions): Promise<StripeSubscription | null> {
    const args = checkOptions('options', options);
    const id = pathSegment('subscriptionId', args['subscriptionId']);
    return await this.#read<StripeSubscription>(
      'get_subscription',
      `/v1/subscriptions/${id}`,
      args['signal'],
    );
  }

  /**
   * Reads a customer (`GET /v1/customers/{id}`). A deleted customer resolves to
   * `{ id, object: 'customer', deleted: true }`: check `deleted` before reading other fields.
   * Resolves to `null` when the breaker refuses or Stripe fails; an id that never existed
   * rejects with an `ApiError` (status 404, vendor code `resource_missing`).
   */
  async getCustomer(
    options: GetCustomerOptions,
  ): Promise<StripeCustomer | StripeDeletedCustomer | null> {
    const args = checkOptions('options', options);
    const id = pathSegment('customerId', args['customerId']);
    return await this.#read<StripeCustomer | StripeDeletedCustomer>(
      'get_customer',
      `/v1/customers/${id}`,
      args['signal'],
    );
  }

  /**
   * Creates a customer (`POST /v1/customers`). Stripe does not de-duplicate customers by email;
   * the `Idempotency-Key` sent with each attempt is what keeps a retry from making a second one.
   */
  async createCustomer(options: CreateCustomerOptions): Promise<StripeCustomer> {
    const args = checkOptions('options', options);
    const email = checkEmail('email', args['email']);
    const metadata = checkMetadata(args['metadata']);
    const request: ApiRequest = {
      method: 'POST',
      path: '/v1/customers',
      form: { email, metadata },
      headers: { 'Idempotency-Key': checkIdempotencyKey(args['idempotencyKey']) },
      retry: 'idempotency-key',
      accept: isResource,
    };
    const answer = await this.request<StripeCustomer>('create_customer', request, {
      signal: checkSignal('signal', args['signal']),
    });
    return answer.body;
  }

  /**
   * Cancels a subscription at once (`DELETE /v1/subscriptions/{id}`), resolving to it with
   * `status: 'canceled'`. Retried like a read. A 404 on a retry may mean an earlier attempt
   * cancelled it and its answer was lost, so the subscription is read: `canceled` resolves as a
   * success; anything else rejects with the 404.
   */
  async cancelSubscription(options: SubscriptionOptions): Promise<StripeSubscription> {
    const args = checkOptions('options', options);
    const path = `/v1/subscriptions/${pathSegment('subscriptionId', args['subscriptionId'])}`;
    const cancel: ApiRequest = { method: 'DELETE', path, retry: 'idempotent', accept: isResource };
    const confirm: ApiRequest = { method: 'GET', path, retry: 'idempotent', accept: isResource };
    return await this.guard(
      'cancel_subscription',
      checkSignal('signal', args['signal']),
      (signal) =>
        this.retrying(signal, async (attempt) => {
          try {
            const answer = await this.send<StripeSubscription>(
              'cancel_subscription',
              cancel,
              signal,
            );
            return answer.body;
          } catch (error) {
            if (attempt === 1 || !isApiError(error) || error.status !== 404) throw error;

            const current = await this.send<StripeSubscription>(
              'cancel_subscription',
              confirm,
              signal,
            );
            if (current.body.status === 'canceled') return current.body;
            throw error;
          }
        }),
    );
  }

  /**
   * Reads a PaymentIntent (`GET /v1/payment_intents/{id}`). Resolves to `null` when the breaker
   * refuses or Stripe fails; rejects with an `ApiError` for a 404 or another caller's mistake.
   */
  async getPaymentIntent(options: GetPaymentIntentOptions): Promise<StripePaymentIntent | null> {
    const args = checkOptions('options', options);
    const id = pathSegment('paymentIntentId', args['paymentIntentId']);
    return await this.#read<StripePaymentIntent>(
      'get_payment_intent',
      `/v1/payment_intents/${id}`,
      args['signal'],
    );
  }

  #read<T>(operation: string, path: string, signal: unknown): Promise<T | null> {
    const request: ApiRequest = { method: 'GET', path, retry: 'idempotent', accept: isResource };
    return this.guardOrNull(operation, checkSignal('signal', signal), async (inner) => {
      const answer = await this.retrying(inner, () => this.send<T>(operation, request, inner));
      return answer.body;
    });
  }
}

/** Stripe's own retry verdict: `Stripe-Should-Retry: true` or `false`. */
function readShouldRetry(headers: Headers): boolean | undefined {
  const value = headers.get('stripe-should-retry');
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function checkIdempotencyKey(value: unknown): string {
  if (value === undefined) return randomUUID();
  return checkHeaderText('idempotencyKey', value, 255);
}

function checkEmail(option: string, value: unknown): string {
  const email = checkText(option, value, 512);
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
    throw new RangeError(`${option} must be an email address, received ${show(email)}`);
  }

  return email;
}

function checkMetadata(value: unknown): StripeMetadata {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`metadata must be an object of strings, received ${show(value)}`);
  }

  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 50) {
    throw new RangeError(`metadata must have at most 50 keys, received ${entries.length}`);
  }

  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > 40 || /[[\]]/.test(key)) {
      throw new RangeError(
        `metadata keys must be 1 to 40 characters without "[" or "]", received ${show(key)}`,
      );
    }

    if (typeof item !== 'string') {
      throw new TypeError(`metadata.${key} must be a string, received ${show(item)}`);
    }

    if (item.length > 500) {
      throw new RangeError(
        `metadata.${key} must be at most 500 characters, received ${item.length}`,
      );
    }
  }

  return value as StripeMetadata;
}
