/** The results and arguments of `StripeClient`'s methods. */

/** Stripe metadata: at most 50 keys of up to 40 characters, values of up to 500. */
export type StripeMetadata = Readonly<Record<string, string>>;

/** A Checkout Session (main fields; Stripe's snake_case names; times are Unix seconds). */
export interface StripeCheckoutSession {
  readonly id: string;
  readonly object: 'checkout.session';
  /** The hosted page to send the customer to. */
  readonly url: string | null;
  readonly status: 'open' | 'complete' | 'expired' | (string & {});
  readonly payment_status: string;
  readonly mode: string;
  readonly customer: string | null;
  readonly customer_email: string | null;
  readonly subscription: string | null;
  readonly client_reference_id: string | null;
  readonly metadata: StripeMetadata;
  readonly success_url: string | null;
  readonly cancel_url: string | null;
  readonly expires_at: number;
  readonly created: number;
  readonly livemode: boolean;
}

/** A subscription's status; Stripe may add values. */
export type StripeSubscriptionStatus =
  | 'active'
  | 'canceled'
  | 'incomplete'
  | 'incomplete_expired'
  | 'past_due'
  | 'paused'
  | 'trialing'
  | 'unpaid'
  | (string & {});

/** A Subscription (main fields). The billing period lives on each item in this API version. */
export interface StripeSubscription {
  readonly id: string;
  readonly object: 'subscription';
  readonly status: StripeSubscriptionStatus;
  readonly customer: string;
  readonly items: {
    readonly data: readonly {
      readonly id: string;
      readonly price: { readonly id: string; readonly [field: string]: unknown };
      readonly quantity?: number;
      readonly current_period_start: number;
      readonly current_period_end: number;
    }[];
  };
  readonly cancel_at_period_end: boolean;
  readonly cancel_at: number | null;
  readonly canceled_at: number | null;
  readonly ended_at: number | null;
  readonly metadata: StripeMetadata;
  readonly created: number;
  readonly livemode: boolean;
}

/** A live Customer (main fields). */
export interface StripeCustomer {
  readonly id: string;
  readonly object: 'customer';
  readonly deleted?: undefined;
  readonly email: string | null;
  readonly name: string | null;
  readonly metadata: StripeMetadata;
  readonly created: number;
  readonly livemode: boolean;
  readonly balance?: number;
  readonly delinquent?: boolean | null;
}

/** What Stripe returns for a customer that was deleted: branch on `deleted` first. */
export interface StripeDeletedCustomer {
  readonly id: string;
  readonly object: 'customer';
  readonly deleted: true;
}

/** A PaymentIntent (main fields). */
export interface StripePaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  /** In the currency's smallest unit, e.g. cents. */
  readonly amount: number;
  readonly currency: string;
  readonly status: string;
  readonly customer: string | null;
  readonly metadata: StripeMetadata;
  readonly created: number;
  readonly livemode: boolean;
}

/** Arguments of {@link StripeClient.createCheckoutSession}. */
export interface CreateCheckoutSessionOptions {
  /** A recurring price, `price_...`. */
  readonly priceId: string;
  /** Pre-fills the email on the Checkout page. */
  readonly customerEmail: string;
  /** Set on the session and on the subscription it creates. */
  readonly metadata: StripeMetadata;
  /** @default the client's `successUrl` */
  readonly successUrl?: string;
  /** @default the client's `cancelUrl` */
  readonly cancelUrl?: string;
  /**
   * The key Stripe de-duplicates this call by, sent with each of its attempts; pass your own to
   * de-duplicate across calls (e.g. one per order), for 24 hours.
   * @default a new random UUID per call
   */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link StripeClient.createCustomer}. */
export interface CreateCustomerOptions {
  readonly email: string;
  readonly metadata: StripeMetadata;
  /** @default a new random UUID per call */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

/**
 * Arguments of {@link StripeClient.getSubscription} and
 * {@link StripeClient.cancelSubscription}.
 */
export interface SubscriptionOptions {
  /** `sub_...` */
  readonly subscriptionId: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link StripeClient.getCustomer}. */
export interface GetCustomerOptions {
  /** `cus_...` */
  readonly customerId: string;
  readonly signal?: AbortSignal;
}

/** Arguments of {@link StripeClient.getPaymentIntent}. */
export interface GetPaymentIntentOptions {
  /** `pi_...` */
  readonly paymentIntentId: string;
  readonly signal?: AbortSignal;
}
