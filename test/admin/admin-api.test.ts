import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, FailSafeStore, MemoryStore, type BreakerStore } from 'breakwater';
import type { BreakerView } from 'breakwater/admin';
import { FakeClock } from '../helpers/fake-clock.js';
import { adminToken, bearer, rawRequest, startAdmin, type RunningAdmin } from './admin-server.js';

class ApiError extends Error {
  override name = 'ApiError';
}

const json = { ...bearer, 'content-type': 'application/json' };

describe('admin JSON API', () => {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  let admin: RunningAdmin;
  const seen: string[] = [];

  const get = async (path: string, headers: Record<string, string> = bearer) => {
    const response = await fetch(admin.origin + path, { headers });
    const text = await response.text();
    seen.push(text, JSON.stringify([...response.headers]));
    return { response, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const post = async (path: string, body?: string, headers: Record<string, string> = json) => {
    const response = await fetch(admin.origin + path, {
      method: 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    seen.push(text, JSON.stringify([...response.headers]));
    return { response, text, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const path = (name: string) => `/api/breakers/${encodeURIComponent(name)}`;

  beforeAll(async () => {
    const failing = new CircuitBreaker('twilio:send_sms', {
      store,
      clock,
      threshold: 2,
      coolOff: 30_000,
    });
    for (let i = 0; i < 2; i++) {
      await failing.run(() => Promise.reject(new ApiError('Twilio 503 Service Unavailable')), {
        fallback: () => null,
      });
    }

    await new CircuitBreaker('stripe:create_charge', { store, clock, threshold: 7 }).run(
      () => 'ok',
    );
    admin = await startAdmin({ store, now: () => clock.now() });
  });

  afterAll(async () => {
    await admin.close();
    // The token is never echoed: not in a body, not in a header.
    expect(seen.join('\n')).not.toContain(adminToken);
  });

  it('lists every breaker from its first call, with the settings it ran with', async () => {
    const { response, body } = await get('/api/breakers');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('x-breakwater-time')).toBe(String(clock.now()));
    const views = body as BreakerView[];
    expect(views.map((view) => view.name)).toEqual(['stripe:create_charge', 'twilio:send_sms']);

    const [stripe, twilio] = views as [BreakerView, BreakerView];
    // A breaker that only ever succeeded is listed, with its own threshold, not the default 3.
    expect(stripe).toMatchObject({ state: 'closed', locked: null, failures: 0, lastError: null });
    expect(stripe.settings?.threshold).toBe(7);
    expect(twilio).toEqual({
      name: 'twilio:send_sms',
      state: 'open',
      ruleState: 'open',
      locked: null,
      failures: 0,
      calls: 0,
      lastError: {
        name: 'ApiError',
        message: 'Twilio 503 Service Unavailable',
        at: new Date(clock.now()).toISOString(),
      },
      retryAt: new Date(clock.now() + 30_000).toISOString(),
      changedAt: new Date(clock.now()).toISOString(),
      settings: expect.objectContaining({ threshold: 2, coolOff: 30_000 }) as unknown,
    });
  });

  it('reads one breaker by its percent-encoded name, and 404s an unknown one', async () => {
    const { response, body } = await get(path('twilio:send_sms'));
    expect(response.status).toBe(200);
    expect((body as BreakerView).state).toBe('open');

    const missing = await get(path('nope'));
    expect(missing.response.status).toBe(404);
    expect(missing.body).toEqual({
      error: { code: 'ERR_NO_BREAKER', message: 'the store knows no breaker of that name' },
    });
  });

  it('addresses names with any characters', async () => {
    const names = [
      'vapi/create assistant',
      'a:b:c',
      'ünïcødé ☎ 电话',
      '100% ?x=1#frag',
      '../../etc/passwd',
      '<img src=x onerror=alert(1)>',
    ];
    for (const name of names) {
      await new CircuitBreaker(name, { store, clock }).run(() => 1);
      const read = await get(path(name));
      expect(read.response.status, name).toBe(200);
      expect((read.body as BreakerView).name).toBe(name);

      const locked = await post(`${path(name)}/lock`, '{"state":"open"}');
      expect(locked.response.status, name).toBe(200);
      expect(store.snapshot(name)?.locked).toBe('open');
      const unlocked = await post(`${path(name)}/unlock`);
      expect(unlocked.response.status, name).toBe(200);
      expect(store.snapshot(name)?.locked).toBeUndefined();
    }
  });

  it('locks and unlocks through the store', async () => {
    const locked = await post(`${path('twilio:send_sms')}/lock`, '{"state":"closed"}');
    expect(locked.response.status).toBe(200);
    expect(locked.body).toMatchObject({ state: 'closed', ruleState: 'open', locked: 'closed' });
    expect(store.snapshot('twilio:send_sms')?.locked).toBe('closed');

    // A Bearer request needs no CSRF token, and an unlock needs no body.
    const unlocked = await post(`${path('twilio:send_sms')}/unlock`, undefined, bearer);
    expect(unlocked.response.status).toBe(200);
    expect(unlocked.body).toMatchObject({ state: 'open', locked: null });
    expect(store.snapshot('twilio:send_sms')?.locked).toBeUndefined();
  });

  it('refuses a malformed body with 400 and changes nothing', async () => {
    const lock = `${path('stripe:create_charge')}/lock`;
    for (const body of ['{"state":', '{"state":"half-open"}', '["open"]', '"open"', '', '{}']) {
      const answer = await post(lock, body);
      expect(answer.response.status, body).toBe(400);
      expect((answer.body as { error: { code: string } }).error.code).toBe('ERR_BAD_BODY');
    }

    const unlock = await post(`${path('stripe:create_charge')}/unlock`, '{not json');
    expect(unlock.response.status).toBe(400);
    const wrongType = await post(lock, 'state=open', {
      ...bearer,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(wrongType.response.status).toBe(415);
    expect(store.snapshot('stripe:create_charge')?.locked).toBeUndefined();
  });

  it('refuses an oversized body with 413, declared or streamed', async () => {
    const big = JSON.stringify({ state: 'open', pad: 'x'.repeat(20 * 1024) });
    const declared = await post(`${path('stripe:create_charge')}/lock`, big);
    expect(declared.response.status).toBe(413);

    const { origin } = admin;
    const streamed = await new Promise<number>((resolve, reject) => {
      void import('node:http').then(({ request }) => {
        const url = new URL(`${path('stripe:create_charge')}/lock`, origin);
        const req = request(url, { method: 'POST', headers: { ...json } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', reject);
        // Chunked, with no Content-Length: the limit applies to the bytes read.
        for (let i = 0; i < 40; i++) req.write('x'.repeat(1024));
        req.end();
      });
    });
    expect(streamed).toBe(413);
    expect(store.snapshot('stripe:create_charge')?.locked).toBeUndefined();
  });

  it('keeps path tricks inside the API: traversal, bad encoding, extra segments', async () => {
    const encoded = await get('/api/breakers/..%2F..%2Fetc');
    expect(encoded.response.status).toBe(404);
    expect((encoded.body as { error: { code: string } }).error.code).toBe('ERR_NO_BREAKER');

    for (const raw of [
      '/api/breakers/../../etc/passwd',
      '/api/../api/breakers',
      '/api/breakers/a/b/c',
    ]) {
      const answer = await rawRequest(admin.origin, { method: 'GET', path: raw, headers: bearer });
      expect(answer.status, raw).toBe(404);
    }

    const badEncoding = await get('/api/breakers/%E0%A4%A');
    expect(badEncoding.response.status).toBe(400);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const remove = await fetch(`${admin.origin}/api/breakers`, {
      method: 'DELETE',
      headers: bearer,
    });
    expect(remove.status).toBe(405);
    expect(remove.headers.get('allow')).toBe('GET, HEAD');
    const getLock = await get(`${path('stripe:create_charge')}/lock`);
    expect(getLock.response.status).toBe(405);
    expect(getLock.response.headers.get('allow')).toBe('POST');
  });

  it('answers HEAD like GET, without a body', async () => {
    const head = await fetch(`${admin.origin}/api/breakers`, { method: 'HEAD', headers: bearer });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('404s an unknown breaker on lock and unlock without creating it', async () => {
    const lock = await post(`${path('ghost')}/lock`, '{"state":"open"}');
    expect(lock.response.status).toBe(404);
    const unlock = await post(`${path('ghost')}/unlock`);
    expect(unlock.response.status).toBe(404);
    expect(store.names()).not.toContain('ghost');
  });
});

describe('admin API when the store is down', () => {
  let admin: RunningAdmin;

  beforeAll(async () => {
    const broken: BreakerStore = {
      admit: () => Promise.reject(new Error('ECONNREFUSED')),
      record: () => Promise.reject(new Error('ECONNREFUSED')),
      lock: () => Promise.reject(new Error('ECONNREFUSED')),
      unlock: () => Promise.reject(new Error('ECONNREFUSED')),
      snapshot: () => Promise.reject(new Error('ECONNREFUSED')),
      names: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    admin = await startAdmin({ store: new FailSafeStore(broken, { label: 'RedisStore' }) });
  });

  afterAll(() => admin.close());

  it('answers 503 with a clear JSON error on every store operation', async () => {
    const requests: [string, RequestInit][] = [
      ['/api/breakers', { headers: bearer }],
      ['/api/breakers/x', { headers: bearer }],
      ['/api/breakers/x/lock', { method: 'POST', headers: json, body: '{"state":"open"}' }],
      ['/api/breakers/x/unlock', { method: 'POST', headers: bearer }],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(admin.origin + path, init);
      expect(response.status, path).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('ERR_STORE_UNAVAILABLE');
      expect(body.error.message).toMatch(
        /^the breaker store is unavailable: RedisStore did not answer/,
      );
    }
  });

  it('still serves the page, which then shows the outage', async () => {
    const response = await fetch(`${admin.origin}/`, { headers: bearer });
    expect(response.status).toBe(200);
  });
});

describe('admin API errors it does not expect', () => {
  it('answers 500 without the error, and tells onError', async () => {
    const errors: unknown[] = [];
    const store = new MemoryStore();
    store.names = () => {
      throw new Error(`secret detail ${adminToken}`);
    };
    const admin = await startAdmin({ store, onError: (error) => errors.push(error) });
    try {
      const response = await fetch(`${admin.origin}/api/breakers`, { headers: bearer });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('secret detail');
      expect(JSON.parse(text)).toEqual({
        error: { code: 'ERR_INTERNAL', message: 'the admin handler failed; see the server log' },
      });
      expect(errors).toHaveLength(1);
    } finally {
      await admin.close();
    }
  });
});
