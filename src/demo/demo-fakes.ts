import { randomBytes, randomUUID } from 'node:crypto';
import type { DemoCredentials } from './demo-clients.js';
import { operationOfRequest } from './demo-operations.js';
import type { Vendor } from './demo-story.js';
import {
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
  type FakeStripe,
  type FakeTwilio,
  type FakeVapi,
  type FaultType,
  type ScriptedFault,
} from './fake-upstreams/index.js';

/** One request that reached a fake vendor, as the story records it. */
export interface DemoRequest {
  readonly vendor: Vendor;
  /** The breaker of the operation that sent it; `undefined` for a request of no operation. */
  readonly breaker: string | undefined;
  readonly method: string;
  readonly path: string;
  /** The fault that answered it (`status` for a scripted 503 or 429), if any. */
  readonly fault: FaultType | undefined;
  /** The status of the scripted status fault that answered it, e.g. 429. */
  readonly faultStatus: number | undefined;
  /** Stripe's `Idempotency-Key`: the same on every attempt of one call. */
  readonly idempotencyKey: string | undefined;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** Makes fresh throwaway credentials, so nothing but the demo's own clients gets an answer. */
export function demoCredentials(): DemoCredentials {
  return {
    vapiKey: randomUUID(),
    twilioSid: `AC${randomBytes(16).toString('hex')}`,
    twilioToken: randomBytes(16).toString('hex'),
    stripeKey: `sk_test_${randomBytes(16).toString('hex')}`,
  };
}

/** The fake Vapi, Twilio and Stripe of one run, on loopback ports picked by the system. */
export class DemoFakes {
  readonly vapi: FakeVapi;
  readonly twilio: FakeTwilio;
  readonly stripe: FakeStripe;
  /** The customer the traffic reads. */
  readonly customerId: string;
  readonly #read = new Map<Vendor, number>();
  /** The status of the last status fault scripted on each vendor; the story never mixes two. */
  readonly #faultStatus = new Map<Vendor, number>();

  private constructor(vapi: FakeVapi, twilio: FakeTwilio, stripe: FakeStripe) {
    this.vapi = vapi;
    this.twilio = twilio;
    this.stripe = stripe;
    this.customerId = stripe.addCustomer({ email: 'ann@example.com', name: 'Ann' }).id;
  }

  /** Starts the three fakes; if one fails to start, those started are closed again. */
  static async start(credentials: DemoCredentials): Promise<DemoFakes> {
    const started = await Promise.allSettled([
      // Calls never end by themselves in the fake, so give it more slots than a run can fill.
      startFakeVapi({ apiKey: credentials.vapiKey, concurrencyLimit: Number.MAX_SAFE_INTEGER }),
      startFakeTwilio({ accountSid: credentials.twilioSid, authToken: credentials.twilioToken }),
      startFakeStripe({ secretKey: credentials.stripeKey }),
    ]);
    const [vapi, twilio, stripe] = started;
    if (
      vapi.status === 'fulfilled' &&
      twilio.status === 'fulfilled' &&
      stripe.status === 'fulfilled'
    )
      return new DemoFakes(vapi.value, twilio.value, stripe.value);

    await Promise.all(
      started.map((result) =>
        result.status === 'fulfilled' ? result.value.close() : Promise.resolve(),
      ),
    );
    const failed = started.find((result) => result.status === 'rejected');
    throw failed?.reason;
  }

  /** Scripts a fault on one fake; see `FakeUpstream.fail`. */
  fail(vendor: Vendor, fault: ScriptedFault): void {
    if (fault.type === undefined || fault.type === 'status')
      this.#faultStatus.set(vendor, fault.status);
    this[vendor].fail(fault);
  }

  /** Clears every fault scripted on one fake. */
  heal(vendor: Vendor): void {
    this[vendor].heal();
  }

  /** Each fake's origin, e.g. `http://127.0.0.1:53124`. */
  get urls(): Readonly<Record<Vendor, string>> {
    return { vapi: this.vapi.url, twilio: this.twilio.url, stripe: this.stripe.url };
  }

  /** Each fake's port. */
  get ports(): readonly number[] {
    return [this.vapi.port, this.twilio.port, this.stripe.port];
  }

  /** The requests that reached the fakes since the last call. */
  takeRequests(): DemoRequest[] {
    const taken: DemoRequest[] = [];
    for (const vendor of ['vapi', 'twilio', 'stripe'] as const) {
      const log = this[vendor].requests;
      const from = this.#read.get(vendor) ?? 0;
      for (const request of log.slice(from)) {
        taken.push({
          vendor,
          breaker: operationOfRequest(vendor, request.method, request.path)?.breaker,
          method: request.method,
          path: request.path,
          fault: request.fault,
          faultStatus: request.fault === 'status' ? this.#faultStatus.get(vendor) : undefined,
          idempotencyKey: request.headers['idempotency-key'],
          at: request.at,
        });
      }

      this.#read.set(vendor, log.length);
    }

    return taken.sort((a, b) => a.at - b.at);
  }

  /**
   * Forgets the fakes' request logs and the calls and messages they made, so a run that loops
   * for ever stays small; the customer and assistants are kept. Returns the requests not taken
   * yet.
   */
  trim(): DemoRequest[] {
    const taken = this.takeRequests();
    for (const vendor of ['vapi', 'twilio', 'stripe'] as const) this[vendor].clearRequests();
    this.#read.clear();
    this.vapi.calls.clear();
    this.twilio.calls.clear();
    this.twilio.messages.clear();
    this.stripe.sessions.clear();
    return taken;
  }

  /** Stops the three servers and cuts their connections. */
  async close(): Promise<void> {
    await Promise.all([this.vapi.close(), this.twilio.close(), this.stripe.close()]);
  }
}
