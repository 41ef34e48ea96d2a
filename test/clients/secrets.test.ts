import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type BreakerEvent } from 'breakwater';
import {
  StripeClient,
  TwilioClient,
  VapiClient,
  type CommonClientOptions,
} from 'breakwater/clients';
import {
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
  type FakeStripe,
  type FakeTwilio,
  type FakeVapi,
  type FakeUpstream,
} from '../../src/demo/fake-upstreams/index.js';
import { captureLogger, everything, freePort, instantClock } from '../http/harness.js';

const apiKey = 'vapi-9f86d081884c7d659a2feaa0c55ad015';
const accountSid = `AC${'5e'.repeat(16)}`;
const authToken = 'b94d27b9934d3e08a52e52d7da7dabfa';
const credentials = Buffer.from(`${accountSid}:${authToken}`).toString('base64');
const secretKey = 'sk_test_51Hc7e2b4f9d1a0c3e5f7a9b1c3d5e7f9a';
const secrets = [apiKey, authToken, credentials, secretKey];

let vapi: FakeVapi;
let twilio: FakeTwilio;
let stripe: FakeStripe;
const log = captureLogger();
const events: BreakerEvent[] = [];
const outcomes: unknown[] = [];
const stores: MemoryStore[] = [];

function common(): CommonClientOptions {
  const store = new MemoryStore();
  stores.push(store);
  return {
    store,
    logger: log.logger,
    clock: instantClock(),
    timeout: 100,
    breaker: { threshold: 1, notifiers: [{ notify: (event) => events.push(event) }] },
  };
}

/** Runs `call` and keeps what it resolved to or rejected with. */
async function keep(call: () => Promise<unknown>): Promise<void> {
  try {
    outcomes.push(await call());
  } catch (error) {
    outcomes.push(error);
  }
}

/** Faults that echo the secrets back, as a misconfigured proxy or a careless vendor might. */
function echoSecrets(upstream: FakeUpstream, secret: string, body: unknown): void {
  const headers = {
    'Request-Id': `req_${secret}`,
    'Twilio-Request-Id': secret,
    'X-Request-Id': secret,
  };
  upstream
    .fail({ type: 'hang' })
    .fail({ type: 'truncated' })
    .fail({ status: 500, body, headers })
    .fail({ type: 'html', status: 502 })
    .fail({ type: 'reset' })
    .fail({ status: 401, body })
    .fail({ status: 429, retryAfter: 1, body });
}

beforeAll(async () => {
  vapi = await startFakeVapi({ apiKey });
  twilio = await startFakeTwilio({ accountSid, authToken });
  stripe = await startFakeStripe({ secretKey });
  const dead = `http://127.0.0.1:${await freePort()}`;

  const vapiClients = [
    new VapiClient({ apiKey, phoneNumberId: 'pn-1', baseUrl: vapi.url, ...common() }),
    new VapiClient({ apiKey, phoneNumberId: 'pn-1', baseUrl: dead, ...common() }),
  ];
  const twilioClients = [
    new TwilioClient({
      accountSid,
      authToken,
      baseUrl: twilio.url,
      voiceUrl: 'https://x.test/v',
      ...common(),
    }),
    new TwilioClient({
      accountSid,
      authToken,
      baseUrl: dead,
      voiceUrl: 'https://x.test/v',
      ...common(),
    }),
  ];
  const stripeClients = [
    new StripeClient({
      secretKey,
      baseUrl: stripe.url,
      successUrl: 'https://x.test/ok',
      cancelUrl: 'https://x.test/no',
      ...common(),
    }),
    new StripeClient({
      secretKey,
      baseUrl: dead,
      successUrl: 'https://x.test/ok',
      cancelUrl: 'https://x.test/no',
      ...common(),
    }),
  ];
  outcomes.push(...vapiClients, ...twilioClients, ...stripeClients);

  for (const client of vapiClients) {
    echoSecrets(vapi, apiKey, {
      message: [`key ${apiKey} refused`],
      error: `Bearer ${apiKey}`,
      statusCode: 500,
    });
    for (let round = 0; round < 4; round += 1) {
      await keep(() => client.createAssistant({ config: { name: 'A' } }));
      await keep(() => client.startCall({ assistantId: 'a', phoneNumber: '+14155550100' }));
      await keep(() => client.getCall({ callId: 'c1' }));
      await keep(() => client.updateAssistant({ assistantId: 'a', config: {} }));
    }
  }

  for (const client of twilioClients) {
    echoSecrets(twilio, authToken, {
      code: 20003,
      message: `token ${authToken} / Basic ${credentials}`,
      status: 500,
    });
    for (let round = 0; round < 4; round += 1) {
      await keep(() => client.sendSms({ to: '+14155550100', from: '+14155550199', body: 'hi' }));
      await keep(() => client.makeCall({ to: '+14155550100', from: '+14155550199' }));
      await keep(() => client.getCall({ callSid: 'CA1' }));
      await keep(() => client.provisionNumber({ areaCode: '415' }));
    }
  }

  for (const client of stripeClients) {
    echoSecrets(stripe, secretKey, {
      error: {
        type: 'api_error',
        code: secretKey,
        message: `Invalid API Key provided: ${secretKey}`,
      },
    });
    for (let round = 0; round < 4; round += 1) {
      await keep(() => client.createCustomer({ email: 'a@b.co', metadata: {} }));
      await keep(() =>
        client.createCheckoutSession({ priceId: 'p', customerEmail: 'a@b.co', metadata: {} }),
      );
      await keep(() => client.getCustomer({ customerId: 'cus_1' }));
      await keep(() => client.cancelSubscription({ subscriptionId: 'sub_1' }));
    }
  }

  const later = <T>(make: () => T): Promise<T> => Promise.resolve().then(make);
  await keep(() => later(() => new VapiClient({ apiKey: `${apiKey} x`, logger: false })));
  await keep(() => later(() => new TwilioClient({ accountSid: 'AC1', authToken })));
  await keep(() => later(() => StripeClient.fromEnv({ STRIPE_SECRET_KEY: `${secretKey}!` })));
});

afterAll(async () => {
  await Promise.all([vapi.close(), twilio.close(), stripe.close()]);
});

describe('secrets', () => {
  it('were exercised: every fault, a dead port, wrong options', () => {
    const errors = outcomes.filter((outcome) => outcome instanceof Error);
    const codes = new Set(errors.map((error) => (error as { code?: string }).code));

    expect(codes).toEqual(
      new Set([
        'ERR_API_STATUS',
        'ERR_API_TIMEOUT',
        'ERR_API_NETWORK',
        'ERR_API_RESPONSE',
        'ERR_CIRCUIT_OPEN',
        'ERR_ENVIRONMENT',
        undefined,
      ]),
    );
    expect(log.lines.length).toBeGreaterThan(10);
    expect(events.some((event) => event.type === 'transition' && event.error !== undefined)).toBe(
      true,
    );
  });

  it('never appear in anything thrown or returned, nor in the clients themselves', () => {
    const text = outcomes.map(everything).join('\n');

    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('never appear in a log line or a breaker event', () => {
    const text = [...log.lines, ...events.map(everything)].join('\n');

    for (const secret of secrets) expect(text).not.toContain(secret);
  });

  it("never reach a store's record of the last failure", async () => {
    const snapshots = await Promise.all(
      stores.flatMap((store) =>
        [...store.names()].map((name) => Promise.resolve(store.snapshot(name)).then(everything)),
      ),
    );

    expect(snapshots.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(snapshots.join('\n')).not.toContain(secret);
  });
});
