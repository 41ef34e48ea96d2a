import { randomBytes } from 'node:crypto';

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A vendor-style id: `prefix` and `length` random characters, lower-case hexadecimal
 * (Twilio's `CA0f3c...`) or letters and digits (Stripe's `cus_Nf3k...`).
 */
export function randomId(
  prefix: string,
  length: number,
  alphabet: 'hex' | 'alnum' = 'hex',
): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) {
    id += alphabet === 'hex' ? (byte % 16).toString(16) : (letters[byte % letters.length] ?? 'x');
  }

  return id;
}
