import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryStore } from 'breakwater';
import {
  StripeClient,
  stripeApiVersion,
  type ApiError,
  type StripeClientOptions,
} from 'breakwater/clients';
import { startFakeStripe, type FakeStripe } from '../../src/demo/fake-upstreams/index.js';
import { captureLogger, instantClock, rejectionOf } from '../http/harness.js';

const secretKey = 'sk_test_51HfakeKey0123456789abcdef';
const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const session = {
  priceId: 'price_ABC',
  customerEmail: 'ann@example.com',
  metadata: { user_id: '42' },
};
let stripe: FakeStripe;
let log: ReturnType<typeof captureLogger>;
let clock: ReturnType<typeof instantClock>;

function client(options: Partial<StripeClientOptions> = {}): StripeClient {
  return new StripeClient({
    secretKey,
    baseUrl: stripe.url,
    successUrl: 'https://app.example.com/billing/ok?session_id={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://app.example.com/billing/cancel',
    store: new MemoryStore(),
    logger: log.logger,
    clock,
    timeout: 200,
    ...options,
  });
}

function keys(): (string | undefined)[] {
  return stripe.requests.map((request) => request.headers['idempotency-key']);
}

beforeEach(async () => {
  stripe = await startFakeStripe({ secretKey });
  log = captureLogger();
  clock = instantClock();
});

afterEach(async () => {
  await stripe.close();
});

