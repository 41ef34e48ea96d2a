import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isBreakwaterError } from '../breakwater-error.js';
import { AdminAuth, sessionCookie, type Identity } from './admin-auth.js';
import { resolveAdminOptions, type AdminHandlerOptions } from './admin-options.js';
import { listBreakers, readBreaker, type BreakerView } from './breaker-view.js';
import { HttpError } from './http-error.js';
import { renderLogin } from './login-html.js';
import { renderPage } from './page-html.js';
import { readBody } from './read-body.js';
import { cameOverTls, hasBrowserOrigin, isSameOrigin } from './request-origin.js';
import { send, sendEmpty, sendError, sendJson, sendPage } from './responses.js';

/**
 * A plain Node request handler: `http.createServer(handler)`, Express or Connect
 * (`app.use(handler)`, which passes `next` for requests outside `basePath`), or Fastify's raw
 * request and response.
 */
export type AdminHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** The largest request body read; a lock's body is a few bytes. */
const BODY_LIMIT = 16 * 1024;

/** Query parameters that would put a secret in a URL (and so in logs and browser history). */
const secretParameters = new Set(['token', 'access_token', 'accesstoken', 'auth', 'bearer']);

interface Route {
  readonly kind: 'page' | 'login' | 'logout' | 'metrics' | 'list' | 'breaker' | 'lock' | 'unlock';
  readonly name?: string;
}

