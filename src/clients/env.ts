import { BreakwaterError } from '../breakwater-error.js';

/** Environment variables as `process.env` holds them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Thrown by a client's `fromEnv` when variables are missing or malformed. It names every problem
 * at once, and never shows a variable's value.
 *
 * @example
 * ```ts
 * try {
 *   TwilioClient.fromEnv();
 * } catch (error) {
 *   if (error instanceof EnvironmentError) console.error(error.problems.join('\n'));
 * }
 * ```
 */
export class EnvironmentError extends BreakwaterError {
  declare readonly code: 'ERR_ENVIRONMENT';
  /** One sentence per problem, e.g. `TWILIO_AUTH_TOKEN is not set`. */
  readonly problems: readonly string[];
  /** The names of the variables at fault. */
  readonly variables: readonly string[];

  constructor(client: string, problems: readonly { variable: string; problem: string }[]) {
    super(
      'ERR_ENVIRONMENT',
      `${client} cannot be configured from the environment: ` +
        problems.map((item) => item.problem).join('; '),
    );
    this.problems = Object.freeze(problems.map((item) => item.problem));
    this.variables = Object.freeze([...new Set(problems.map((item) => item.variable))]);
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'EnvironmentError', writable: true });
  }
}

/** A check of one value: `undefined` when it is fine, else what is wrong with it. */
export type ValueCheck = (value: string) => string | undefined;

/**
 * Reads a client's variables, gathering every problem before it throws once. Messages name the
 * variable and the rule it breaks, never the value.
 */
export class EnvironmentReader {
  readonly #env: Environment;
  readonly #problems: { variable: string; problem: string }[] = [];

  constructor(env: Environment) {
    if (typeof env !== 'object' || env === null) {
      throw new TypeError('env must be an object of environment variables');
    }

    this.#env = env;
  }

  /** A variable that must be set; an empty value counts as unset. */
  required(variable: string, check?: ValueCheck): string | undefined {
    const value = this.optional(variable, check);
    if (value === undefined && !this.#failed(variable)) {
      this.#problems.push({ variable, problem: `${variable} is not set` });
    }

    return value;
  }

  /** A variable that may be unset; when set, it must pass `check`. */
  optional(variable: string, check?: ValueCheck): string | undefined {
    const raw = this.#env[variable];
    if (raw === undefined || raw.trim() === '') return undefined;

    const value = raw.trim();
    const problem = check?.(value);
    if (problem !== undefined) {
      this.#problems.push({ variable, problem: `${variable} ${problem}` });
      return undefined;
    }

    return value;
  }

  /** Throws one {@link EnvironmentError} naming every problem found so far. */
  finish(client: string): void {
    if (this.#problems.length > 0) throw new EnvironmentError(client, this.#problems);
  }

  #failed(variable: string): boolean {
    return this.#problems.some((item) => item.variable === variable);
  }
}

/** A secret: no spaces or control characters. */
export const secretCheck: ValueCheck = (value) =>
  // eslint-disable-next-line no-control-regex
  /[\s\u0000-\u001f\u007f]/.test(value)
    ? 'must not contain spaces or control characters (value hidden)'
    : undefined;

/** An absolute http: or https: URL. */
export const urlCheck: ValueCheck = (value) => {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // Reported below.
  }

  return 'must be an absolute http: or https: URL';
};

/** A Twilio Account SID: `AC` and 32 hexadecimal digits. */
export const accountSidCheck: ValueCheck = (value) =>
  /^AC[0-9a-fA-F]{32}$/.test(value) ? undefined : 'must be "AC" followed by 32 hexadecimal digits';

/** A Stripe secret or restricted key. */
export const stripeKeyCheck: ValueCheck = (value) =>
  /^(sk|rk)_(test|live)_[0-9A-Za-z]+$/.test(value)
    ? undefined
    : 'must be a Stripe secret key, sk_test_..., sk_live_... or rk_... (value hidden)';

/** A UUID, the shape of Vapi's ids. */
export const uuidCheck: ValueCheck = (value) =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
    ? undefined
    : 'must be a UUID, e.g. 3f2b0c4e-8a1d-4c2e-9b7f-1a2b3c4d5e6f';
