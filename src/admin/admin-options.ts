import type { BreakerStore } from '../stores/store.js';
import { checkDuration, checkOptions, show } from '../validation.js';

/**
 * What `/metrics` serves: a prom-client `Registry`, or anything with the same two members.
 * Typed structurally so the admin handler never loads prom-client itself.
 */
export interface MetricsRegistry {
  /** The exposition text. */
  metrics(): string | Promise<string>;
  /** Its `Content-Type`, e.g. `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

/** Options of {@link createAdminHandler}. Durations are milliseconds. */
export interface AdminHandlerOptions {
  /** The store whose breakers are shown: the one the breakers run on. */
  readonly store: BreakerStore;
  /**
   * The secret every request must present, as `Authorization: Bearer <token>` or by logging in
   * on the page. At least 16 printable ASCII characters without spaces; use a long random one.
   * `false` turns authentication off: only behind something that authenticates for you.
   */
  readonly token: string | false;
  /**
   * Shows breakers but refuses every lock and unlock (403) and disables the page's buttons.
   * @default false
   */
  readonly readOnly?: boolean;
  /**
   * The path the handler is mounted at, e.g. `/admin`; requests outside it go to `next` (when the
   * framework passes one) or get 404. Leave it empty when a framework strips the mount path
   * (Express `app.use('/admin', handler)`).
   * @default ''
   */
  readonly basePath?: string;
  /**
   * A metrics registry (prom-client's `Registry`) to serve at `basePath + '/metrics'`.
   * @default undefined (no `/metrics`)
   */
  readonly registry?: MetricsRegistry;
  /**
   * Serves `/metrics` without authentication, for a scraper on a trusted network.
   * @default false
   */
  readonly publicMetrics?: boolean;
  /**
   * A second bearer token that may read `/metrics` and nothing else, for a scraper's config.
   * @default undefined
   */
  readonly metricsToken?: string;
  /**
   * How long a login lasts.
   * @default 28800000 (8 hours)
   */
  readonly sessionTtl?: number;
  /**
   * How often the page polls the JSON API.
   * @default 2000
   */
  readonly refreshInterval?: number;
  /**
   * Believes `X-Forwarded-Proto` and `X-Forwarded-Host` from a reverse proxy in front, for the
   * cookie's `Secure` flag and the same-origin check. Only turn it on behind such a proxy.
   * @default false
   */
  readonly trustProxy?: boolean;
  /**
   * The page's title, e.g. the service's name.
   * @default 'Breakwater'
   */
  readonly title?: string;
  /**
   * The clock for session expiry and the page's "time ago", in epoch milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * Told of unexpected errors (answered with 500 and a message that hides them); the handler
   * itself never logs.
   * @default undefined
   */
  readonly onError?: (error: unknown) => void;
}

/** The defaults of {@link AdminHandlerOptions}, in one place. */
export const adminDefaults = Object.freeze({
  readOnly: false,
  basePath: '',
  publicMetrics: false,
  sessionTtl: 8 * 60 * 60 * 1000,
  refreshInterval: 2_000,
  trustProxy: false,
  title: 'Breakwater',
});

/** The checked options of one handler. */
export interface ResolvedAdminOptions {
  readonly store: BreakerStore;
  readonly token: string | false;
  readonly readOnly: boolean;
  readonly basePath: string;
  readonly registry: MetricsRegistry | undefined;
  readonly publicMetrics: boolean;
  readonly metricsToken: string | undefined;
  readonly sessionTtl: number;
  readonly refreshInterval: number;
  readonly trustProxy: boolean;
  readonly title: string;
  readonly now: () => number;
  readonly onError: ((error: unknown) => void) | undefined;
}

const known = new Set([
  'store',
  'token',
  'readOnly',
  'basePath',
  'registry',
  'publicMetrics',
  'metricsToken',
  'sessionTtl',
  'refreshInterval',
  'trustProxy',
  'title',
  'now',
  'onError',
]);

const MIN_TOKEN_LENGTH = 16;

/** Checks every option once, when the handler is made. */
export function resolveAdminOptions(input: unknown): ResolvedAdminOptions {
  if (input === undefined) {
    throw new TypeError('options are required: createAdminHandler({ store, token })');
  }

  const options = checkOptions('options', input);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`options.${key} is not an admin handler option`);
  }

  const registry = options['registry'];
  if (
    registry !== undefined &&
    (typeof registry !== 'object' ||
      registry === null ||
      typeof (registry as Partial<MetricsRegistry>).metrics !== 'function')
  ) {
    throw new TypeError(`registry must be a metrics registry, received ${show(registry)}`);
  }

  const metricsToken = options['metricsToken'];
  if (metricsToken !== undefined) checkToken('metricsToken', metricsToken);

  return {
    store: checkStore(options['store']),
    token: checkAdminToken(options['token']),
    readOnly: checkBoolean('readOnly', options['readOnly'] ?? adminDefaults.readOnly),
    basePath: checkBasePath(options['basePath'] ?? adminDefaults.basePath),
    registry: registry as MetricsRegistry | undefined,
    publicMetrics: checkBoolean(
      'publicMetrics',
      options['publicMetrics'] ?? adminDefaults.publicMetrics,
    ),
    metricsToken: metricsToken as string | undefined,
    sessionTtl: checkDuration('sessionTtl', options['sessionTtl'] ?? adminDefaults.sessionTtl, 1),
    refreshInterval: checkDuration(
      'refreshInterval',
      options['refreshInterval'] ?? adminDefaults.refreshInterval,
      500,
    ),
    trustProxy: checkBoolean('trustProxy', options['trustProxy'] ?? adminDefaults.trustProxy),
    title: checkTitle(options['title'] ?? adminDefaults.title),
    now: checkCallback('now', options['now']) ?? Date.now,
    onError: checkCallback('onError', options['onError']),
  };
}

