/**
 * Fake Vapi, Twilio and Stripe servers on loopback, answering in each vendor's wire format and
 * misbehaving on demand, for tests and the demo.
 *
 * @example
 * ```ts
 * const vapi = await startFakeVapi({ port: 0 });
 * vapi.fail({ status: 503, times: 3 });
 * // ... point a VapiClient at vapi.url ...
 * console.log(vapi.requests.length);
 * await vapi.close();
 * ```
 */
export { FakeUpstream } from './fake-upstream.js';
export type { FakeUpstreamOptions, RecordedRequest, Reply } from './fake-upstream.js';
export type { Fault, FaultScope, FaultType, ScriptedFault } from './fault.js';
export { FakeVapi, startFakeVapi } from './fake-vapi.js';
export type { FakeVapiAssistant, FakeVapiCall, FakeVapiOptions } from './fake-vapi.js';
export { FakeTwilio, startFakeTwilio } from './fake-twilio.js';
export type { FakeTwilioOptions, FakeTwilioResource } from './fake-twilio.js';
export { FakeStripe, startFakeStripe } from './fake-stripe.js';
export type { FakeStripeObject, FakeStripeOptions } from './fake-stripe.js';
export { parseBracketForm } from './parse-bracket-form.js';