/**
 * Makes the admin handler: a web page and a JSON API that show every breaker in a store and let
 * an operator lock or unlock one. It needs no web framework.
 *
 * Routes under `basePath`: `GET /` the page, `GET|POST /login`, `POST /logout`,
 * `GET /api/breakers`, `GET /api/breakers/:name`, `POST /api/breakers/:name/lock` with
 * `{ "state": "open" | "closed" }`, `POST /api/breakers/:name/unlock`, and `GET /metrics` when
 * given a registry. Names are percent-encoded path segments.
 *
 * @throws {TypeError | RangeError} when an option is invalid, or `token` is missing (pass
 *   `token: false` to run without authentication).
 *
 * @example
 * ```ts
 * import http from 'node:http';
 * import { createAdminHandler } from 'breakwater/admin';
 *
 * const admin = createAdminHandler({ store, token: process.env.BREAKWATER_ADMIN_TOKEN! });
 * http.createServer(admin).listen(9400, '127.0.0.1');
 * ```
 */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  const config = resolveAdminOptions(options);
  const auth = new AdminAuth({
    token: config.token,
    metricsToken: config.metricsToken,
    sessionTtl: config.sessionTtl,
    trustProxy: config.trustProxy,
    now: config.now,
  });
  const { store, basePath } = config;

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    next: ((error?: unknown) => void) | undefined,
  ): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const path = withinBase(rawPath);
    if (path === undefined) {
      if (next !== undefined) next();
      else sendError(res, new HttpError(404, 'ERR_NOT_FOUND', 'no such page'));
      return;
    }

    for (const key of new URLSearchParams(query).keys()) {
      if (secretParameters.has(key.toLowerCase())) {
        throw new HttpError(
          400,
          'ERR_TOKEN_IN_URL',
          'a token is never accepted in a URL, where logs and history keep it; ' +
            'send an Authorization: Bearer header or log in on the page',
        );
      }
    }

    const missingSlash = redirectForSlash(req, rawPath, path);
    if (missingSlash !== undefined) {
      sendEmpty(res, 308, { Location: missingSlash });
      return;
    }

    const route = parseRoute(path);
    if (route === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such page');

    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    const allowed = allowedMethods(route);
    if (!allowed.includes(method)) {
      throw new HttpError(405, 'ERR_METHOD', `${method} is not allowed here`, {
        Allow: allowed.includes('GET') ? [...allowed, 'HEAD'].join(', ') : allowed.join(', '),
      });
    }

    switch (route.kind) {
      case 'page':
        return servePage(req, res);
      case 'login':
        return method === 'GET' ? serveLogin(res, 200, undefined) : login(req, res);
      case 'logout':
        return logout(req, res);
      case 'metrics':
        return serveMetrics(req, res);
      case 'list':
        authenticate(req);
        return sendView(res, await listBreakers(store));
      case 'breaker':
        authenticate(req);
        return sendView(res, await mustRead(route.name ?? ''));
      case 'lock':
      case 'unlock':
        return change(req, res, route.kind, route.name ?? '');
    }
  }

  function withinBase(rawPath: string): string | undefined {
    if (basePath === '') return rawPath.startsWith('/') ? rawPath : undefined;
    if (rawPath === basePath) return '';
    return rawPath.startsWith(`${basePath}/`) ? rawPath.slice(basePath.length) : undefined;
  }

  /** The page's relative links need its URL to end in "/"; a framework's mount may hide that. */
  function redirectForSlash(
    req: IncomingMessage,
    rawPath: string,
    path: string,
  ): string | undefined {
    if (path === '') return `${rawPath}/`;

    const original = (req as { originalUrl?: unknown }).originalUrl;
    if (path !== '/' || typeof original !== 'string') return undefined;
    const originalPath = original.split('?', 1)[0] ?? '';
    return originalPath.endsWith('/') || !originalPath.startsWith('/')
      ? undefined
      : `${originalPath}/`;
  }

  function authenticate(req: IncomingMessage): Identity {
    const identity = auth.identify(req);
    if (identity === undefined || identity.kind === 'metrics') {
      throw new HttpError(
        401,
        'ERR_UNAUTHORIZED',
        'send Authorization: Bearer <token>, or log in on the admin page',
        { 'WWW-Authenticate': 'Bearer realm="breakwater"' },
      );
    }

    return identity;
  }

  function servePage(req: IncomingMessage, res: ServerResponse): void {
    const identity = auth.identify(req);
    if (identity === undefined || identity.kind === 'metrics') {
      // A redirect rather than a 401, which browsers would log as a failed load.
      sendEmpty(res, 303, { Location: 'login' });
      return;
    }

    const nonce = randomBytes(16).toString('base64');
    const html = renderPage({
      nonce,
      title: config.title,
      csrfToken: auth.csrfToken(identity),
      readOnly: config.readOnly,
      refreshInterval: config.refreshInterval,
      session: identity.kind === 'session',
    });
    sendPage(res, 200, html, nonce);
  }

  function serveLogin(res: ServerResponse, status: number, error: string | undefined): void {
    const nonce = randomBytes(16).toString('base64');
    sendPage(res, status, renderLogin({ nonce, title: config.title, error }), nonce);
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!auth.required) {
      sendEmpty(res, 303, { Location: './' });
      return;
    }

    if (hasBrowserOrigin(req) && !isSameOrigin(req, config.trustProxy)) {
      throw new HttpError(403, 'ERR_CROSS_ORIGIN', 'log in from the admin page itself');
    }

    const type = mediaType(req);
    if (type !== undefined && type !== 'application/x-www-form-urlencoded') {
      throw new HttpError(415, 'ERR_MEDIA_TYPE', 'send the login form as a URL-encoded form');
    }

    const body = (await readBody(req, BODY_LIMIT)).toString('utf8');
    const token = new URLSearchParams(body).get('token');
    if (token === null || token === '') {
      serveLogin(res, 400, 'Enter the admin token.');
      return;
    }

    if (!auth.isToken(token)) {
      serveLogin(res, 401, 'That token is not valid.');
      return;
    }

    const secure = cameOverTls(req, config.trustProxy) ? '; Secure' : '';
    const cookie =
      `${sessionCookie}=${auth.startSession()}; Path=${basePath || '/'}; ` +
      `Max-Age=${auth.sessionSeconds}; HttpOnly; SameSite=Strict${secure}`;
    sendEmpty(res, 303, { Location: './', 'Set-Cookie': cookie });
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const identity = auth.identify(req);
    if (identity?.kind === 'session') {
      auth.checkCsrf(req, identity);
      auth.endSession(identity.session);
    }

    await readBody(req, BODY_LIMIT);
    const secure = cameOverTls(req, config.trustProxy) ? '; Secure' : '';
    sendEmpty(res, 204, {
      'Set-Cookie':
        `${sessionCookie}=; Path=${basePath || '/'}; Max-Age=0; ` +
        `HttpOnly; SameSite=Strict${secure}`,
    });
  }

  async function serveMetrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const registry = config.registry;
    if (registry === undefined) throw new HttpError(404, 'ERR_NOT_FOUND', 'no such page');

    if (!config.publicMetrics && auth.identify(req) === undefined) {
      throw new HttpError(401, 'ERR_UNAUTHORIZED', 'send Authorization: Bearer <token>', {
        'WWW-Authenticate': 'Bearer realm="breakwater"',
      });
    }

    const text = await registry.metrics();
    send(res, 200, registry.contentType, text);
  }

  async function change(
    req: IncomingMessage,
    res: ServerResponse,
    kind: 'lock' | 'unlock',
    name: string,
  ): Promise<void> {
    const identity = authenticate(req);
    if (config.readOnly) {
      throw new HttpError(403, 'ERR_READ_ONLY', 'this admin handler is read-only');
    }

    auth.checkCsrf(req, identity);
    const state = kind === 'lock' ? await lockState(req) : await emptyBody(req);
    await mustRead(name);

    if (state === undefined) await store.unlock(name);
    else await store.lock(name, state);

    sendView(res, await mustRead(name));
  }

  async function mustRead(name: string): Promise<BreakerView> {
    const view = await readBreaker(store, name);
    if (view === undefined) {
      throw new HttpError(404, 'ERR_NO_BREAKER', 'the store knows no breaker of that name');
    }

    return view;
  }

  function sendView(res: ServerResponse, view: BreakerView | BreakerView[]): void {
    sendJson(res, 200, view, { 'X-Breakwater-Time': String(config.now()) });
  }

  return (req, res, next) => {
    handle(req, res, next).catch((error: unknown) => {
      fail(res, error, config.onError, config.now);
    });
  };
}

