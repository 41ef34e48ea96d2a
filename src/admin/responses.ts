import type { ServerResponse } from 'node:http';
import type { HttpError } from './http-error.js';

/** Headers every response of the admin handler carries. */
function commonHeaders(res: ServerResponse, contentSecurityPolicy: string): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

/** The policy of every response that is not a page: it may load and run nothing. */
const dataPolicy =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The policy of a page: its own inline script and style (by nonce), fetches to itself. */
export function pagePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    'img-src data:',
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Sends a complete response with the security headers. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Readonly<Record<string, string | string[]>> = {},
  contentSecurityPolicy = dataPolicy,
): void {
  commonHeaders(res, contentSecurityPolicy);
  res.setHeader('Content-Type', contentType);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.statusCode = status;
  res.end(body);
}

/** Sends a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`, headers);
}

/** Sends an HTML page under a nonce-based policy. */
export function sendPage(
  res: ServerResponse,
  status: number,
  html: string,
  nonce: string,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  send(res, status, 'text/html; charset=utf-8', html, headers, pagePolicy(nonce));
}

/** Sends `{ error: { code, message } }` with the error's status and headers. */
export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(
    res,
    error.status,
    { error: { code: error.code, message: error.message } },
    error.headers,
  );
}

/** Sends an empty response, e.g. a redirect. */
export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers: Readonly<Record<string, string | string[]>> = {},
): void {
  commonHeaders(res, dataPolicy);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.end();
}
