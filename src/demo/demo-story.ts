import type { ScriptedFault } from './fake-upstreams/index.js';
import type { OperationName } from './demo-operations.js';

/** A vendor the demo plays. */
export type Vendor = 'vapi' | 'twilio' | 'stripe';

/** A fault a phase scripts on one fake vendor when it starts. */
export interface PhaseFault {
  readonly vendor: Vendor;
  readonly fault: ScriptedFault;
}

/**
 * A rate limit a phase puts on one vendor: the first request of every call gets a 429 with
 * `Retry-After: retryAfter` seconds, so each call waits and goes again.
 */
export interface PhaseRateLimit {
  readonly vendor: Vendor;
  /** Whole seconds, as the header carries them; never scaled by `--speed`. */
  readonly retryAfter: number;
}

/**
 * What a phase waits for once its duration is over, so that on a slow or busy machine the story
 * stays in order instead of racing ahead of the traffic and the breakers:
 * - `served`: every operation of the traffic has been answered once (a cold process is slow to
 *   make its first requests, and reads need something to read);
 * - `state`: every breaker of `vendor` is in `state`.
 */
export type PhaseGoal = (
  | { readonly type: 'served' }
  | { readonly type: 'state'; readonly vendor: Vendor; readonly state: 'open' | 'closed' }
) & {
  /** The longest the phase may last while it waits, in ms at speed 1. */
  readonly within: number;
};

/** One step of the story. Durations are milliseconds at speed 1. */
export interface StoryPhase {
  /** A stable id, e.g. `twilio-outage`. */
  readonly name: string;
  /** What happens, in a few words. */
  readonly title: string;
  /** What to watch for, in one sentence. */
  readonly watch: string;
  readonly duration: number;
  /** Vendors whose faults are cleared when the phase starts. */
  readonly heal?: readonly Vendor[];
  /** Faults scripted when the phase starts; they last until a later phase heals the vendor. */
  readonly faults?: readonly PhaseFault[];
  /** A rate limit that lasts for this phase only. */
  readonly rateLimit?: PhaseRateLimit;
  /** What the phase waits for after `duration`, if anything. */
  readonly until?: PhaseGoal;
}

/** A steady stream of calls of one operation, one call every `every` ms at speed 1. */
export interface TrafficStream {
  readonly operation: OperationName;
  readonly every: number;
  /** Milliseconds before the first call, to spread the streams out. */
  readonly offset: number;
}

/** The whole demo: its breakers' rules, its traffic and its phases. */
export interface Story {
  /** Failures that open a breaker (the clients' default). */
  readonly threshold: number;
  /** Milliseconds a breaker stays open before a probe, at speed 1. */
  readonly coolOff: number;
  /** The clients' first retry delay, at speed 1. */
  readonly retryBaseDelay: number;
  readonly traffic: readonly TrafficStream[];
  readonly phases: readonly StoryPhase[];
}

/**
 * The outage and the recovery `npm start` plays, about 19 seconds at speed 1. Twilio stays down
 * for 6 s, less than the 8 s cool-off, so the breakers' first probes find it healthy again.
 */
export const demoStory: Story = Object.freeze({
  threshold: 1,
  coolOff: 8_000,
  retryBaseDelay: 200,
  traffic: Object.freeze([
    { operation: 'vapi.startCall', every: 1_000, offset: 0 },
    { operation: 'vapi.getCall', every: 1_000, offset: 500 },
    { operation: 'twilio.sendSms', every: 500, offset: 100 },
    { operation: 'twilio.makeCall', every: 1_000, offset: 200 },
    { operation: 'twilio.getCall', every: 1_000, offset: 700 },
    { operation: 'stripe.createCheckoutSession', every: 1_000, offset: 300 },
    { operation: 'stripe.getCustomer', every: 500, offset: 400 },
  ] satisfies TrafficStream[]),
  phases: Object.freeze([
    {
      name: 'healthy',
      title: 'All healthy',
      watch: 'every call goes through; every breaker is closed.',
      duration: 5_000,
      until: { type: 'served', within: 20_000 },
    },
    {
      name: 'twilio-outage',
      title: 'Twilio fails: every request gets 503',
      watch: 'one failure opens each Twilio breaker; later calls are refused without a request.',
      duration: 3_000,
      faults: [{ vendor: 'twilio', fault: { status: 503, times: Infinity } }],
      until: { type: 'state', vendor: 'twilio', state: 'open', within: 12_000 },
    },
    {
      name: 'stripe-rate-limit',
      title: 'Stripe rate-limits: 429 with Retry-After: 1 (Twilio still down)',
      watch: 'Stripe calls wait the Retry-After and go again; no Stripe breaker opens.',
      duration: 3_000,
      rateLimit: { vendor: 'stripe', retryAfter: 1 },
    },
    {
      name: 'twilio-recovers',
      title: 'Twilio recovers',
      watch: 'the Twilio breakers stay open until their cool-off ends, then one probe closes each.',
      duration: 5_000,
      heal: ['twilio', 'stripe'],
      until: { type: 'state', vendor: 'twilio', state: 'closed', within: 20_000 },
    },
    {
      name: 'recovered',
      title: 'All healthy again',
      watch: 'calls flow to every vendor again.',
      duration: 3_000,
    },
  ] satisfies StoryPhase[]),
});
