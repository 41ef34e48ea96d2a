/**
 * Bad input to the clients, fuzzed: every argument of every Vapi, Twilio and Stripe method (and
 * the secrets and URLs of their constructors) gets wrong types, NaN, negatives, huge and empty
 * values, unicode and near-misses of the valid shapes. A valid value must be sent; an invalid
 * one must be refused with a TypeError or RangeError whose message starts with the argument's
 * name, before any request reaches the fake vendor and before anything is written to the store.
 * No message may show a secret.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from 'breakwater';
import { StripeClient, TwilioClient, VapiClient } from 'breakwater/clients';
import type { FakeStripe, FakeTwilio, FakeVapi } from '../../src/demo/fake-upstreams/index.js';
import {
  closeFakeVendors,
  startFakeVendors,
  type FakeVendor,
  type FakeVendors,
} from './helpers/fake-vendors.js';
import {
  SecretLedger,
  stripeSecretKey,
  twilioAccountSid,
  twilioAuthToken,
  vapiApiKey,
} from './helpers/secrets.js';

const ledger = new SecretLedger();

const nasty = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -1,
    0,
    -0,
    0.5,
    1e308,
    2 ** 53,
    '',
    ' ',
    '.',
    '..',
    '../../v1/balance',
    '☎️',
    '\u0000',
    '\ud800',
    'x'.repeat(10_000),
    null,
    undefined,
    [],
    {},
    () => 1,
    Symbol('s'),
    10n,
    new Date(0),
    new AbortController().signal,
  ),
);

type Oracle = (value: unknown) => boolean;

const isString = (value: unknown): value is string => typeof value === 'string';
const id: Oracle = (v) =>
  isString(v) && v.length >= 1 && v.length <= 200 && v !== '.' && v !== '..' && v.trim() === v;
const phone: Oracle = (v) => isString(v) && /^\+[1-9]\d{1,14}$/.test(v);
const text =
  (max: number): Oracle =>
  (v) =>
    isString(v) && v.length >= 1 && v.length <= max;
const email: Oracle = (v) => text(512)(v) && /^[^\s@]+@[^\s@]+$/.test(v as string);
const httpUrl: Oracle = (v) => {
  if (!isString(v)) return false;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};
const optional =
  (oracle: Oracle): Oracle =>
  (v) =>
    v === undefined || oracle(v);
const plainObject: Oracle = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const jsonObject: Oracle = (v) => {
  if (!plainObject(v)) return false;
  try {
    JSON.stringify(v);
    return true;
  } catch {
    return false;
  }
};
/** What may go in an HTTP header: printable ASCII with no surrounding spaces. */
const headerText =
  (max: number): Oracle =>
  (v) =>
    text(max)(v) && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(v as string);
const areaCode: Oracle = (v) =>
  (typeof v === 'string' || typeof v === 'number') && /^[2-9]\d{2}$/.test(String(v));
const events: Oracle = (v) =>
  v === undefined ||
  (Array.isArray(v) &&
    v.every((item) => ['initiated', 'ringing', 'answered', 'completed'].includes(item as string)));
const metadata: Oracle = (v) => {
  if (!plainObject(v)) return false;
  const entries = Object.entries(v as object);
  return (
    entries.length <= 50 &&
    entries.every(
      ([key, item]) =>
        key.length >= 1 &&
        key.length <= 40 &&
        !/[[\]]/.test(key) &&
        typeof item === 'string' &&
        item.length <= 500,
    )
  );
};
const signal: Oracle = (v) => v === undefined || v instanceof AbortSignal;

