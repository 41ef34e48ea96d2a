import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { CircuitBreaker, MemoryStore } from 'breakwater';
import { createAdminHandler } from 'breakwater/admin';
import { FakeClock } from '../helpers/fake-clock.js';
import { adminToken, bearer, startAdmin, type RunningAdmin } from './admin-server.js';

const lockBody = '{"state":"open"}';

async function login(origin: string, token = adminToken, headers: Record<string, string> = {}) {
  return fetch(`${origin}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin,
      'sec-fetch-site': 'same-origin',
      ...headers,
    },
    body: new URLSearchParams({ token }).toString(),
  });
}

function sessionOf(response: Response): string {
  const cookie = response.headers.get('set-cookie') ?? '';
  const pair = cookie.split(';', 1)[0] ?? '';
  expect(pair).toMatch(/^breakwater_session=[\w.-]+$/);
  return pair;
}

function csrfOf(html: string): string {
  const token = /<meta name="breakwater-csrf" content="([^"]*)">/.exec(html)?.[1];
  expect(token).toBeTruthy();
  return token ?? '';
}

describe('admin handler options', () => {
  const store = new MemoryStore();

  it('demands a token, or an explicit token: false', () => {
    expect(() => createAdminHandler({ store } as never)).toThrow(
      new TypeError(
        'token is required: pass the admin token, or token: false to run without authentication',
      ),
    );
    expect(() => createAdminHandler({ store, token: false })).not.toThrow();
  });

  it('refuses weak tokens without ever showing them', () => {
    let message = '';
    try {
      createAdminHandler({ store, token: 'hunter2' });
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError);
      message = (error as Error).message;
    }

    expect(message).toBe('token must be at least 16 characters long, received 7 characters');
    expect(() => createAdminHandler({ store, token: 'with spaces in the token' })).toThrow(
      RangeError,
    );
    expect(() => createAdminHandler({ store, token: 12 as never })).toThrow(
      'token must be a string or false, received a number',
    );
  });

  it('checks the other options', () => {
    expect(() => createAdminHandler({ store: {} as never, token: false })).toThrow(TypeError);
    expect(() => createAdminHandler({ store, token: false, basePath: 'admin' })).toThrow(
      RangeError,
    );
    expect(() => createAdminHandler({ store, token: false, basePath: '/a/../b' })).toThrow(
      RangeError,
    );
    expect(() => createAdminHandler({ store, token: false, readOnly: 'yes' as never })).toThrow(
      'readOnly must be true or false, received "yes"',
    );
    expect(() => createAdminHandler({ store, token: false, bogus: 1 } as never)).toThrow(
      'options.bogus is not an admin handler option',
    );
  });
});

describe('admin authentication and page', () => {
  const clock = new FakeClock();
  const store = new MemoryStore();
  const registry = new Registry();
  let admin: RunningAdmin;
  const bodies: string[] = [];

  beforeAll(async () => {
    await new CircuitBreaker('<img src=x onerror=alert(1)>', { store }).run(() => 1);
    admin = await startAdmin({
      store,
      registry,
      now: () => clock.now(),
      sessionTtl: 60_000,
      title: 'Payments <script>alert(1)</script>',
    });
  });

  afterAll(async () => {
    await admin.close();
    expect(bodies.join('\n')).not.toContain(adminToken);
  });

  const text = async (response: Response): Promise<string> => {
    const body = await response.text();
    bodies.push(body, JSON.stringify([...response.headers]));
    return body;
  };

  it('answers 401 without a token, or with a wrong one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-wrong-token' },
      { authorization: `Basic ${Buffer.from(`x:${adminToken}`).toString('base64')}` },
      { authorization: `Bearer ${adminToken}x` },
    ]) {
      const response = await fetch(`${admin.origin}/api/breakers`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="breakwater"');
      expect(JSON.parse(await text(response))).toMatchObject({
        error: { code: 'ERR_UNAUTHORIZED' },
      });
    }
  });

  it('refuses a token in the query string, even the right one', async () => {
    for (const query of [`token=${adminToken}`, `access_token=${adminToken}`, 'TOKEN=x']) {
      const response = await fetch(`${admin.origin}/api/breakers?${query}`);
      expect(response.status).toBe(400);
      const body = await text(response);
      expect(JSON.parse(body)).toMatchObject({ error: { code: 'ERR_TOKEN_IN_URL' } });
    }

    const page = await fetch(`${admin.origin}/?token=${adminToken}`, { headers: bearer });
    expect(page.status).toBe(400);
    await text(page);
  });

  it('shows the login form to a visitor without a session', async () => {
    const redirect = await fetch(`${admin.origin}/`, { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.get('location')).toBe('login');
    const response = await fetch(`${admin.origin}/`);
    expect(response.status).toBe(200);
    expect(response.url).toBe(`${admin.origin}/login`);
    const html = await text(response);
    expect(html).toContain('<form class="login" method="post" action="login">');
    expect(html).toContain('type="password"');
    expect(html).not.toContain('breakwater-csrf');
  });

  it('serves the page with a strict policy and escapes what it writes', async () => {
    const response = await fetch(`${admin.origin}/`, { headers: bearer });
    expect(response.status).toBe(200);
    const html = await text(response);
    const policy = response.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([^']+)'/.exec(policy)?.[1] ?? '';
    expect(nonce.length).toBeGreaterThanOrEqual(16);
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain(`style-src 'nonce-${nonce}'`);
    expect(policy).not.toContain('unsafe-inline');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');

    // Every script and style carries the nonce; no inline handler or javascript: URL exists.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`<script nonce="${nonce}">`);
    expect(html).toContain(`<style nonce="${nonce}">`);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toContain('javascript:');
    expect(html).not.toContain('style="');

    // The title is escaped; breaker names never reach the HTML (the script sets textContent).
    expect(html).toContain('Payments &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img src=x');

    // A new nonce each time.
    const again = await fetch(`${admin.origin}/`, { headers: bearer });
    await text(again);
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);
  });

  it('ships a script that parses', async () => {
    const html = await text(await fetch(`${admin.origin}/`, { headers: bearer }));
    const script = /<script nonce="[^"]+">([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
    expect(script.length).toBeGreaterThan(1000);
    expect(() => new vm.Script(script)).not.toThrow();
  });

  it('logs in with the token and keeps a signed, HttpOnly, SameSite=Strict session', async () => {
    const wrong = await login(admin.origin, 'not-the-token-at-all');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await text(wrong)).toContain('That token is not valid.');

    const response = await login(admin.origin);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('./');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=60');
    expect(cookie).not.toContain('Secure');
    expect(cookie).not.toContain(adminToken);

    const session = sessionOf(response);
    const list = await fetch(`${admin.origin}/api/breakers`, { headers: { cookie: session } });
    expect(list.status).toBe(200);
    await text(list);

    // A forged or altered session is nobody.
    const tampered = session.replace(/.$/, (last) => (last === 'A' ? 'B' : 'A'));
    const refused = await fetch(`${admin.origin}/api/breakers`, { headers: { cookie: tampered } });
    expect(refused.status).toBe(401);
    await text(refused);
  });

  it('ends a session when it expires, and on logout', async () => {
    const session = sessionOf(await login(admin.origin));
    const page = await fetch(`${admin.origin}/`, { headers: { cookie: session } });
    const csrf = csrfOf(await text(page));

    clock.advance(59_000);
    expect(
      (await fetch(`${admin.origin}/api/breakers`, { headers: { cookie: session } })).status,
    ).toBe(200);
    clock.advance(1_000);
    expect(
      (await fetch(`${admin.origin}/api/breakers`, { headers: { cookie: session } })).status,
    ).toBe(401);

    const fresh = sessionOf(await login(admin.origin));
    const freshPage = await text(await fetch(`${admin.origin}/`, { headers: { cookie: fresh } }));
    const logout = await fetch(`${admin.origin}/logout`, {
      method: 'POST',
      headers: {
        cookie: fresh,
        origin: admin.origin,
        'x-csrf-token': csrfOf(freshPage),
      },
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(
      (await fetch(`${admin.origin}/api/breakers`, { headers: { cookie: fresh } })).status,
    ).toBe(401);
    expect(csrf).not.toBe(csrfOf(freshPage));
  });

  it('marks the cookie Secure when the request came over TLS through a trusted proxy', async () => {
    const proxied = await startAdmin({ store, trustProxy: true });
    try {
      const response = await login(proxied.origin, adminToken, {
        'x-forwarded-proto': 'https',
        origin: 'https://admin.example.com',
        'x-forwarded-host': 'admin.example.com',
        'sec-fetch-site': 'same-origin',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('set-cookie')).toContain('; Secure');
    } finally {
      await proxied.close();
    }
  });

  it('refuses a login posted from another site', async () => {
    const response = await login(admin.origin, adminToken, {
      origin: 'https://evil.example',
      'sec-fetch-site': 'cross-site',
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('demands a same-origin request and the CSRF token for a state change with a cookie', async () => {
    const name = '<img src=x onerror=alert(1)>';
    const lockPath = `${admin.origin}/api/breakers/${encodeURIComponent(name)}/lock`;
    const session = sessionOf(await login(admin.origin));
    const csrf = csrfOf(
      await text(await fetch(`${admin.origin}/`, { headers: { cookie: session } })),
    );
    const base = { cookie: session, 'content-type': 'application/json' };
    const attempts: [string, Record<string, string>][] = [
      ['no CSRF token', { ...base, origin: admin.origin, 'sec-fetch-site': 'same-origin' }],
      ['a wrong CSRF token', { ...base, origin: admin.origin, 'x-csrf-token': `${csrf}x` }],
      ['a foreign Origin', { ...base, origin: 'https://evil.example', 'x-csrf-token': csrf }],
      ['cross-site fetch', { ...base, 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf }],
      ['same-site fetch', { ...base, 'sec-fetch-site': 'same-site', 'x-csrf-token': csrf }],
      ['no origin at all', { ...base, 'x-csrf-token': csrf }],
      ['a null Origin', { ...base, origin: 'null', 'x-csrf-token': csrf }],
      ['a foreign Referer', { ...base, referer: 'https://evil.example/x', 'x-csrf-token': csrf }],
    ];
    for (const [what, headers] of attempts) {
      const response = await fetch(lockPath, { method: 'POST', headers, body: lockBody });
      expect(response.status, what).toBe(403);
      await text(response);
    }

    expect(store.snapshot(name)?.locked).toBeUndefined();

    const allowed = await fetch(lockPath, {
      method: 'POST',
      headers: {
        ...base,
        origin: admin.origin,
        'sec-fetch-site': 'same-origin',
        'x-csrf-token': csrf,
      },
      body: lockBody,
    });
    expect(allowed.status).toBe(200);
    expect(store.snapshot(name)?.locked).toBe('open');
    store.unlock(name);

    // The same token from another session does not count.
    const other = sessionOf(await login(admin.origin));
    const crossed = await fetch(lockPath, {
      method: 'POST',
      headers: {
        cookie: other,
        origin: admin.origin,
        'x-csrf-token': csrf,
        'content-type': 'application/json',
      },
      body: lockBody,
    });
    expect(crossed.status).toBe(403);
  });

  it('serves /metrics from the registry, behind authentication', async () => {
    const anonymous = await fetch(`${admin.origin}/metrics`);
    expect(anonymous.status).toBe(401);
    await text(anonymous);
    const response = await fetch(`${admin.origin}/metrics`, { headers: bearer });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    await text(response);
  });
});

describe('admin handler modes', () => {
  const store = new MemoryStore();

  beforeAll(async () => {
    await new CircuitBreaker('vapi:create_call', { store }).run(() => 1);
  });

  it('refuses every change in read-only mode and disables the buttons', async () => {
    const admin = await startAdmin({ store, readOnly: true });
    try {
      const response = await fetch(`${admin.origin}/api/breakers/vapi%3Acreate_call/lock`, {
        method: 'POST',
        headers: { ...bearer, 'content-type': 'application/json' },
        body: lockBody,
      });
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'ERR_READ_ONLY' } });
      const unlock = await fetch(`${admin.origin}/api/breakers/vapi%3Acreate_call/unlock`, {
        method: 'POST',
        headers: bearer,
      });
      expect(unlock.status).toBe(403);
      expect(store.snapshot('vapi:create_call')?.locked).toBeUndefined();

      const html = await (await fetch(`${admin.origin}/`, { headers: bearer })).text();
      expect(html).toContain('<meta name="breakwater-read-only" content="true">');
      expect(html).toContain('Read-only: locking and unlocking are turned off');
      const list = await fetch(`${admin.origin}/api/breakers`, { headers: bearer });
      expect(list.status).toBe(200);
    } finally {
      await admin.close();
    }
  });

  it('without a token, serves everyone but still refuses forged browser requests', async () => {
    const admin = await startAdmin({ store, token: false });
    try {
      expect((await fetch(`${admin.origin}/api/breakers`)).status).toBe(200);
      const page = await (await fetch(`${admin.origin}/`)).text();
      const csrf = csrfOf(page);
      const path = `${admin.origin}/api/breakers/vapi%3Acreate_call/lock`;
      const headers = { 'content-type': 'application/json' };

      const forged = await fetch(path, {
        method: 'POST',
        headers: { ...headers, origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: lockBody,
      });
      expect(forged.status).toBe(403);
      const noCsrf = await fetch(path, {
        method: 'POST',
        headers: { ...headers, origin: admin.origin },
        body: lockBody,
      });
      expect(noCsrf.status).toBe(403);
      expect(store.snapshot('vapi:create_call')?.locked).toBeUndefined();

      const fromPage = await fetch(path, {
        method: 'POST',
        headers: { ...headers, origin: admin.origin, 'x-csrf-token': csrf },
        body: lockBody,
      });
      expect(fromPage.status).toBe(200);
      // A script outside any browser (no Origin, no Sec-Fetch-Site) cannot be forged by a site.
      const script = await fetch(`${admin.origin}/api/breakers/vapi%3Acreate_call/unlock`, {
        method: 'POST',
      });
      expect(script.status).toBe(200);
      expect(store.snapshot('vapi:create_call')?.locked).toBeUndefined();
    } finally {
      await admin.close();
    }
  });

  it('mounts under a basePath, redirects the bare path and passes other paths to next', async () => {
    const passed: string[] = [];
    const admin = await startAdmin(
      { store, basePath: '/ops/breakers/' },
      (handler) => (req, res) => {
        (handler as (r: typeof req, s: typeof res, n: () => void) => void)(req, res, () => {
          passed.push(req.url ?? '');
          res.statusCode = 418;
          res.end();
        });
      },
    );
    try {
      const bare = await fetch(`${admin.origin}/ops/breakers`, { redirect: 'manual' });
      expect(bare.status).toBe(308);
      expect(bare.headers.get('location')).toBe('/ops/breakers/');
      const list = await fetch(`${admin.origin}/ops/breakers/api/breakers`, { headers: bearer });
      expect(list.status).toBe(200);
      const outside = await fetch(`${admin.origin}/elsewhere`);
      expect(outside.status).toBe(418);
      expect(passed).toEqual(['/elsewhere']);

      const response = await login(`${admin.origin}/ops/breakers`);
      expect(response.headers.get('set-cookie')).toContain('Path=/ops/breakers;');
    } finally {
      await admin.close();
    }
  });

  it('works under a framework that strips its mount path (Express, Connect)', async () => {
    // What app.use('/admin', handler) hands over: req.url without the mount, originalUrl with it.
    const admin = await startAdmin({ store }, (handler) => (req, res) => {
      const url = req.url ?? '/';
      if (!url.startsWith('/admin')) {
        res.statusCode = 404;
        res.end();
        return;
      }

      Object.assign(req, { originalUrl: url, url: url.slice('/admin'.length) || '/' });
      handler(req, res);
    });
    try {
      const bare = await fetch(`${admin.origin}/admin`, { redirect: 'manual', headers: bearer });
      expect(bare.status).toBe(308);
      expect(bare.headers.get('location')).toBe('/admin/');
      const page = await fetch(`${admin.origin}/admin/`, { headers: bearer });
      expect(page.status).toBe(200);
      const list = await fetch(`${admin.origin}/admin/api/breakers`, { headers: bearer });
      expect(list.status).toBe(200);
      const anonymous = await fetch(`${admin.origin}/admin/`, { redirect: 'manual' });
      expect(
        new URL(anonymous.headers.get('location') ?? '', `${admin.origin}/admin/`).pathname,
      ).toBe('/admin/login');
    } finally {
      await admin.close();
    }
  });

  it('serves /metrics publicly, or to a metrics-only token, when asked', async () => {
    const registry = new Registry();
    const metricsToken = 'metrics-only-token-123456';
    const open = await startAdmin({ store, registry, publicMetrics: true });
    const scoped = await startAdmin({ store, registry, metricsToken });
    try {
      expect((await fetch(`${open.origin}/metrics`)).status).toBe(200);
      expect((await fetch(`${open.origin}/api/breakers`)).status).toBe(401);
      const scrape = { authorization: `Bearer ${metricsToken}` };
      expect((await fetch(`${scoped.origin}/metrics`, { headers: scrape })).status).toBe(200);
      expect((await fetch(`${scoped.origin}/api/breakers`, { headers: scrape })).status).toBe(401);
      const page = await fetch(`${scoped.origin}/`, { headers: scrape, redirect: 'manual' });
      expect(page.status).toBe(303);
      expect((await fetch(`${scoped.origin}/metrics`)).status).toBe(401);
    } finally {
      await open.close();
      await scoped.close();
    }
  });

  it('has no /metrics without a registry', async () => {
    const admin = await startAdmin({ store });
    try {
      expect((await fetch(`${admin.origin}/metrics`, { headers: bearer })).status).toBe(404);
    } finally {
      await admin.close();
    }
  });
});
