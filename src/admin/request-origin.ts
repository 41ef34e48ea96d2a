import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** True when the request reached us over TLS, directly or (with `trustProxy`) via a proxy. */
export function cameOverTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as Partial<TLSSocket>).encrypted === true) return true;
  return trustProxy && firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() === 'https';
}

/**
 * True when a browser says the request came from a page of this very origin: `Sec-Fetch-Site:
 * same-origin`, or else an `Origin` (or, failing that, a `Referer`) whose host is this request's
 * host. A request with none of those headers proves nothing and is not same-origin.
 */
export function isSameOrigin(req: IncomingMessage, trustProxy: boolean): boolean {
  const site = firstValue(req.headers['sec-fetch-site']);
  if (site !== undefined) return site === 'same-origin';

  const host = expectedHost(req, trustProxy);
  if (host === undefined) return false;

  const origin = firstValue(req.headers.origin);
  if (origin !== undefined) return hostOf(origin) === host;

  const referer = firstValue(req.headers.referer);
  if (referer !== undefined) return hostOf(referer) === host;
  return false;
}

/** True when the request carries any header a browser adds to say where it came from. */
export function hasBrowserOrigin(req: IncomingMessage): boolean {
  return (
    req.headers['sec-fetch-site'] !== undefined ||
    req.headers.origin !== undefined ||
    req.headers.referer !== undefined
  );
}

function expectedHost(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? firstValue(req.headers['x-forwarded-host']) : undefined;
  return (forwarded ?? req.headers.host)?.toLowerCase();
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

function firstValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.split(',', 1)[0]?.trim();
}
