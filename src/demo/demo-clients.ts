import { StripeClient, TwilioClient, VapiClient } from '../clients/index.js';
import type { BreakerStore } from '../stores/store.js';
import { demoLogger, demoNotifier, type DemoEvent } from './demo-event.js';
import type { DemoClients } from './demo-operations.js';
import type { Vendor } from './demo-story.js';

/** Throwaway credentials the fakes check; made fresh for each run, never printed. */
export interface DemoCredentials {
  readonly vapiKey: string;
  readonly twilioSid: string;
  readonly twilioToken: string;
  readonly stripeKey: string;
}

/** Everything the clients of one process need; plain data, so it can be sent to a worker. */
export interface DemoClientConfig {
  readonly urls: Readonly<Record<Vendor, string>>;
  readonly credentials: DemoCredentials;
  /** Failures that open a breaker. */
  readonly threshold: number;
  /** Milliseconds a breaker stays open, already divided by the speed. */
  readonly coolOff: number;
  /** Milliseconds before the first retry, already divided by the speed. */
  readonly retryBaseDelay: number;
}

/**
 * Makes the real Vapi, Twilio and Stripe clients, pointed at the fakes, logging through the demo
 * and reporting every call and transition as demo events. Without `store` they use the
 * process-wide memory store, as any client does by default.
 */
export function createDemoClients(
  config: DemoClientConfig,
  worker: string,
  emit: (event: DemoEvent) => void,
  store?: BreakerStore,
): DemoClients {
  const common = {
    logger: demoLogger(worker, emit),
    breaker: {
      threshold: config.threshold,
      coolOff: config.coolOff,
      notifiers: [demoNotifier(worker, emit)],
    },
    // Retry-After comes in whole seconds and is never scaled: the longest wait must allow it.
    retry: { baseDelay: config.retryBaseDelay, maxDelay: 5_000 },
    ...(store === undefined ? {} : { store }),
  };
  const { credentials, urls } = config;
  return {
    vapi: new VapiClient({
      ...common,
      apiKey: credentials.vapiKey,
      phoneNumberId: 'pn-demo-front-desk',
      baseUrl: urls.vapi,
    }),
    twilio: new TwilioClient({
      ...common,
      accountSid: credentials.twilioSid,
      authToken: credentials.twilioToken,
      voiceUrl: 'https://app.example.com/twilio/voice',
      baseUrl: urls.twilio,
    }),
    stripe: new StripeClient({
      ...common,
      secretKey: credentials.stripeKey,
      successUrl: 'https://app.example.com/billing/ok',
      cancelUrl: 'https://app.example.com/billing/cancel',
      baseUrl: urls.stripe,
    }),
  };
}
