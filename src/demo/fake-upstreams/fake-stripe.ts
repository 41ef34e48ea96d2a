import {
  FakeUpstream,
  type FakeUpstreamOptions,
  type RecordedRequest,
  type Reply,
} from './fake-upstream.js';
import { parseBracketForm } from './parse-bracket-form.js';
import { randomId } from './random-id.js';
import { newCustomer, newSubscription, unixNow } from './stripe-objects.js';

/** Options of {@link startFakeStripe}. */
export interface FakeStripeOptions extends FakeUpstreamOptions {
  /**
   * The key requests must carry (`Authorization: Bearer <key>`); any `sk_`/`rk_` key passes when
   * unset.
   * @default undefined
   */
  readonly secretKey?: string;
}

/** An object as the fake stores it (Stripe's snake_case fields). */
export type FakeStripeObject = Record<string, unknown> & { readonly id: string };

interface Remembered {
  readonly signature: string;
  readonly reply: Reply;
}

/**
 * A fake of Stripe's v1 API on loopback: Checkout Sessions, Customers, Subscriptions and
 * PaymentIntents, with bracket-encoded form bodies, the `{error: {...}}` envelope, a
 * `Request-Id` on every answer, and `Idempotency-Key` replays (the same key and parameters get
 * the first answer again, marked `Idempotent-Replayed: true`; other parameters get a 400
 * `idempotency_error`). Faults act in front of the idempotency layer, like a network would.
 */
export class FakeStripe extends FakeUpstream {
  readonly vendor = 'stripe';
  readonly sessions = new Map<string, FakeStripeObject>();
  readonly customers = new Map<string, FakeStripeObject>();
  readonly subscriptions = new Map<string, FakeStripeObject>();
  readonly paymentIntents = new Map<string, FakeStripeObject>();
  readonly #secretKey: string | undefined;
  readonly #idempotency = new Map<string, Remembered>();

  constructor(options: FakeStripeOptions = {}) {
    super(options);
    this.#secretKey = options.secretKey;
  }

  /** Starts listening; see {@link startFakeStripe}. */
  start(options: FakeStripeOptions = {}): Promise<this> {
    return this.listen(options);
  }

  /** Adds a customer, as if made earlier. */
  addCustomer(
    fields: { email?: string; name?: string; metadata?: Record<string, string> } = {},
  ): FakeStripeObject {
    const customer = newCustomer(fields.email ?? null, fields.name ?? null, fields.metadata ?? {});
    this.customers.set(customer.id, customer);
    return customer;
  }

  /** Deletes a customer: reads then get `{id, object, deleted: true}`. */
  deleteCustomer(customerId: string): void {
    if (this.customers.has(customerId)) {
      this.customers.set(customerId, { id: customerId, object: 'customer', deleted: true });
    }
  }

  /** Adds a subscription, as if made earlier. */
  addSubscription(
    fields: {
      customer?: string;
      status?: string;
      priceId?: string;
      metadata?: Record<string, string>;
    } = {},
  ): FakeStripeObject {
    const subscription = newSubscription(
      fields.customer ?? this.addCustomer().id,
      fields.priceId ?? 'price_fake_monthly',
      fields.metadata ?? {},
      fields.status ?? 'active',
    );
    this.subscriptions.set(subscription.id, subscription);
    return subscription;
  }

  /** Adds a PaymentIntent, as if made earlier. */
  addPaymentIntent(
    fields: { amount?: number; currency?: string; status?: string; customer?: string } = {},
  ): FakeStripeObject {
    const intent: FakeStripeObject = {
      id: randomId('pi_', 24, 'alnum'),
      object: 'payment_intent',
      amount: fields.amount ?? 2_000,
      currency: fields.currency ?? 'usd',
      status: fields.status ?? 'succeeded',
      customer: fields.customer ?? null,
      metadata: {},
      created: unixNow(),
      livemode: false,
      latest_charge: null,
    };
    this.paymentIntents.set(intent.id, intent);
    return intent;
  }

