/**
 * Distinctive fake secrets used across the fault suite, and a ledger of everything the library
 * said (log lines, errors, events, admin answers, child output) to search them for. Each
 * secret is long and odd enough that finding it can only mean it leaked.
 */
import { everything } from '../../http/harness.js';

export const vapiApiKey = 'vapi-chaos-5ecret-7f3a9c1e2b4d6f80';
export const twilioAccountSid = `AC${'c4'.repeat(16)}`;
export const twilioAuthToken = 'f00dfacec0ffee5ecret7a11b0a7d00d';
export const twilioBasic = Buffer.from(`${twilioAccountSid}:${twilioAuthToken}`).toString('base64');
export const stripeSecretKey = 'sk_test_chaos5ecretK3y9d8c7b6a5f4e3d2c1';
export const adminToken = 'admin-chaos-5ecret-tok3n-0123456789abcdef';
export const metricsToken = 'metrics-chaos-5ecret-tok3n-fedcba9876543210';
export const redisPassword = 'redis-chaos-5ecret-pa55word';

/** Every secret, and the forms a header would carry them in. */
export const secrets: readonly string[] = [
  vapiApiKey,
  twilioAuthToken,
  twilioBasic,
  stripeSecretKey,
  adminToken,
  metricsToken,
  redisPassword,
  `Bearer ${vapiApiKey}`,
  `Basic ${twilioBasic}`,
  `Bearer ${stripeSecretKey}`,
  `Bearer ${adminToken}`,
  // Percent-encoded, as a URL would carry it.
  encodeURIComponent(redisPassword),
];

export { everything };

/** What was said, by where it was said, to be searched for secrets at the end. */
export class SecretLedger {
  readonly #entries: { source: string; text: string }[] = [];

  /** Keeps `value` (a string as is, anything else through {@link everything}). */
  add(source: string, value: unknown): void {
    this.#entries.push({ source, text: typeof value === 'string' ? value : everything(value) });
  }

  /** How many texts were kept. */
  get size(): number {
    return this.#entries.length;
  }

  /** How many characters were kept, to show the search covered something. */
  get characters(): number {
    return this.#entries.reduce((sum, entry) => sum + entry.text.length, 0);
  }

  /** Every `source: secret` pair where a secret appears; empty when nothing leaked. */
  leaks(): string[] {
    const found: string[] = [];
    for (const { source, text } of this.#entries) {
      for (const secret of secrets) {
        if (text.includes(secret)) found.push(`${source}: ${secret.slice(0, 12)}…`);
      }
    }

    return found;
  }

  /** A logger (console, pino shape) that keeps every line it is given. */
  logger(source: string): {
    warn(...args: unknown[]): void;
    info(...args: unknown[]): void;
    error(...args: unknown[]): void;
  } {
    const keep =
      (level: string) =>
      (...args: unknown[]) => {
        this.add(
          `${source} ${level}`,
          args.map((arg) => (typeof arg === 'string' ? arg : everything(arg))).join(' '),
        );
      };
    return { warn: keep('warn'), info: keep('info'), error: keep('error') };
  }
}
