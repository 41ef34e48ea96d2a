import type { StripeClient, TwilioClient, VapiClient } from '../clients/index.js';
import type { Vendor } from './demo-story.js';

/** The three real clients the demo's traffic runs through, pointed at the fakes. */
export interface DemoClients {
  readonly vapi: VapiClient;
  readonly twilio: TwilioClient;
  readonly stripe: StripeClient;
}

/** What a call needs from earlier calls or from the fakes' data. */
export interface OperationArgs {
  /** The Vapi assistant calls are started with. */
  readonly assistantId?: string;
  /** The call, message or customer to read. */
  readonly id?: string;
}

/** One operation of the demo's traffic. */
export interface DemoOperation {
  readonly vendor: Vendor;
  /** Its breaker, `vendor:operation`. */
  readonly breaker: string;
  /** The HTTP method and path of its requests, to tell them apart in a fake's request log. */
  readonly method: string;
  readonly path: RegExp;
  /** Which id the call reads: it waits for an earlier call (or the fake) to make one. */
  readonly reads?: 'vapi-call' | 'twilio-call' | 'stripe-customer';
  /** Which id a successful call makes, for later reads. */
  readonly makes?: 'vapi-call' | 'twilio-call';
  /** Makes the call; resolves to the id it made, if any. */
  readonly invoke: (
    clients: DemoClients,
    args: OperationArgs,
    signal: AbortSignal,
  ) => Promise<string | undefined>;
}

const customerPhone = '+14155550100';
const ourPhone = '+14155550199';

/** Every operation the demo calls, by name. */
export const demoOperations = Object.freeze({
  'vapi.createAssistant': {
    vendor: 'vapi',
    breaker: 'vapi:create_assistant',
    method: 'POST',
    path: /^\/assistant$/,
    invoke: async ({ vapi }, _args, signal) => {
      const assistant = await vapi.createAssistant({
        config: { name: 'Front desk', firstMessage: 'Hello, how can I help?' },
        signal,
      });
      return assistant.id;
    },
  },
  'vapi.startCall': {
    vendor: 'vapi',
    breaker: 'vapi:start_call',
    method: 'POST',
    path: /^\/call$/,
    makes: 'vapi-call',
    invoke: async ({ vapi }, { assistantId = '' }, signal) => {
      const call = await vapi.startCall({ assistantId, phoneNumber: customerPhone, signal });
      return call.id;
    },
  },
  'vapi.getCall': {
    vendor: 'vapi',
    breaker: 'vapi:get_call',
    method: 'GET',
    path: /^\/call\/[^/]+$/,
    reads: 'vapi-call',
    invoke: async ({ vapi }, { id = '' }, signal) => {
      await vapi.getCall({ callId: id, signal });
      return undefined;
    },
  },
  'twilio.sendSms': {
    vendor: 'twilio',
    breaker: 'twilio:send_sms',
    method: 'POST',
    path: /\/Messages\.json$/,
    invoke: async ({ twilio }, _args, signal) => {
      const message = await twilio.sendSms({
        to: customerPhone,
        from: ourPhone,
        body: 'Your code is 4821',
        signal,
      });
      return message.sid;
    },
  },
  'twilio.makeCall': {
    vendor: 'twilio',
    breaker: 'twilio:make_call',
    method: 'POST',
    path: /\/Calls\.json$/,
    makes: 'twilio-call',
    invoke: async ({ twilio }, _args, signal) => {
      const call = await twilio.makeCall({ to: customerPhone, from: ourPhone, signal });
      return call.sid;
    },
  },
  'twilio.getCall': {
    vendor: 'twilio',
    breaker: 'twilio:get_call',
    method: 'GET',
    path: /\/Calls\/[^/]+\.json$/,
    reads: 'twilio-call',
    invoke: async ({ twilio }, { id = '' }, signal) => {
      await twilio.getCall({ callSid: id, signal });
      return undefined;
    },
  },
  'stripe.createCheckoutSession': {
    vendor: 'stripe',
    breaker: 'stripe:create_checkout_session',
    method: 'POST',
    path: /^\/v1\/checkout\/sessions$/,
    invoke: async ({ stripe }, _args, signal) => {
      const session = await stripe.createCheckoutSession({
        priceId: 'price_demo_monthly',
        customerEmail: 'ann@example.com',
        metadata: { user_id: '42' },
        signal,
      });
      return session.id;
    },
  },
  'stripe.getCustomer': {
    vendor: 'stripe',
    breaker: 'stripe:get_customer',
    method: 'GET',
    path: /^\/v1\/customers\/[^/]+$/,
    reads: 'stripe-customer',
    invoke: async ({ stripe }, { id = '' }, signal) => {
      await stripe.getCustomer({ customerId: id, signal });
      return undefined;
    },
  },
} satisfies Record<string, DemoOperation>);

/** The name of an operation of the demo, e.g. `twilio.sendSms`. */
export type OperationName = keyof typeof demoOperations;

/** The operation whose request this is, if any: how a fake's request log is read per breaker. */
export function operationOfRequest(
  vendor: Vendor,
  method: string,
  path: string,
): DemoOperation | undefined {
  return Object.values(demoOperations).find(
    (operation: DemoOperation) =>
      operation.vendor === vendor && operation.method === method && operation.path.test(path),
  );
}
