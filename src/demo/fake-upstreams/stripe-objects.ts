import type { FakeStripeObject } from './fake-stripe.js';
import { randomId } from './random-id.js';

/** The time in Unix seconds, Stripe's way of writing times. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** A new live Customer with Stripe's fields. */
export function newCustomer(
  email: string | null,
  name: string | null,
  metadata: Record<string, string>,
): FakeStripeObject {
  return {
    id: randomId('cus_', 14, 'alnum'),
    object: 'customer',
    address: null,
    balance: 0,
    created: unixNow(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null },
    livemode: false,
    metadata,
    name,
    phone: null,
    shipping: null,
  };
}

/** A new Subscription of one monthly price, with the billing period on its item. */
export function newSubscription(
  customer: string,
  priceId: string,
  metadata: Record<string, string>,
  status: string,
): FakeStripeObject {
  const start = unixNow();
  return {
    id: randomId('sub_', 24, 'alnum'),
    object: 'subscription',
    status,
    customer,
    items: {
      object: 'list',
      data: [
        {
          id: randomId('si_', 14, 'alnum'),
          object: 'subscription_item',
          price: {
            id: priceId,
            object: 'price',
            unit_amount: 2_000,
            currency: 'usd',
            recurring: { interval: 'month' },
          },
          quantity: 1,
          current_period_start: start,
          current_period_end: start + 30 * 86_400,
        },
      ],
    },
    cancel_at_period_end: false,
    cancel_at: null,
    canceled_at: null,
    ended_at: null,
    metadata,
    created: start,
    start_date: start,
    billing_cycle_anchor: start,
    collection_method: 'charge_automatically',
    currency: 'usd',
    latest_invoice: null,
    trial_start: null,
    trial_end: null,
    livemode: false,
  };
}