  /**
   * Completes a Checkout Session as if the customer paid: makes its customer and subscription
   * (with the session's `subscription_data[metadata]`).
   */
  completeSession(
    sessionId: string,
  ): { customer: FakeStripeObject; subscription: FakeStripeObject } | undefined {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;

    const customer = this.addCustomer({
      email: (session['customer_email'] as string | null) ?? 'customer@example.com',
    });
    const lineItems = session['line_items_requested'] as { price: string }[] | undefined;
    const subscription = newSubscription(
      customer.id,
      lineItems?.[0]?.price ?? 'price_fake_monthly',
      (session['subscription_metadata'] as Record<string, string> | undefined) ?? {},
      'active',
    );
    this.subscriptions.set(subscription.id, subscription);
    Object.assign(session, {
      status: 'complete',
      payment_status: 'paid',
      customer: customer.id,
      subscription: subscription.id,
    });
    return { customer, subscription };
  }

  protected route(request: RecordedRequest): Reply {
    if (!this.#authorized(request)) {
      return {
        status: 401,
        body: {
          error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_****' },
        },
      };
    }

    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return this.#answer(request);

    const signature = `${request.method} ${request.path} ${request.body}`;
    const remembered = this.#idempotency.get(key);
    if (remembered !== undefined) {
      if (remembered.signature !== signature) {
        return {
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message:
                'Keys for idempotent requests can only be used with the same parameters ' +
                `they were first used with. Try using a key other than '${key}' ` +
                'if you meant to execute a different request.',
            },
          },
        };
      }

