/**
 * The three fake vendor servers on loopback, started with the suite's secrets, for the tests
 * that drive the clients against them.
 */
import { expect } from 'vitest';
import type { FakeStripe, FakeTwilio, FakeVapi } from '../../../src/demo/fake-upstreams/index.js';
import {
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
} from '../../../src/demo/fake-upstreams/index.js';
import type { SecretLedger } from './secrets.js';
import { stripeSecretKey, twilioAccountSid, twilioAuthToken, vapiApiKey } from './secrets.js';

/** Any one of the fake vendors. */
export type FakeVendor = FakeVapi | FakeTwilio | FakeStripe;

export interface FakeVendors {
  readonly vapi: FakeVapi;
  readonly twilio: FakeTwilio;
  readonly stripe: FakeStripe;
  /** Each fake's base URL, for a client's `baseUrl`. */
  readonly urls: { readonly vapi: string; readonly twilio: string; readonly stripe: string };
}

/** Starts a fake Vapi, Twilio and Stripe that accept the suite's secrets. */
export async function startFakeVendors(): Promise<FakeVendors> {
  const [vapi, twilio, stripe] = await Promise.allSettled([
    startFakeVapi({ apiKey: vapiApiKey }),
    startFakeTwilio({ accountSid: twilioAccountSid, authToken: twilioAuthToken }),
    startFakeStripe({ secretKey: stripeSecretKey }),
  ]);
  if (vapi.status === 'rejected' || twilio.status === 'rejected' || stripe.status === 'rejected') {
    const started = [vapi, twilio, stripe].filter((fake) => fake.status === 'fulfilled');
    await Promise.all(started.map((fake) => fake.value.close()));
    const failed = [vapi, twilio, stripe].find((fake) => fake.status === 'rejected');
    throw failed?.reason;
  }

  return {
    vapi: vapi.value,
    twilio: twilio.value,
    stripe: stripe.value,
    urls: { vapi: vapi.value.url, twilio: twilio.value.url, stripe: stripe.value.url },
  };
}

/**
 * Closes the fakes (for an `afterAll`), then checks that the ledger recorded more than
 * `moreThan` values and that not one of them shows a secret.
 */
export async function closeFakeVendors(
  fakes: FakeVendors | undefined,
  ledger: SecretLedger,
  moreThan: number,
): Promise<void> {
  await Promise.all([fakes?.vapi.close(), fakes?.twilio.close(), fakes?.stripe.close()]);
  expect(ledger.size).toBeGreaterThan(moreThan);
  expect(ledger.leaks()).toEqual([]);
}