describe('StripeClient on the wire', () => {
  it('creates a subscription Checkout Session with bracket-encoded fields', async () => {
    const created = await client().createCheckoutSession(session);
    const request = stripe.requests[0];

    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/checkout/sessions');
    expect(request?.headers['authorization']).toBe(`Bearer ${secretKey}`);
    expect(request?.headers['stripe-version']).toBe('2026-07-29.dahlia');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers['accept']).toBe('application/json');
    expect(request?.headers['idempotency-key']).toMatch(uuidV4);
    expect(request?.body).toBe(
      'mode=subscription&line_items[0][price]=price_ABC&line_items[0][quantity]=1' +
        '&customer_email=ann%40example.com' +
        '&success_url=https%3A%2F%2Fapp.example.com%2Fbilling%2Fok%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D' +
        '&cancel_url=https%3A%2F%2Fapp.example.com%2Fbilling%2Fcancel' +
        '&metadata[user_id]=42&subscription_data[metadata][user_id]=42',
    );
    expect(created).toMatchObject({
      object: 'checkout.session',
      mode: 'subscription',
      status: 'open',
      customer_email: 'ann@example.com',
      metadata: { user_id: '42' },
      url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//) as unknown,
    });
  });

  it('puts the metadata on the subscription the session creates', async () => {
    const created = await client().createCheckoutSession(session);
    const completed = stripe.completeSession(created.id);

    expect(completed?.subscription['metadata']).toEqual({ user_id: '42' });
  });

  it('lets a session name its own URLs and requires them', async () => {
    await client().createCheckoutSession({
      ...session,
      successUrl: 'https://x.test/ok',
      cancelUrl: 'https://x.test/no',
    });

    expect(stripe.requests[0]?.form?.get('success_url')).toBe('https://x.test/ok');
    expect(stripe.requests[0]?.form?.get('cancel_url')).toBe('https://x.test/no');
    await expect(client({ successUrl: undefined }).createCheckoutSession(session)).rejects.toThrow(
      /successUrl is required/,
    );
    await expect(client({ cancelUrl: undefined }).createCheckoutSession(session)).rejects.toThrow(
      /cancelUrl is required/,
    );
  });

  it("sends the pinned version, or the client's own", async () => {
    expect(client().apiVersion).toBe(stripeApiVersion);
    await client({ apiVersion: '2025-03-31.basil' })
      .getSubscription({ subscriptionId: 'sub_1' })
      .catch(() => null);

    expect(stripe.requests[0]?.headers['stripe-version']).toBe('2025-03-31.basil');
  });

  it('creates a customer: POST /v1/customers with email and metadata', async () => {
    const customer = await client().createCustomer({
      email: 'ann@example.com',
      metadata: { user_id: '42', plan: 'pro' },
    });

    expect(stripe.requests[0]?.body).toBe(
      'email=ann%40example.com&metadata[user_id]=42&metadata[plan]=pro',
    );
    expect(customer).toMatchObject({
      object: 'customer',
      email: 'ann@example.com',
      metadata: { user_id: '42', plan: 'pro' },
    });
  });

  it('reads subscriptions, customers and PaymentIntents with plain GETs', async () => {
    const subscription = stripe.addSubscription({ metadata: { user_id: '7' } });
    const customer = stripe.addCustomer({ email: 'bo@example.com' });
    const intent = stripe.addPaymentIntent({ amount: 4_200 });
    const stripeClient = client();

    await expect(
      stripeClient.getSubscription({ subscriptionId: subscription.id }),
    ).resolves.toMatchObject({
      id: subscription.id,
      status: 'active',
      items: { data: [{ current_period_end: expect.any(Number) as unknown }] },
    });
    await expect(stripeClient.getCustomer({ customerId: customer.id })).resolves.toMatchObject({
      email: 'bo@example.com',
    });
    await expect(
      stripeClient.getPaymentIntent({ paymentIntentId: intent.id }),
    ).resolves.toMatchObject({
      amount: 4_200,
      status: 'succeeded',
    });
    expect(
      stripe.requests.map((request) => `${request.method} ${request.url} ${request.body}`),
    ).toEqual([
      `GET /v1/subscriptions/${subscription.id} `,
      `GET /v1/customers/${customer.id} `,
      `GET /v1/payment_intents/${intent.id} `,
    ]);
    expect(keys()).toEqual([undefined, undefined, undefined]);
  });

  it('returns a deleted customer as a typed result', async () => {
    const customer = stripe.addCustomer({ email: 'gone@example.com' });
    stripe.deleteCustomer(customer.id);
    const read = await client().getCustomer({ customerId: customer.id });

    expect(read).toEqual({ id: customer.id, object: 'customer', deleted: true });
  });

  it('rejects a customer that never existed with a 404 resource_missing', async () => {
    const stripeClient = client();
    const error = (await rejectionOf(
      stripeClient.getCustomer({ customerId: 'cus_nope' }),
    )) as ApiError;

    expect(error.status).toBe(404);
    expect(error.vendorCode).toBe('resource_missing');
    expect(error.vendorMessage).toBe("No such customer: 'cus_nope'");
    expect(error.requestId).toMatch(/^req_/);
    expect(await stripeClient.breaker('get_customer').state()).toBe('closed');
  });

  it('cancels a subscription with DELETE /v1/subscriptions/{id}', async () => {
    const subscription = stripe.addSubscription();
    const canceled = await client().cancelSubscription({ subscriptionId: subscription.id });

    expect(stripe.requests[0]).toMatchObject({
      method: 'DELETE',
      path: `/v1/subscriptions/${subscription.id}`,
      body: '',
    });
    expect(canceled).toMatchObject({
      status: 'canceled',
      canceled_at: expect.any(Number) as unknown,
    });
  });

  it('checks metadata before sending', async () => {
    const stripeClient = client();

    await expect(
      stripeClient.createCustomer({ email: 'a@b.co', metadata: { 'a[b]': 'x' } }),
    ).rejects.toThrow(/metadata keys must be 1 to 40 characters/);
    await expect(
      stripeClient.createCustomer({ email: 'a@b.co', metadata: { n: 1 as never } }),
    ).rejects.toThrow(/metadata.n must be a string/);
    await expect(stripeClient.createCustomer({ email: 'nope', metadata: {} })).rejects.toThrow(
      /email must be an email/,
    );
    expect(stripe.requests).toHaveLength(0);
  });
});

