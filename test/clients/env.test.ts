import { describe, expect, it } from 'vitest';
import { MemoryStore, isBreakwaterError } from 'breakwater';
import { EnvironmentError, StripeClient, TwilioClient, VapiClient } from 'breakwater/clients';
import { rejectionOf } from '../http/harness.js';

const env = {
  VAPI_API_KEY: 'vapi-key-2c7e-secret',
  VAPI_PHONE_NUMBER_ID: '0b7c7c5e-2f7a-4d1e-8f57-3a7d1e9c4b21',
  TWILIO_ACCOUNT_SID: `AC${'ab'.repeat(16)}`,
  TWILIO_AUTH_TOKEN: 'twilio-token-77aa-secret',
  TWILIO_STATUS_CALLBACK_URL: 'https://app.example.com/twilio/status',
  TWILIO_VOICE_URL: 'https://app.example.com/twilio/voice',
  STRIPE_SECRET_KEY: 'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  STRIPE_SUCCESS_URL: 'https://app.example.com/billing/ok',
  STRIPE_CANCEL_URL: 'https://app.example.com/billing/cancel',
};

function thrown(make: () => unknown): EnvironmentError {
  try {
    make();
  } catch (error) {
    if (error instanceof EnvironmentError) return error;
    throw error;
  }

  throw new Error('expected an EnvironmentError');
}

describe('fromEnv', () => {
  it('makes each client from its variables', () => {
    const options = { logger: false as const, store: new MemoryStore() };

    expect(VapiClient.fromEnv(env, options).vendor).toBe('vapi');
    expect(TwilioClient.fromEnv(env, options).accountSid).toBe(env.TWILIO_ACCOUNT_SID);
    expect(StripeClient.fromEnv(env, options).apiVersion).toBe('2026-07-29.dahlia');
  });

  it('uses the optional variables as defaults', async () => {
    const stripe = StripeClient.fromEnv(
      { STRIPE_SECRET_KEY: env.STRIPE_SECRET_KEY },
      { logger: false },
    );
    await expect(
      stripe.createCheckoutSession({ priceId: 'p', customerEmail: 'a@b.co', metadata: {} }),
    ).rejects.toThrow(
      /successUrl is required: pass it, or give the client a successUrl \(STRIPE_SUCCESS_URL\)/,
    );

    const vapi = VapiClient.fromEnv({ VAPI_API_KEY: env.VAPI_API_KEY }, { logger: false });
    await expect(vapi.startCall({ assistantId: 'a', phoneNumber: '+14155550100' })).rejects.toThrow(
      /VAPI_PHONE_NUMBER_ID/,
    );
  });

  it('names every missing variable in one error', () => {
    const twilio = thrown(() => TwilioClient.fromEnv({}));

    expect(isBreakwaterError(twilio)).toBe(true);
    expect(twilio.code).toBe('ERR_ENVIRONMENT');
    expect(twilio.variables).toEqual(['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']);
    expect(twilio.message).toBe(
      'TwilioClient cannot be configured from the environment: TWILIO_ACCOUNT_SID is not set; TWILIO_AUTH_TOKEN is not set',
    );
    expect(thrown(() => VapiClient.fromEnv({})).variables).toEqual(['VAPI_API_KEY']);
    expect(thrown(() => StripeClient.fromEnv({ STRIPE_SECRET_KEY: '  ' })).problems).toEqual([
      'STRIPE_SECRET_KEY is not set',
    ]);
  });

  it('names every malformed variable, never showing a value', () => {
    const bad = {
      TWILIO_ACCOUNT_SID: 'SK-not-an-account-sid',
      TWILIO_AUTH_TOKEN: 'has a space-secret',
      TWILIO_STATUS_CALLBACK_URL: 'not a url',
      TWILIO_VOICE_URL: 'ftp://x.test/voice',
    };
    const error = thrown(() => TwilioClient.fromEnv(bad));

    expect(error.problems).toEqual([
      'TWILIO_ACCOUNT_SID must be "AC" followed by 32 hexadecimal digits',
      'TWILIO_AUTH_TOKEN must not contain spaces or control characters (value hidden)',
      'TWILIO_STATUS_CALLBACK_URL must be an absolute http: or https: URL',
      'TWILIO_VOICE_URL must be an absolute http: or https: URL',
    ]);
    for (const value of Object.values(bad)) expect(error.message).not.toContain(value);

    const stripe = thrown(() =>
      StripeClient.fromEnv({
        STRIPE_SECRET_KEY: 'pk_live_publishable-secret',
        STRIPE_SUCCESS_URL: 'x',
      }),
    );
    expect(stripe.variables).toEqual(['STRIPE_SECRET_KEY', 'STRIPE_SUCCESS_URL']);
    expect(stripe.message).not.toContain('pk_live_publishable-secret');

    const vapi = thrown(() =>
      VapiClient.fromEnv({ VAPI_API_KEY: 'k', VAPI_PHONE_NUMBER_ID: 'pn-1' }),
    );
    expect(vapi.problems).toEqual([
      'VAPI_PHONE_NUMBER_ID must be a UUID, e.g. 3f2b0c4e-8a1d-4c2e-9b7f-1a2b3c4d5e6f',
    ]);
  });

  it('lets overrides win over the environment', () => {
    const twilio = TwilioClient.fromEnv(
      { TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN },
      { accountSid: `AC${'cd'.repeat(16)}`, logger: false },
    );

    expect(twilio.accountSid).toBe(`AC${'cd'.repeat(16)}`);
  });
});

describe('client options', () => {
  it('are checked without showing secrets', async () => {
    expect(() => new VapiClient({ apiKey: '' })).toThrow('apiKey must not be empty');
    expect(() => new VapiClient({ apiKey: 42 as never })).toThrow(
      'apiKey must be a string, received a number',
    );
    expect(() => new TwilioClient({ accountSid: 'AC1', authToken: 't' })).toThrow(
      /accountSid must be "AC"/,
    );
    expect(
      () => new TwilioClient({ accountSid: env.TWILIO_ACCOUNT_SID, authToken: 'a b-secret' }),
    ).not.toThrow(/a b-secret/);
    expect(() => new StripeClient({ secretKey: 'pk_test_abc-secret' })).toThrow(
      /must be a Stripe secret key/,
    );
    expect(() => new StripeClient({ secretKey: 'pk_test_abc-secret' })).not.toThrow(
      /pk_test_abc-secret/,
    );
    expect(
      () => new StripeClient({ secretKey: env.STRIPE_SECRET_KEY, successUrl: 'nope' }),
    ).toThrow(/successUrl must be an absolute http/);
    expect(
      () => new StripeClient({ secretKey: env.STRIPE_SECRET_KEY, baseUrl: 'https://x.test/v1' }),
    ).toThrow(/baseUrl must be scheme, host and port only/);

    const vapi = new VapiClient({ apiKey: 'k', logger: false });
    expect(await rejectionOf(vapi.getCall({ callId: '' }))).toBeInstanceOf(RangeError);
    expect(await rejectionOf(vapi.createAssistant(undefined as never))).toBeInstanceOf(TypeError);
  });
});
