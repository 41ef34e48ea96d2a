/**
 * Breakwater's API clients: the `ApiClient` base and typed clients for Vapi, Twilio and Stripe,
 * each operation behind its own circuit breaker with retries that never duplicate a side effect.
 *
 * @packageDocumentation
 */
export { ApiClient } from '../http/api-client.js';
export { readVendorError } from '../http/read-vendor-error.js';
export type { ApiClientOptions, ApiRequest, CallOptions } from '../http/api-client.js';
export { ApiError, isApiError, isServiceFailure } from '../http/api-error.js';
export type { ApiErrorCode, ApiErrorDetails } from '../http/api-error.js';
export { clientDefaults } from '../http/client-options.js';
export type {
  ClientBreakerOptions,
  ClientRetryOptions,
  CommonClientOptions,
} from '../http/client-options.js';
export { encodeForm } from '../http/encode-form.js';
export type { EncodeFormOptions, FormArrays, FormParams, FormValue } from '../http/encode-form.js';
export { checkId, pathSegment } from '../http/path-segment.js';
export { parseRetryAfter } from '../http/retry-after.js';
export { mayRetry } from '../http/retry-policy.js';
export type { AttemptFailure, RetryPolicy } from '../http/retry-policy.js';
export type { ApiResponse, HttpMethod, VendorError } from '../http/send-request.js';
export { CircuitOpenError, isCircuitOpenError } from '../breaker/circuit-open-error.js';
export { EnvironmentError } from './env.js';
export type { Environment } from './env.js';
export { VapiClient } from './vapi.js';
export type { VapiClientOptions } from './vapi.js';
export type {
  CreateAssistantOptions,
  DeleteAssistantOptions,
  GetVapiCallOptions,
  StartCallOptions,
  UpdateAssistantOptions,
  VapiAssistant,
  VapiAssistantConfig,
  VapiCall,
  VapiCallStatus,
} from './vapi-types.js';
export { TwilioClient } from './twilio.js';
export type { TwilioClientOptions } from './twilio.js';
export type {
  GetTwilioCallOptions,
  MakeCallOptions,
  ProvisionNumberOptions,
  SendSmsOptions,
  TwilioCall,
  TwilioCallEvent,
  TwilioCallStatus,
  TwilioMessage,
  TwilioPhoneNumber,
} from './twilio-types.js';
export { StripeClient, stripeApiVersion } from './stripe.js';
export type { StripeClientOptions } from './stripe.js';
export type {
  CreateCheckoutSessionOptions,
  CreateCustomerOptions,
  GetCustomerOptions,
  GetPaymentIntentOptions,
  StripeCheckoutSession,
  StripeCustomer,
  StripeDeletedCustomer,
  StripeMetadata,
  StripePaymentIntent,
  StripeSubscription,
  StripeSubscriptionStatus,
  SubscriptionOptions,
} from './stripe-types.js';
