import type { VendorError } from './send-request.js';

/**
 * Reads Stripe's `{error: {code, type, message}}`, Twilio's `{code, message}` and Vapi's
 * `{message, error}`.
 */
export function readVendorError(body: unknown): VendorError {
  if (typeof body !== 'object' || body === null) return {};

  const record = body as Record<string, unknown>;
  const nested = record['error'];
  if (typeof nested === 'object' && nested !== null) {
    const error = nested as Record<string, unknown>;
    return {
      code: textOf(error['code']) ?? textOf(error['type']),
      message: textOf(error['message']),
    };
  }

  const code = record['code'];
  const message = record['message'];
  return {
    code: typeof code === 'number' ? code : (textOf(code) ?? textOf(nested)),
    message: Array.isArray(message)
      ? message.filter((item) => typeof item === 'string').join('; ')
      : textOf(message),
  };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