function parseRoute(path: string): Route | undefined {
  if (path === '/') return { kind: 'page' };
  if (path === '/login') return { kind: 'login' };
  if (path === '/logout') return { kind: 'logout' };
  if (path === '/metrics') return { kind: 'metrics' };
  if (path === '/api/breakers') return { kind: 'list' };
  if (!path.startsWith('/api/breakers/')) return undefined;

  const segments = path.slice('/api/breakers/'.length).split('/');
  const [encoded, action, ...rest] = segments;
  if (encoded === undefined || encoded === '' || rest.length > 0) return undefined;

  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, 'ERR_BAD_NAME', 'the breaker name is not valid percent-encoding');
  }

  if (action === undefined) return { kind: 'breaker', name };
  if (action === 'lock' || action === 'unlock') return { kind: action, name };
  return undefined;
}

function allowedMethods(route: Route): readonly string[] {
  switch (route.kind) {
    case 'login':
      return ['GET', 'POST'];
    case 'logout':
    case 'lock':
    case 'unlock':
      return ['POST'];
    default:
      return ['GET'];
  }
}

function mediaType(req: IncomingMessage): string | undefined {
  const header = req.headers['content-type'];
  return header?.split(';', 1)[0]?.trim().toLowerCase() || undefined;
}

/** Reads `{ "state": "open" | "closed" }`; anything else is refused before the store is touched. */
async function lockState(req: IncomingMessage): Promise<'open' | 'closed'> {
  const type = mediaType(req);
  if (type !== undefined && type !== 'application/json') {
    throw new HttpError(415, 'ERR_MEDIA_TYPE', 'send the body as application/json');
  }

  const parsed = parseJson((await readBody(req, BODY_LIMIT)).toString('utf8'));
  const state =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)['state']
      : undefined;
  if (state !== 'open' && state !== 'closed') {
    throw new HttpError(
      400,
      'ERR_BAD_BODY',
      'the body must be {"state":"open"} or {"state":"closed"}',
    );
  }

  return state;
}

/** An unlock needs no body; one that is sent must still be well-formed JSON. */
async function emptyBody(req: IncomingMessage): Promise<undefined> {
  const text = (await readBody(req, BODY_LIMIT)).toString('utf8');
  if (text.trim() !== '') parseJson(text);
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'ERR_BAD_BODY', 'the body is not valid JSON');
  }
}

function fail(
  res: ServerResponse,
  error: unknown,
  onError: ((error: unknown) => void) | undefined,
  now: () => number,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }

  if (error instanceof HttpError) {
    sendError(res, error);
    return;
  }

  if (isBreakwaterError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
    sendJson(
      res,
      503,
      {
        error: { code: error.code, message: `the breaker store is unavailable: ${error.message}` },
      },
      { 'Retry-After': '2', 'X-Breakwater-Time': String(now()) },
    );
    return;
  }

  try {
    onError?.(error);
  } catch {
    // A failing error hook must not stop the answer.
  }

  sendError(
    res,
    new HttpError(500, 'ERR_INTERNAL', 'the admin handler failed; see the server log'),
  );
}
