import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';
import { hasBrowserOrigin, isSameOrigin } from './request-origin.js';
import { digest, matchesDigest } from './safe-equal.js';

/** Who made a request. */
export type Identity =
  | { readonly kind: 'bearer' }
  | { readonly kind: 'session'; readonly session: string }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'open' };

/** The name of the session cookie. */
export const sessionCookie = 'breakwater_session';

/** Logged-out sessions remembered (until they expire) before the oldest is forgotten. */
const MAX_REVOKED = 10_000;

/** Options of {@link AdminAuth}; already checked by the handler. */
export interface AdminAuthOptions {
  readonly token: string | false;
  readonly metricsToken: string | undefined;
  readonly sessionTtl: number;
  readonly trustProxy: boolean;
  readonly now: () => number;
}

/**
 * Authentication and CSRF defence of the admin handler.
 *
 * A session is `issuedAt.random.mac`, where `mac` is an HMAC-SHA256 of the first two parts under
 * a key derived from the admin token. Sessions are therefore stateless: every process that shares
 * the token accepts them (no sticky load balancing needed), they expire `sessionTtl` after login,
 * and changing the token ends every session at once. A logout also revokes the session in the
 * process that served it. The CSRF token of a session is another HMAC of the session, so it
 * needs no storage either.
 */
export class AdminAuth {
  readonly #tokenDigest: Buffer | undefined;
  readonly #metricsDigest: Buffer | undefined;
  readonly #key: Buffer;
  readonly #ttl: number;
  readonly #trustProxy: boolean;
  readonly #now: () => number;
  readonly #revoked = new Map<string, number>();

  constructor(options: AdminAuthOptions) {
    const token = options.token;
    this.#tokenDigest = token === false ? undefined : digest(token);
    this.#metricsDigest =
      options.metricsToken === undefined ? undefined : digest(options.metricsToken);
    // Without a token there are no sessions; the key then only signs the page's CSRF token.
    this.#key =
      token === false
        ? randomBytes(32)
        : createHmac('sha256', token).update('breakwater admin session v1').digest();
    this.#ttl = options.sessionTtl;
    this.#trustProxy = options.trustProxy;
    this.#now = options.now;
  }

  /** True when requests need a token or a session. */
  get required(): boolean {
    return this.#tokenDigest !== undefined;
  }

  /**
   * Who made the request, or `undefined` when nobody is proven. A request that offers an
   * `Authorization` header is judged by it alone; a wrong one is never rescued by a cookie.
   */
  identify(req: IncomingMessage): Identity | undefined {
    if (this.#tokenDigest === undefined) return { kind: 'open' };

    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization);
      const offered = match?.[1];
      if (offered === undefined) return undefined;
      if (matchesDigest(offered, this.#tokenDigest)) return { kind: 'bearer' };
      if (this.#metricsDigest !== undefined && matchesDigest(offered, this.#metricsDigest)) {
        return { kind: 'metrics' };
      }

      return undefined;
    }

    const session = readCookie(req.headers.cookie, sessionCookie);
    if (session !== undefined && this.#validSession(session)) return { kind: 'session', session };
    return undefined;
  }

  /** True when `offered` is the admin token. */
  isToken(offered: string): boolean {
    return this.#tokenDigest !== undefined && matchesDigest(offered, this.#tokenDigest);
  }

  /** A new session, to be sent as the session cookie. */
  startSession(): string {
    const issued = this.#now().toString(36);
    const random = randomBytes(18).toString('base64url');
    const body = `${issued}.${random}`;
    return `${body}.${this.#mac(body)}`;
  }

  /** Revokes a session in this process (the cookie is cleared by the response). */
  endSession(session: string): void {
    if (!this.#validSession(session)) return;

    const now = this.#now();
    for (const [revoked, expires] of this.#revoked) {
      if (expires <= now || this.#revoked.size >= MAX_REVOKED) this.#revoked.delete(revoked);
    }

    this.#revoked.set(session, issuedAt(session) + this.#ttl);
  }

  /** Seconds a new session cookie lives. */
  get sessionSeconds(): number {
    return Math.floor(this.#ttl / 1000);
  }

  /** The CSRF token the page sends back with state-changing requests; empty when none is needed. */
  csrfToken(identity: Identity): string {
    if (identity.kind === 'session') return this.#mac(`csrf.${identity.session}`);
    if (identity.kind === 'open') return this.#mac('csrf.open');
    return '';
  }

  /**
   * Refuses a state-changing request that a browser could have been tricked into sending.
   * Bearer requests cannot be forged by another site and pass. Session requests need both a
   * same-origin browser and the session's CSRF token in `X-CSRF-Token`. Without a token, requests
   * from a browser need the same, and requests from outside a browser pass.
   *
   * @throws {HttpError} 403 when the request may be forged.
   */
  checkCsrf(req: IncomingMessage, identity: Identity): void {
    if (identity.kind === 'bearer') return;
    if (identity.kind === 'open' && !hasBrowserOrigin(req)) return;

    if (!isSameOrigin(req, this.#trustProxy)) {
      throw new HttpError(
        403,
        'ERR_CROSS_ORIGIN',
        'state-changing requests with a session must come from this admin page',
      );
    }

    const offered = req.headers['x-csrf-token'];
    const expected = this.csrfToken(identity);
    if (typeof offered !== 'string' || expected === '' || !sameText(offered, expected)) {
      throw new HttpError(403, 'ERR_CSRF', 'missing or wrong X-CSRF-Token header');
    }
  }

  #validSession(session: string): boolean {
    const parts = session.split('.');
    if (parts.length !== 3) return false;

    const [issued, random, mac] = parts as [string, string, string];
    if (!sameText(mac, this.#mac(`${issued}.${random}`))) return false;

    const age = this.#now() - issuedAt(session);
    if (!(age >= -60_000 && age < this.#ttl)) return false;
    return !this.#revoked.has(session);
  }

  #mac(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }
}

function issuedAt(session: string): number {
  return parseInt(session.split('.', 1)[0] ?? '', 36);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const index = pair.indexOf('=');
    if (index === -1) continue;
    if (pair.slice(0, index).trim() === name) return pair.slice(index + 1).trim();
  }

  return undefined;
}