describe('StripeClient retries with one Idempotency-Key', () => {
  it('retries a POST after 5xx with the same key and creates one session', async () => {
    stripe.fail({ status: 503, times: 2 });
    await client().createCheckoutSession(session);

    const sent = keys();
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(1);
    expect(new Set(stripe.requests.map((request) => request.body)).size).toBe(1);
    expect(stripe.sessions.size).toBe(1);
  });

  it('retries after a timeout with the same key, and Stripe replays the first answer', async () => {
    stripe.fail({ type: 'slow', delay: 400 });
    const customer = await client().createCustomer({ email: 'ann@example.com', metadata: {} });

    expect(new Set(keys()).size).toBe(1);
    expect(stripe.requests).toHaveLength(2);
    expect(stripe.customers.size).toBe(1);
    expect(stripe.customers.has(customer.id)).toBe(true);
  });

  it('retries after a reset, a 409 and a 429 with the same key', async () => {
    stripe
      .fail({ type: 'reset' })
      .fail({
        status: 409,
        body: { error: { type: 'invalid_request_error', code: 'idempotency_key_in_use' } },
      })
      .fail({ status: 429 });
    await client({ retry: { attempts: 4 } }).createCustomer({
      email: 'ann@example.com',
      metadata: {},
    });

    expect(stripe.requests.map((request) => request.fault)).toEqual([
      'reset',
      'status',
      'status',
      undefined,
    ]);
    expect(new Set(keys()).size).toBe(1);
    expect(stripe.customers.size).toBe(1);
  });

  it('uses a new key for each logical call, or the caller’s own', async () => {
    const stripeClient = client();
    await stripeClient.createCustomer({ email: 'a@example.com', metadata: {} });
    await stripeClient.createCustomer({ email: 'a@example.com', metadata: {} });
    await stripeClient.createCustomer({
      email: 'a@example.com',
      metadata: {},
      idempotencyKey: 'order-77',
    });

    const [first, second, third] = keys();
    expect(first).not.toBe(second);
    expect(third).toBe('order-77');
  });

  it('stops when Stripe answers Stripe-Should-Retry: false', async () => {
    stripe.fail({ status: 503, headers: { 'Stripe-Should-Retry': 'false' } });
    const error = (await rejectionOf(
      client().createCustomer({ email: 'a@example.com', metadata: {} }),
    )) as ApiError;

    expect(error.status).toBe(503);
    expect(error.retryable).toBe(false);
    expect(stripe.requests).toHaveLength(1);
  });

  it('retries when Stripe answers Stripe-Should-Retry: true, even a 400', async () => {
    stripe.fail({ status: 400, headers: { 'Stripe-Should-Retry': 'true' } });
    await client().createCustomer({ email: 'a@example.com', metadata: {} });

    expect(stripe.requests).toHaveLength(2);
    expect(new Set(keys()).size).toBe(1);
  });

  it('does not retry a plain 400', async () => {
    stripe.fail({ status: 400 });
    await rejectionOf(client().createCustomer({ email: 'a@example.com', metadata: {} }));

    expect(stripe.requests).toHaveLength(1);
  });

  it('waits out a 429 Retry-After, and does not trip the breaker', async () => {
    stripe.fail({ status: 429, retryAfter: 1, times: 2 });
    const stripeClient = client();
    await stripeClient.createCustomer({ email: 'a@example.com', metadata: {} });

    expect(clock.delays).toHaveLength(2);
    expect(clock.delays.every((delay) => delay >= 1_000)).toBe(true);
    expect(await stripeClient.breaker('create_customer').state()).toBe('closed');
  });

  it('confirms a 404 on a retried cancel with a GET: canceled is a success', async () => {
    const subscription = stripe.addSubscription();
    stripe.fail({ type: 'slow', delay: 300, method: 'DELETE' });
    const canceled = await client({ timeout: 100 }).cancelSubscription({
      subscriptionId: subscription.id,
    });

    expect(canceled).toMatchObject({ id: subscription.id, status: 'canceled' });
    expect(stripe.requests.map((request) => request.method)).toEqual(['DELETE', 'DELETE', 'GET']);
  });

  it('rejects a 404 on the first cancel', async () => {
    const subscription = stripe.addSubscription({ status: 'canceled' });
    const error = (await rejectionOf(
      client().cancelSubscription({ subscriptionId: subscription.id }),
    )) as ApiError;

    expect(error.status).toBe(404);
    expect(stripe.requests).toHaveLength(1);
  });
});

describe('StripeClient reads fall back to null', () => {
  it('when Stripe fails, then while the breaker is open without a request', async () => {
    stripe.fail({ status: 500, times: 3 });
    const stripeClient = client();

    await expect(stripeClient.getSubscription({ subscriptionId: 'sub_1' })).resolves.toBeNull();
    await expect(stripeClient.getSubscription({ subscriptionId: 'sub_1' })).resolves.toBeNull();
    expect(stripe.requests).toHaveLength(3);
    expect(log.lines).toEqual([
      'warn breaker stripe:get_subscription closed -> open after ApiError: stripe:get_subscription: GET /v1/subscriptions/sub_1 answered 500 (api_error): Service unavailable',
    ]);
  });

  it('when an answer cannot be read', async () => {
    stripe.fail({ type: 'truncated', times: 3 });

    await expect(client().getPaymentIntent({ paymentIntentId: 'pi_1' })).resolves.toBeNull();
  });

  it('but not for a 429, which rejects once the retries run out', async () => {
    stripe.fail({ status: 429, times: 3 });
    const error = (await rejectionOf(client().getCustomer({ customerId: 'cus_1' }))) as ApiError;

    expect(error.status).toBe(429);
    expect(error.vendorCode).toBe('rate_limit');
  });
});
