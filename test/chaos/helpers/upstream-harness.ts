/**
 * The clients against the fake vendor servers, as the fault suite drives them: a fresh memory
 * store per set of clients, every log line, event and outcome kept in a secret ledger, a `fetch`
 * that counts attempts and the body bytes the client actually pulled, and a clock whose waits
 * are recorded and skipped (per-attempt timeouts still run in real time).
 */
import { performance } from 'node:perf_hooks';
import { MemoryStore, isCircuitOpenError, type BreakerEvent, type Clock } from 'breakwater';
import {
  StripeClient,
  TwilioClient,
  VapiClient,
  isApiError,
  type ApiError,
  type ClientBreakerOptions,
  type ClientRetryOptions,
} from 'breakwater/clients';
import {
  stripeSecretKey,
  twilioAccountSid,
  twilioAuthToken,
  vapiApiKey,
  type SecretLedger,
} from './secrets.js';

/** A clock that records each wait asked for and fires it on the next macrotask. */
export function skippingClock(): Clock & { readonly waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    setTimeout: (callback: () => void, ms: number) => {
      waits.push(ms);
      return setTimeout(callback, 0);
    },
    clearTimeout: (handle: unknown) => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/** What a counting fetch saw: attempts sent, and the body bytes pulled from each response. */
export interface FetchLog {
  attempts: number;
  readonly bodies: { bytes: number }[];
}

/** Node's fetch, counting each attempt and the body bytes the caller reads from each answer. */
export function countingFetch(log: FetchLog): typeof fetch {
  return async (input, init) => {
    log.attempts += 1;
    const response = await fetch(input, init);
    if (response.body === null) return response;

    const body = { bytes: 0 };
    log.bodies.push(body);
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          body.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

export interface ClientSet {
  readonly vapi: VapiClient;
  readonly twilio: TwilioClient;
  readonly stripe: StripeClient;
  readonly store: MemoryStore;
  readonly events: BreakerEvent[];
  readonly clock: ReturnType<typeof skippingClock>;
  readonly fetched: FetchLog;
}

export interface ClientSetOptions {
  readonly urls: { readonly vapi: string; readonly twilio: string; readonly stripe: string };
  readonly ledger: SecretLedger;
  readonly breaker?: ClientBreakerOptions;
  readonly retry?: ClientRetryOptions;
  readonly timeout?: number;
  readonly maxResponseBytes?: number;
}

/** A Vapi, a Twilio and a Stripe client sharing one fresh memory store. */
export function clientSet(options: ClientSetOptions): ClientSet {
  const store = new MemoryStore();
  const events: BreakerEvent[] = [];
  const clock = skippingClock();
  const fetched: FetchLog = { attempts: 0, bodies: [] };
  const { ledger } = options;
  const common = (vendor: string) => ({
    store,
    clock,
    fetch: countingFetch(fetched),
    logger: ledger.logger(vendor),
    timeout: options.timeout ?? 1_000,
    retry: options.retry ?? {},
    ...(options.maxResponseBytes === undefined
      ? {}
      : { maxResponseBytes: options.maxResponseBytes }),
    breaker: {
      ...options.breaker,
      notifiers: [
        {
          notify: (event: BreakerEvent) => {
            events.push(event);
            ledger.add(`${vendor} event`, event);
          },
        },
      ],
    },
  });
  return {
    vapi: new VapiClient({
      apiKey: vapiApiKey,
      phoneNumberId: '3f2b0c4e-8a1d-4c2e-9b7f-1a2b3c4d5e6f',
      baseUrl: options.urls.vapi,
      ...common('vapi'),
    }),
    twilio: new TwilioClient({
      accountSid: twilioAccountSid,
      authToken: twilioAuthToken,
      baseUrl: options.urls.twilio,
      voiceUrl: 'https://app.example.com/twiml',
      ...common('twilio'),
    }),
    stripe: new StripeClient({
      secretKey: stripeSecretKey,
      baseUrl: options.urls.stripe,
      successUrl: 'https://app.example.com/paid',
      cancelUrl: 'https://app.example.com/cancelled',
      ...common('stripe'),
    }),
    store,
    events,
    clock,
    fetched,
  };
}

/** How a call settled, in the few shapes a failure may take. */
export type Settled =
  | { readonly kind: 'value'; readonly value: unknown; readonly ms: number }
  | { readonly kind: 'api-error'; readonly error: ApiError; readonly ms: number }
  | { readonly kind: 'open'; readonly error: Error; readonly ms: number }
  | { readonly kind: 'other'; readonly error: unknown; readonly ms: number };

/** Runs `call`, keeps its outcome in the ledger, and says how it settled. */
export async function settle(ledger: SecretLedger, call: () => Promise<unknown>): Promise<Settled> {
  const started = performance.now();
  try {
    const value = await call();
    ledger.add('value', value);
    return { kind: 'value', value, ms: performance.now() - started };
  } catch (error) {
    ledger.add('error', error);
    const ms = performance.now() - started;
    if (isApiError(error)) return { kind: 'api-error', error, ms };
    if (isCircuitOpenError(error)) return { kind: 'open', error, ms };
    return { kind: 'other', error, ms };
  }
}

/** Runs `call` `times` times one after another. */
export async function repeat(
  ledger: SecretLedger,
  times: number,
  call: () => Promise<unknown>,
): Promise<Settled[]> {
  const results: Settled[] = [];
  for (let i = 0; i < times; i += 1) results.push(await settle(ledger, call));
  return results;
}

/** Counts of each way the calls settled, e.g. `{ 'api-error': 3, open: 7 }`. */
export function tally(results: readonly Settled[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.kind === 'value' ? (result.value === null ? 'null' : 'value') : result.kind;
    counts[key] = (counts[key] ?? 0) + 1;
  }

  return counts;
}