      return {
        ...remembered.reply,
        headers: { ...remembered.reply.headers, 'Idempotent-Replayed': 'true' },
      };
    }

    const reply = this.#answer(request);
    // Stripe saves the outcome of a request that ran, but not one refused before running.
    if (reply.status < 400 || reply.status >= 500) this.#idempotency.set(key, { signature, reply });
    return { ...reply, headers: { ...reply.headers, 'Idempotency-Key': key } };
  }

  protected errorBody(status: number, message: string): unknown {
    if (status === 429)
      return { error: { type: 'invalid_request_error', code: 'rate_limit', message } };
    if (status >= 500) return { error: { type: 'api_error', message } };
    return { error: { type: 'invalid_request_error', message } };
  }

  protected answerHeaders(): Record<string, string> {
    return { 'Request-Id': randomId('req_', 14, 'alnum'), 'Stripe-Version': '2026-07-29.dahlia' };
  }

  #authorized(request: RecordedRequest): boolean {
    const auth = request.headers['authorization'] ?? '';
    let key = '';
    if (auth.startsWith('Bearer ')) key = auth.slice(7);
    if (auth.startsWith('Basic '))
      key = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':', 1)[0] ?? '';
    if (this.#secretKey !== undefined) return key === this.#secretKey;
    return /^(sk|rk)_/.test(key);
  }

  #answer(request: RecordedRequest): Reply {
    const match =
      /^\/v1\/(checkout\/sessions|customers|subscriptions|payment_intents)(?:\/([^/]+))?$/.exec(
        request.path,
      );
    if (match === null) return this.#unknownUrl(request);

    const [, resource = '', id] = match;
    const route = `${request.method} /v1/${resource}${id === undefined ? '' : '/{id}'}`;
    const params = parseBracketForm(request.form ?? new URLSearchParams());
    switch (route) {
      case 'POST /v1/checkout/sessions':
        return this.#createSession(params);
      case 'GET /v1/checkout/sessions/{id}':
        return this.#retrieve(this.sessions, 'checkout.session', id);
      case 'POST /v1/customers':
        return this.#createCustomer(params);
      case 'GET /v1/customers/{id}':
        return this.#retrieve(this.customers, 'customer', id);
      case 'DELETE /v1/customers/{id}': {
        const found = this.customers.get(id ?? '');
        if (found === undefined || found['deleted'] === true) return this.#missing('customer', id);
        this.deleteCustomer(found.id);
        return { status: 200, body: this.customers.get(found.id) };
      }

      case 'GET /v1/subscriptions/{id}':
        return this.#retrieve(this.subscriptions, 'subscription', id);
      case 'DELETE /v1/subscriptions/{id}':
        return this.#cancel(id);
      case 'GET /v1/payment_intents/{id}':
        return this.#retrieve(this.paymentIntents, 'payment_intent', id);
      default:
        return this.#unknownUrl(request);
    }
  }

  #createSession(params: Record<string, unknown>): Reply {
    const mode = params['mode'];
    if (mode !== 'payment' && mode !== 'subscription' && mode !== 'setup') {
      return this.#invalid('mode', 'Missing required param: mode.');
    }

    const items = params['line_items'];
    if (mode !== 'setup' && (!Array.isArray(items) || items.length === 0)) {
      return this.#invalid('line_items', 'Missing required param: line_items.');
    }

    const lineItems = (Array.isArray(items) ? items : []) as Record<string, unknown>[];
    for (const [index, item] of lineItems.entries()) {
      if (typeof item['price'] !== 'string') {
        return this.#invalid(
          `line_items[${index}][price]`,
          `Missing required param: line_items[${index}][price].`,
        );
      }
    }

    const id = randomId('cs_test_', 40, 'alnum');
    const created = unixNow();
    const subscriptionData = params['subscription_data'] as Record<string, unknown> | undefined;
    const session: FakeStripeObject = {
      id,
      object: 'checkout.session',
      url: `https://checkout.stripe.com/c/pay/${id}`,
      status: 'open',
      payment_status: 'unpaid',
      mode,
      ui_mode: 'hosted_page',
      customer: null,
      customer_email: params['customer_email'] ?? null,
      subscription: null,
      invoice: null,
      client_reference_id: params['client_reference_id'] ?? null,
      metadata: params['metadata'] ?? {},
      success_url: params['success_url'] ?? null,
      cancel_url: params['cancel_url'] ?? null,
      amount_total: 2_000 * lineItems.reduce((sum, item) => sum + Number(item['quantity'] ?? 1), 0),
      currency: 'usd',
      expires_at: created + 86_400,
      created,
      livemode: false,
    };
    Object.defineProperties(session, {
      line_items_requested: { value: lineItems, enumerable: false },
      subscription_metadata: { value: subscriptionData?.['metadata'] ?? {}, enumerable: false },
    });
    this.sessions.set(id, session);
    return { status: 200, body: session };
  }

  #createCustomer(params: Record<string, unknown>): Reply {
    const customer = newCustomer(
      (params['email'] as string | undefined) ?? null,
      (params['name'] as string | undefined) ?? null,
      (params['metadata'] as Record<string, string> | undefined) ?? {},
    );
    this.customers.set(customer.id, customer);
    return { status: 200, body: customer };
  }

  #cancel(id: string | undefined): Reply {
    const subscription = this.subscriptions.get(id ?? '');
    if (subscription === undefined || subscription['status'] === 'canceled')
      return this.#missing('subscription', id);

    const at = unixNow();
    Object.assign(subscription, { status: 'canceled', canceled_at: at, ended_at: at });
    return { status: 200, body: subscription };
  }

  #retrieve(
    store: ReadonlyMap<string, FakeStripeObject>,
    object: string,
    id: string | undefined,
  ): Reply {
    const found = store.get(id ?? '');
    return found === undefined ? this.#missing(object, id) : { status: 200, body: found };
  }

  #missing(object: string, id: string | undefined): Reply {
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'id',
          message: `No such ${object}: '${id ?? ''}'`,
          doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
        },
      },
    };
  }

  #invalid(param: string, message: string): Reply {
    return {
      status: 400,
      body: { error: { type: 'invalid_request_error', code: 'parameter_missing', param, message } },
    };
  }

  #unknownUrl(request: RecordedRequest): Reply {
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${request.method}: ${request.path}).`,
        },
      },
    };
  }
}

/**
 * Starts a fake Stripe on loopback.
 *
 * @example
 * ```ts
 * const stripe = await startFakeStripe({ secretKey: 'sk_test_123' });
 * const client = new StripeClient({ secretKey: 'sk_test_123', baseUrl: stripe.url });
 * stripe.fail({ status: 429, retryAfter: 1 });
 * ```
 */
export function startFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
  return new FakeStripe(options).start(options);
}