function checkStore(store: unknown): BreakerStore {
  const methods = ['names', 'snapshot', 'lock', 'unlock'] as const;
  if (
    typeof store !== 'object' ||
    store === null ||
    methods.some((method) => typeof (store as Record<string, unknown>)[method] !== 'function')
  ) {
    throw new TypeError(
      'store must be a breaker store with names(), snapshot(), lock() and unlock(), ' +
        `received ${show(store)}`,
    );
  }

  return store as BreakerStore;
}

function checkAdminToken(token: unknown): string | false {
  if (token === undefined) {
    throw new TypeError(
      'token is required: pass the admin token, or token: false to run without authentication',
    );
  }

  if (token === false) return false;
  return checkToken('token', token);
}

/** Checks a secret without ever showing it: messages tell its type or length only. */
function checkToken(option: string, token: unknown): string {
  if (typeof token !== 'string') {
    throw new TypeError(`${option} must be a string or false, received a ${typeof token}`);
  }

  if (token.length < MIN_TOKEN_LENGTH) {
    throw new RangeError(
      `${option} must be at least ${MIN_TOKEN_LENGTH} characters long, ` +
        `received ${token.length} characters`,
    );
  }

  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new RangeError(`${option} must be printable ASCII without spaces`);
  }

  return token;
}

function checkBasePath(value: unknown): string {
  if (typeof value !== 'string') {
    throw new TypeError(`basePath must be a string, received ${show(value)}`);
  }

  const path = value.replace(/\/+$/, '');
  if (path !== '' && (!path.startsWith('/') || /[?#%\\]|\/\.{1,2}(\/|$)|\/\//.test(path))) {
    throw new RangeError(
      `basePath must be empty or a plain path starting with "/", received ${show(value)}`,
    );
  }

  return path;
}

function checkTitle(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new TypeError(`title must be a string of 1 to 200 characters, received ${show(value)}`);
  }

  return value;
}

function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${option} must be true or false, received ${show(value)}`);
  }

  return value;
}

function checkCallback<T>(option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    throw new TypeError(`${option} must be a function, received ${show(value)}`);
  }

  return value as T;
}
