/**
 * Upstream faults through the fake vendor servers on loopback: connection refused, resets
 * mid-response, answers that never come or come too late, 5xx storms, 429 storms with and
 * without `Retry-After`, HTML error pages, truncated JSON and huge bodies. For each, the exact
 * number of requests that reached the server is asserted (no duplicate side effect, never more
 * than calls x attempts, none while a breaker is open), and every failure surfaces as an
 * `ApiError`, a `CircuitOpenError` or, for reads, the `null` fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeStripe, FakeTwilio, FakeVapi } from '../../src/demo/fake-upstreams/index.js';
import {
  closeFakeVendors,
  startFakeVendors,
  type FakeVendor,
  type FakeVendors,
} from './helpers/fake-vendors.js';
import { SecretLedger } from './helpers/secrets.js';
import {
  clientSet,
  repeat,
  settle,
  tally,
  type ClientSetOptions,
  type Settled,
} from './helpers/upstream-harness.js';
import { freePorts } from './helpers/ports.js';
import { sleep } from './helpers/wait.js';

const ledger = new SecretLedger();
const sms = { to: '+14155550100', from: '+14155550199', body: 'Your code is 4821' };
const customer = { email: 'ann@example.com', metadata: { user_id: '42' } };
const attempts = 3;

let vapi: FakeVapi;
let twilio: FakeTwilio;
let stripe: FakeStripe;
let urls: ClientSetOptions['urls'];
let fakes: FakeVendors | undefined;

function clients(options: Omit<ClientSetOptions, 'urls' | 'ledger'> = {}) {
  return clientSet({ urls, ledger, retry: { attempts }, ...options });
}

const count = (fake: FakeVendor, path: string): number =>
  fake.requests.filter((request) => request.path.endsWith(path)).length;

/** Every failure is an ApiError, a refusal, or the null fallback of a read. */
function expectTyped(results: readonly Settled[]): void {
  expect(results.filter((result) => result.kind === 'other')).toEqual([]);
}

beforeAll(async () => {
  fakes = await startFakeVendors();
  ({ vapi, twilio, stripe, urls } = fakes);
});

afterAll(() => closeFakeVendors(fakes, ledger, 100));

function fresh(): void {
  for (const fake of [vapi, twilio, stripe]) fake.heal().clearRequests();
}