/** Near-misses of each shape, beside the nasty values every field gets. */
const shapes = {
  id: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 210 }),
    fc.string({ minLength: 195, maxLength: 205 }),
  ),
  phone: fc.oneof(
    fc.stringMatching(/^\+[0-9]{0,16}$/),
    fc.stringMatching(/^[+0-9 ()-]{1,18}$/),
    fc.constantFrom('+١٤١٥٥٥٥٠١٠٠', '+14155550100\n', '++14155550100', '+0123'),
  ),
  text: fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.string({ minLength: 1590, maxLength: 1610 }),
  ),
  email: fc.oneof(
    fc.emailAddress(),
    fc.string({ maxLength: 30 }),
    fc.constantFrom('a@b', 'a b@c', '@', 'a@'),
  ),
  url: fc.oneof(
    fc.webUrl(),
    fc.constantFrom(
      'ftp://x',
      'javascript:alert(1)',
      'http://',
      '/relative',
      'https://x.example/cb?a=1',
    ),
  ),
  areaCode: fc.oneof(
    fc.integer({ min: -1_000, max: 2_000 }),
    fc.double(),
    fc.stringMatching(/^[0-9]{0,4}$/),
    fc.constantFrom('415', 415, 415.0, '４１５', ' 415', '415\n', '0x19f'),
  ),
  events: fc.oneof(
    fc.array(fc.constantFrom('initiated', 'ringing', 'answered', 'completed', 'busy', '')),
    fc.constantFrom(['answered'], 'answered', [null]),
  ),
  metadata: fc.oneof(
    fc.dictionary(fc.string({ maxLength: 45 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.anything(), { maxKeys: 3 }),
    fc.constantFrom(
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])),
      { 'a[b]': 'x' },
      { k: 'v'.repeat(501) },
      { k: 1 },
    ),
  ),
  idempotencyKey: fc.oneof(
    fc.string({ unit: 'grapheme-ascii', maxLength: 260 }),
    fc.string({ minLength: 250, maxLength: 260 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('Ā', 'key☎', 'key\n', ' key', 'key ', 'a\u0000b'),
  ),
  config: fc.oneof(
    fc.object({ values: [fc.jsonValue()] }),
    fc.array(fc.jsonValue()),
    fc.jsonValue(),
    fc.constantFrom(
      { big: 10n },
      {
        toJSON: () => {
          throw new Error('no');
        },
      },
      (() => {
        const cycle: Record<string, unknown> = {};
        cycle['self'] = cycle;
        return cycle;
      })(),
    ),
  ),
};

interface Field {
  readonly name: string;
  readonly valid: Oracle;
  readonly values: fc.Arbitrary<unknown>;
}

interface Method {
  readonly label: string;
  readonly base: Readonly<Record<string, unknown>>;
  readonly fields: readonly Field[];
  readonly call: (args: unknown) => Promise<unknown>;
  readonly fake: () => FakeVendor;
}

const field = (name: string, valid: Oracle, shape?: fc.Arbitrary<unknown>): Field => ({
  name,
  valid,
  values: shape === undefined ? nasty : fc.oneof(nasty, shape),
});

let fakes: FakeVendors | undefined;
let vapiFake: FakeVapi;
let twilioFake: FakeTwilio;
let stripeFake: FakeStripe;
let vapi: VapiClient;
let twilio: TwilioClient;
let stripe: StripeClient;
let store: MemoryStore;

const methods: Method[] = [
  {
    label: 'vapi.createAssistant',
    base: { config: { name: 'Receptionist' } },
    fields: [field('config', jsonObject, shapes.config), field('signal', signal)],
    call: (args) => vapi.createAssistant(args as never),
    fake: () => vapiFake,
  },
  {
    label: 'vapi.updateAssistant',
    base: { assistantId: 'asst_1', config: { name: 'x' } },
    fields: [field('assistantId', id, shapes.id), field('config', jsonObject, shapes.config)],
    call: (args) => vapi.updateAssistant(args as never),
    fake: () => vapiFake,
  },
  {
    label: 'vapi.deleteAssistant',
    base: { assistantId: 'asst_1' },
    fields: [field('assistantId', id, shapes.id), field('signal', signal)],
    call: (args) => vapi.deleteAssistant(args as never),
    fake: () => vapiFake,
  },
  {
    label: 'vapi.startCall',
    base: { assistantId: 'asst_1', phoneNumber: '+14155550100' },
    fields: [
      field('assistantId', id, shapes.id),
      field('phoneNumber', phone, shapes.phone),
      field('phoneNumberId', optional(id), shapes.id),
    ],
    call: (args) => vapi.startCall(args as never),
    fake: () => vapiFake,
  },
  {
    label: 'vapi.getCall',
    base: { callId: 'call_1' },
    fields: [field('callId', id, shapes.id), field('signal', signal)],
    call: (args) => vapi.getCall(args as never),
    fake: () => vapiFake,
  },
  {
    label: 'twilio.sendSms',
    base: { to: '+14155550100', from: '+14155550199', body: 'hi' },
    fields: [
      field('to', phone, shapes.phone),
      field('from', phone, shapes.phone),
      field('body', text(1_600), shapes.text),
      field('statusCallback', optional(httpUrl), shapes.url),
    ],
    call: (args) => twilio.sendSms(args as never),
    fake: () => twilioFake,
  },
  {
    label: 'twilio.makeCall',
    base: { to: '+14155550100', from: '+14155550199' },
    fields: [
      field('to', phone, shapes.phone),
      field('from', phone, shapes.phone),
      field('url', optional(httpUrl), shapes.url),
      field('statusCallback', optional(httpUrl), shapes.url),
      field('statusCallbackEvents', events, shapes.events),
    ],
    call: (args) => twilio.makeCall(args as never),
    fake: () => twilioFake,
  },
  {
    label: 'twilio.getCall',
    base: { callSid: 'CA1' },
    fields: [field('callSid', id, shapes.id), field('signal', signal)],
    call: (args) => twilio.getCall(args as never),
    fake: () => twilioFake,
  },
  {
    label: 'twilio.provisionNumber',
    base: { areaCode: '415' },
    fields: [field('areaCode', areaCode, shapes.areaCode)],
    call: (args) => twilio.provisionNumber(args as never),
    fake: () => twilioFake,
  },
  {
    label: 'stripe.createCheckoutSession',
    base: { priceId: 'price_1', customerEmail: 'ann@example.com', metadata: {} },
    fields: [
      field('priceId', text(255), shapes.text),
      field('customerEmail', email, shapes.email),
      field('metadata', metadata, shapes.metadata),
      field('successUrl', optional(httpUrl), shapes.url),
      field('cancelUrl', optional(httpUrl), shapes.url),
      field('idempotencyKey', optional(headerText(255)), shapes.idempotencyKey),
    ],
    call: (args) => stripe.createCheckoutSession(args as never),
    fake: () => stripeFake,
  },
  {
    label: 'stripe.createCustomer',
    base: { email: 'ann@example.com', metadata: {} },
    fields: [
      field('email', email, shapes.email),
      field('metadata', metadata, shapes.metadata),
      field('idempotencyKey', optional(headerText(255)), shapes.idempotencyKey),
    ],
    call: (args) => stripe.createCustomer(args as never),
    fake: () => stripeFake,
  },
  {
    label: 'stripe.getCustomer',
    base: { customerId: 'cus_1' },
    fields: [field('customerId', id, shapes.id), field('signal', signal)],
    call: (args) => stripe.getCustomer(args as never),
    fake: () => stripeFake,
  },
  {
    label: 'stripe.getSubscription',
    base: { subscriptionId: 'sub_1' },
    fields: [field('subscriptionId', id, shapes.id)],
    call: (args) => stripe.getSubscription(args as never),
    fake: () => stripeFake,
  },
  {
    label: 'stripe.cancelSubscription',
    base: { subscriptionId: 'sub_1' },
    fields: [field('subscriptionId', id, shapes.id)],
    call: (args) => stripe.cancelSubscription(args as never),
    fake: () => stripeFake,
  },
  {
    label: 'stripe.getPaymentIntent',
    base: { paymentIntentId: 'pi_1' },
    fields: [field('paymentIntentId', id, shapes.id)],
    call: (args) => stripe.getPaymentIntent(args as never),
    fake: () => stripeFake,
  },
];

beforeAll(async () => {
  fakes = await startFakeVendors();
  ({ vapi: vapiFake, twilio: twilioFake, stripe: stripeFake } = fakes);
  store = new MemoryStore();
  const common = {
    store,
    logger: ledger.logger('client'),
    timeout: 2_000,
    retry: { attempts: 1 },
    // A caller's mistake never opens a breaker; a high threshold keeps any 5xx from doing so.
    breaker: { threshold: 1_000_000 },
  };
  vapi = new VapiClient({
    apiKey: vapiApiKey,
    phoneNumberId: '3f2b0c4e-8a1d-4c2e-9b7f-1a2b3c4d5e6f',
    baseUrl: vapiFake.url,
    ...common,
  });
  twilio = new TwilioClient({
    accountSid: twilioAccountSid,
    authToken: twilioAuthToken,
    baseUrl: twilioFake.url,
    voiceUrl: 'https://app.example.com/twiml',
    ...common,
  });
  stripe = new StripeClient({
    secretKey: stripeSecretKey,
    baseUrl: stripeFake.url,
    successUrl: 'https://app.example.com/paid',
    cancelUrl: 'https://app.example.com/back',
    ...common,
  });
});

afterAll(() => closeFakeVendors(fakes, ledger, 500));

/** The store's whole content, to compare before and after a refused call. */
function storeState(): string {
  return JSON.stringify(store.names().map((name) => store.snapshot(name)));
}

async function outcome(call: () => Promise<unknown>): Promise<unknown> {
  try {
    const value = await call();
    ledger.add('value', value);
    return value;
  } catch (error) {
    ledger.add('error', error);
    return error;
  }
}

/** A value as a short line, whatever it is (String() throws on some objects). */
const show = (value: unknown): string =>
  inspect(value, { depth: 2, breakLength: Infinity }).slice(0, 120);

const refused = (thrown: unknown): thrown is TypeError | RangeError =>
  thrown instanceof TypeError || thrown instanceof RangeError;

describe('bad input to the clients', () => {
  it.each(methods)(
    '$label: every argument fuzzed; invalid ones refused by name, unsent, unstored',
    async (method) => {
      let sent = 0;
      let refusals = 0;
      for (const { name, valid, values } of method.fields) {
        await fc.assert(
          fc.asyncProperty(values, async (value) => {
            const fake = method.fake();
            const requests = fake.requests.length;
            const stored = storeState();
            const result = await outcome(() => method.call({ ...method.base, [name]: value }));
            if (valid(value)) {
              expect(refused(result) ? result.message : 'sent', `${name}: ${show(value)}`).toBe(
                'sent',
              );
              sent += 1;
              return;
            }

            refusals += 1;
            expect(refused(result), `${name} = ${show(value)} was accepted`).toBe(true);
            expect((result as Error).message, show(value)).toMatch(new RegExp(`^${name}\\b`));
            expect(fake.requests.length).toBe(requests);
            expect(storeState()).toBe(stored);
          }),
          { numRuns: 60 },
        );
      }

      // The arguments object itself.
      for (const value of [null, 42, 'to', [], () => 1, Symbol('s')]) {
        const result = await outcome(() => method.call(value));
        expect(refused(result) && result.message.startsWith('options must be an object')).toBe(
          true,
        );
      }

      expect(refusals).toBeGreaterThan(0);
      console.info(`${method.label}: ${sent} valid calls sent, ${refusals} refused`);
    },
  );

  it('constructors refuse bad secrets, URLs and options by name, never showing a secret', () => {
    const builders: [readonly string[], (options: object) => unknown][] = [
      [['apiKey'], (options) => new VapiClient({ apiKey: vapiApiKey, ...options })],
      [
        ['accountSid', 'authToken'],
        (options) =>
          new TwilioClient({
            accountSid: twilioAccountSid,
            authToken: twilioAuthToken,
            ...options,
          }),
      ],
      [['secretKey'], (options) => new StripeClient({ secretKey: stripeSecretKey, ...options })],
    ];
    const secretOptions = new Set(['apiKey', 'accountSid', 'authToken', 'secretKey']);
    const attempts: [string, object][] = [
      ['apiKey', { apiKey: `${vapiApiKey} ` }],
      ['apiKey', { apiKey: `${vapiApiKey}\n` }],
      ['authToken', { authToken: `${twilioAuthToken}\u0000` }],
      ['accountSid', { accountSid: `${twilioAccountSid}x` }],
      ['secretKey', { secretKey: `pk_test_${stripeSecretKey}` }],
      ['baseUrl', { baseUrl: `https://user:${twilioAuthToken}@api.example.com` }],
      ['baseUrl', { baseUrl: `https://api.example.com/?key=${vapiApiKey}` }],
      ['baseUrl', { baseUrl: 'ftp://api.example.com' }],
      ['timeout', { timeout: -1 }],
      ['timeout', { timeout: Number.NaN }],
      ['maxResponseBytes', { maxResponseBytes: 0 }],
      ['fetch', { fetch: 'fetch' }],
      ['store', { store: {} }],
      ['logger', { logger: 'console' }],
      ['retry', { retry: 3 }],
      ['breaker', { breaker: 'on' }],
    ];
    let count = 0;
    for (const [own, make] of builders) {
      for (const [option, options] of attempts) {
        if (secretOptions.has(option) && !own.includes(option)) continue;
        let thrown: unknown;
        try {
          make(options);
        } catch (error) {
          thrown = error;
        }

        ledger.add(`constructor ${option}`, thrown);
        expect(refused(thrown), `${option}: ${JSON.stringify(options).slice(0, 80)}`).toBe(true);
        expect((thrown as Error).message, option).toContain(option);
        count += 1;
      }
    }

    expect(count).toBeGreaterThan(30);
  });
});