describe('upstream faults through the fake vendors', () => {
  it('connection refused: 3 attempts per call until the breaker opens (threshold 2), then none', async () => {
    fresh();
    const [port] = await freePorts(1, 41_000);
    const dead = `http://127.0.0.1:${port}`;
    const set = clientSet({
      urls: { vapi: dead, twilio: dead, stripe: dead },
      ledger,
      retry: { attempts },
      breaker: { threshold: 2, coolOff: 60_000 },
    });

    const creates = await repeat(ledger, 10, () =>
      set.vapi.createAssistant({ config: { name: 'x' } }),
    );
    expect(tally(creates)).toEqual({ 'api-error': 2, open: 8 });
    for (const result of creates.slice(0, 2)) {
      expect(result.kind === 'api-error' && result.error.code).toBe('ERR_API_NETWORK');
      expect(result.kind === 'api-error' && result.error.sent).toBe(false);
    }

    expect(set.fetched.attempts).toBe(2 * attempts);

    const reads = await repeat(ledger, 10, () => set.stripe.getCustomer({ customerId: 'cus_1' }));
    expect(tally(reads)).toEqual({ null: 10 });
    expect(set.fetched.attempts).toBe(2 * attempts + 2 * attempts);
    expectTyped([...creates, ...reads]);
  });

  it('reset mid-response: a create goes once (3 requests for 10 SMS), a read retries then falls back to null', async () => {
    fresh();
    const set = clients({ breaker: { threshold: 3, coolOff: 60_000 } });
    twilio.fail({ type: 'reset', times: Infinity, path: 'Messages.json' });
    const sent = await repeat(ledger, 10, () => set.twilio.sendSms(sms));
    expect(tally(sent)).toEqual({ 'api-error': 3, open: 7 });
    for (const result of sent.slice(0, 3)) {
      expect(
        result.kind === 'api-error' && [
          result.error.code,
          result.error.sent,
          result.error.retryable,
        ],
      ).toEqual(['ERR_API_NETWORK', true, false]);
    }

    expect(count(twilio, 'Messages.json')).toBe(3);

    stripe.fail({ type: 'reset', times: Infinity, path: /^\/v1\/customers\// });
    const reads = await repeat(ledger, 10, () => set.stripe.getCustomer({ customerId: 'cus_1' }));
    expect(tally(reads)).toEqual({ null: 10 });
    expect(count(stripe, '/v1/customers/cus_1')).toBe(3 * attempts);
    expectTyped([...sent, ...reads]);
  });

  it('answers that never come: each attempt times out at 150 ms; a Stripe create retries with one Idempotency-Key, a Vapi call is never repeated', async () => {
    fresh();
    const timeout = 150;
    const set = clients({ timeout, breaker: { threshold: 2, coolOff: 60_000 } });
    stripe.fail({ type: 'hang', times: Infinity, path: '/v1/customers' });
    const creates = await repeat(ledger, 4, () => set.stripe.createCustomer(customer));
    expect(tally(creates)).toEqual({ 'api-error': 2, open: 2 });
    for (const result of creates.slice(0, 2)) {
      expect(result.kind === 'api-error' && result.error.code).toBe('ERR_API_TIMEOUT');
      expect(result.ms).toBeLessThan(attempts * timeout + 400);
    }

    const keys = stripe.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(2 * attempts);
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).toBe(keys[2]);
    expect(stripe.customers.size).toBe(0);

    vapi.fail({ type: 'hang', times: Infinity, path: '/call' });
    const calls = await repeat(ledger, 4, () =>
      set.vapi.startCall({ assistantId: 'asst_1', phoneNumber: '+14155550100' }),
    );
    expect(tally(calls)).toEqual({ 'api-error': 2, open: 2 });
    expect(count(vapi, '/call')).toBe(2);
    expectTyped([...creates, ...calls]);
  });

  it('answers lost after the work was done (300 ms late, 100 ms timeout): one customer for 3 attempts, one SMS for 1 attempt', async () => {
    fresh();
    const set = clients({ timeout: 100, breaker: { threshold: 5 } });
    const customersBefore = stripe.customers.size;
    const messagesBefore = twilio.messages.size;
    stripe.fail({ type: 'slow', delay: 300, times: Infinity, path: '/v1/customers' });
    const created = await settle(ledger, () => set.stripe.createCustomer(customer));
    expect(created.kind === 'api-error' && created.error.code).toBe('ERR_API_TIMEOUT');
    expect(count(stripe, '/v1/customers')).toBe(attempts);
    expect(new Set(stripe.requests.map((request) => request.headers['idempotency-key'])).size).toBe(
      1,
    );
    expect(stripe.customers.size - customersBefore).toBe(1);

    twilio.fail({ type: 'slow', delay: 300, times: Infinity, path: 'Messages.json' });
    const sent = await settle(ledger, () => set.twilio.sendSms(sms));
    expect(
      sent.kind === 'api-error' && [sent.error.code, sent.error.sent, sent.error.retryable],
    ).toEqual(['ERR_API_TIMEOUT', true, false]);
    expect(count(twilio, 'Messages.json')).toBe(1);
    expect(twilio.messages.size - messagesBefore).toBe(1);
    // Let the late answers go out before the next test clears the logs.
    await sleep(300);
  });

  it('5xx storm: 5 requests for 50 SMS (threshold 5), none while open, one probe per cool-off, then recovery', async () => {
    fresh();
    const coolOff = 500;
    const set = clients({ breaker: { threshold: 5, coolOff } });
    twilio.fail({ status: 503, times: Infinity, path: 'Messages.json' });

    const storm = await repeat(ledger, 50, () => set.twilio.sendSms(sms));
    expect(tally(storm)).toEqual({ 'api-error': 5, open: 45 });
    expect(count(twilio, 'Messages.json')).toBe(5);
    expect(
      storm.slice(0, 5).map((result) => result.kind === 'api-error' && result.error.status),
    ).toEqual([503, 503, 503, 503, 503]);

    await sleep(coolOff + 30);
    const probe = await repeat(ledger, 10, () => set.twilio.sendSms(sms));
    expect(tally(probe)).toEqual({ 'api-error': 1, open: 9 });
    expect(count(twilio, 'Messages.json')).toBe(6);

    twilio.heal();
    await sleep(coolOff + 30);
    const healed = await repeat(ledger, 10, () => set.twilio.sendSms(sms));
    expect(tally(healed)).toEqual({ value: 10 });
    expect(count(twilio, 'Messages.json')).toBe(16);
    expect(
      set.events.flatMap((event) =>
        event.type === 'transition' ? [`${event.from} -> ${event.to}`] : [],
      ),
    ).toEqual([
      'closed -> open',
      'open -> half-open',
      'half-open -> open',
      'open -> half-open',
      'half-open -> closed',
    ]);

    // 100 concurrent calls while closed are each sent once: 100 requests, no retries; then none.
    const long = clients({ breaker: { threshold: 5, coolOff: 60_000 } });
    twilio.fail({ status: 500, times: Infinity, path: 'Messages.json' });
    const before = count(twilio, 'Messages.json');
    const burst = await Promise.all(
      Array.from({ length: 100 }, () => settle(ledger, () => long.twilio.sendSms(sms))),
    );
    expect(tally(burst)).toEqual({ 'api-error': 100 });
    expect(count(twilio, 'Messages.json') - before).toBe(100);
    const refused = await Promise.all(
      Array.from({ length: 100 }, () => settle(ledger, () => long.twilio.sendSms(sms))),
    );
    expect(tally(refused)).toEqual({ open: 100 });
    expect(count(twilio, 'Messages.json') - before).toBe(100);

    // A read retries a 5xx: 3 requests per call until its breaker opens (threshold 5).
    vapi.fail({ status: 502, times: Infinity, path: /^\/call\// });
    const reads = await repeat(ledger, 10, () => set.vapi.getCall({ callId: 'call_1' }));
    expect(tally(reads)).toEqual({ null: 10 });
    expect(count(vapi, '/call/call_1')).toBe(5 * attempts);
    expectTyped([...storm, ...probe, ...burst, ...refused, ...reads]);
  });

  it('429 storms: Retry-After honoured (2 s waits, 3 requests a call), too long a Retry-After ends the call at once, no Retry-After backs off; a 429 never opens a breaker', async () => {
    fresh();
    const set = clients({ breaker: { threshold: 1 } });
    stripe.fail({ status: 429, retryAfter: 2, times: Infinity, path: /^\/v1\/customers\// });
    const limited = await repeat(ledger, 10, () => set.stripe.getCustomer({ customerId: 'cus_1' }));
    expect(tally(limited)).toEqual({ 'api-error': 10 });
    for (const result of limited) {
      expect(result.kind === 'api-error' && [result.error.status, result.error.retryAfter]).toEqual(
        [429, 2_000],
      );
    }

    expect(count(stripe, '/v1/customers/cus_1')).toBe(10 * attempts);
    expect(set.clock.waits).toEqual(Array.from({ length: 10 * (attempts - 1) }, () => 2_000));
    expect(await set.stripe.breaker('get_customer').state()).toBe('closed');

    stripe.heal().clearRequests();
    set.clock.waits.length = 0;
    stripe.fail({ status: 429, retryAfter: 120, times: Infinity, path: /^\/v1\/customers\// });
    const tooLong = await repeat(ledger, 10, () => set.stripe.getCustomer({ customerId: 'cus_1' }));
    expect(tally(tooLong)).toEqual({ 'api-error': 10 });
    expect(count(stripe, '/v1/customers/cus_1')).toBe(10);
    expect(set.clock.waits).toEqual([]);

    twilio.fail({ status: 429, times: Infinity, path: 'Messages.json' });
    const messagesBefore = twilio.messages.size;
    const backedOff = await repeat(ledger, 10, () => set.twilio.sendSms(sms));
    expect(tally(backedOff)).toEqual({ 'api-error': 10 });
    // Twilio never processes a 429, so even an SMS is retried: 3 requests a call, no message.
    expect(count(twilio, 'Messages.json')).toBe(10 * attempts);
    expect(twilio.messages.size).toBe(messagesBefore);
    expect(set.clock.waits).toHaveLength(10 * (attempts - 1));
    for (const wait of set.clock.waits) expect(wait).toBeLessThanOrEqual(5_000);
    expect(await set.twilio.breaker('send_sms').state()).toBe('closed');
    expect(set.events.filter((event) => event.type === 'transition')).toEqual([]);
    expectTyped([...limited, ...tooLong, ...backedOff]);
  });

  it('HTML error pages and truncated JSON: typed errors without the page, creates sent once or retried under one key, reads fall back to null', async () => {
    fresh();
    const set = clients({ breaker: { threshold: 3, coolOff: 60_000 } });
    twilio.fail({ type: 'html', status: 502, times: Infinity, path: 'Messages.json' });
    const pages = await repeat(ledger, 10, () => set.twilio.sendSms(sms));
    expect(tally(pages)).toEqual({ 'api-error': 3, open: 7 });
    for (const result of pages.slice(0, 3)) {
      if (result.kind !== 'api-error') throw new Error('expected an ApiError');
      expect([result.error.code, result.error.status]).toEqual(['ERR_API_STATUS', 502]);
      expect(result.error.vendorMessage).toContain('text/html');
      expect(result.error.message).not.toMatch(/<html|<!DOCTYPE|<h1>/i);
    }

    expect(count(twilio, 'Messages.json')).toBe(3);

    vapi.fail({ type: 'html', status: 200, times: Infinity, path: /^\/call\// });
    const htmlReads = await repeat(ledger, 5, () => set.vapi.getCall({ callId: 'call_1' }));
    expect(tally(htmlReads)).toEqual({ null: 5 });
    expect(count(vapi, '/call/call_1')).toBe(3 * attempts);

    stripe.fail({ type: 'truncated', times: Infinity, path: '/v1/customers' });
    const truncated = await repeat(ledger, 5, () => set.stripe.createCustomer(customer));
    expect(tally(truncated)).toEqual({ 'api-error': 3, open: 2 });
    for (const result of truncated.slice(0, 3)) {
      expect(result.kind === 'api-error' && result.error.code).toBe('ERR_API_RESPONSE');
    }

    expect(count(stripe, '/v1/customers')).toBe(3 * attempts);
    expect(new Set(stripe.requests.map((request) => request.headers['idempotency-key'])).size).toBe(
      3,
    );
    expectTyped([...pages, ...htmlReads, ...truncated]);
  });

  it('huge bodies (8 MB) are cut at 64 KiB, under 320 KiB pulled per attempt: null for a read, 3 attempts a call', async () => {
    fresh();
    const limit = 65_536;
    const set = clients({ maxResponseBytes: limit, breaker: { threshold: 2, coolOff: 60_000 } });
    stripe.fail({
      type: 'huge',
      bytes: 8_000_000,
      times: Infinity,
      path: /^\/v1\/payment_intents\//,
    });
    const reads = await repeat(ledger, 4, () =>
      set.stripe.getPaymentIntent({ paymentIntentId: 'pi_1' }),
    );
    expect(tally(reads)).toEqual({ null: 4 });
    expect(count(stripe, '/v1/payment_intents/pi_1')).toBe(2 * attempts);
    expect(set.fetched.bodies).toHaveLength(2 * attempts);
    const pulled = set.fetched.bodies.map((body) => body.bytes);
    // What the client pulled through the stream: the limit plus at most the chunk that crossed it.
    for (const bytes of pulled) expect(bytes).toBeLessThanOrEqual(limit + 256 * 1024);
    console.info(`huge body: bytes pulled per 8 MB answer ${pulled.join('/')}`);
    for (const result of reads) expect(result.ms).toBeLessThan(2_000);
  });
});
