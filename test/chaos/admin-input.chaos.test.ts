/**
 * Bad input to the admin API: malformed and hostile JSON, oversized bodies (declared and
 * streamed), path traversal, header, HTML and JavaScript injection, tokens in URLs, wrong
 * methods and media types, and fuzzed paths and bodies. Every answer must be a clean 4xx (never
 * a 5xx, never an unexpected error), and the store must hold exactly what it held before,
 * compared through its snapshots (and, for Redis, its raw keys). Requests are written byte for
 * byte on a socket, so nothing normalises them on the way.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CircuitBreaker, MemoryStore, type BreakerStore } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { createAdminHandler } from 'breakwater/admin';
import { rawRequest, type RawAnswer, type RawRequest } from './helpers/raw-http.js';
import { redisInstalled, startRedisNear, type RedisNode } from './helpers/redis-nodes.js';
import { SecretLedger, adminToken } from './helpers/secrets.js';

const withRedis = await redisInstalled();
const ledger = new SecretLedger();

/** Breakers with hostile names, opened for an hour so their snapshots hold still. */
const names = [
  'twilio:send_sms',
  '<img src=x onerror=alert(1)>',
  '<script>alert(document.cookie)</script>',
  '../../etc/passwd',
  '"; DROP TABLE breakers; --',
  '%2e%2e%2f',
  'stripe:get_customer/☎️ 客户',
];

const bearer = { Authorization: `Bearer ${adminToken}` };
const json = { ...bearer, 'Content-Type': 'application/json' };
const encoded = (name: string): string => encodeURIComponent(name);

interface Case {
  readonly label: string;
  readonly request: RawRequest;
  /** Statuses allowed; every one is a 4xx. */
  readonly status: readonly number[];
  /** The `error.code` of a JSON answer, when the handler (not Node's parser) answers. */
  readonly code?: string;
}

const lock = (name: string): string => `/api/breakers/${encoded(name)}/lock`;

const malformedBodies = [
  '{',
  '{"state":}',
  'nul',
  "{'state':'open'}",
  '{"state":"open"',
  '\u0000',
  '[]',
  '[{"state":"open"}]',
  '"open"',
  'open',
  '{"state":["open"]}',
  '{"state":"OPEN"}',
  '{"state":" open"}',
  '{"state":"half-open"}',
  '{"state":null}',
  '{"state":1}',
  '{"__proto__":{"state":"open"}}',
  '{"constructor":{"prototype":{"state":"open"}}}',
  '{"state":"open","state":"sideways"}',
  '{"state":"<script>alert(1)</script>"}',
  '{"state":"open\\u0000"}',
  '\ufeff{"state":"open"}x',
  '1e999999',
  '{"a":'.repeat(2_000),
];

function cases(): Case[] {
  const name = names[0]!;
  const list: Case[] = [];
  for (const body of malformedBodies) {
    list.push({
      label: `lock body ${JSON.stringify(body.slice(0, 40))}`,
      request: { method: 'POST', path: lock(name), headers: json, body },
      status: [400],
      code: 'ERR_BAD_BODY',
    });
  }

  list.push(
    {
      label: 'unlock with a malformed body',
      request: {
        method: 'POST',
        path: `/api/breakers/${encoded(name)}/unlock`,
        headers: json,
        body: '{"x":',
      },
      status: [400],
      code: 'ERR_BAD_BODY',
    },
    {
      label: 'a form instead of JSON',
      request: {
        method: 'POST',
        path: lock(name),
        headers: { ...bearer, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'state=open',
      },
      status: [415],
      code: 'ERR_MEDIA_TYPE',
    },
    {
      label: 'text/plain, as a cross-site form may send',
      request: {
        method: 'POST',
        path: lock(name),
        headers: { ...bearer, 'Content-Type': 'text/plain' },
        body: '{"state":"open"}',
      },
      status: [415],
      code: 'ERR_MEDIA_TYPE',
    },
    {
      label: 'a body one byte over 16 KiB',
      request: {
        method: 'POST',
        path: lock(name),
        headers: json,
        body: `{"state":"open","pad":"${'x'.repeat(16 * 1024)}"}`,
      },
      status: [413],
      code: 'ERR_BODY_TOO_LARGE',
    },
    {
      label: 'a declared length of a terabyte',
      request: {
        method: 'POST',
        path: lock(name),
        headers: { ...json, 'Content-Length': '1099511627776' },
        body: '{"state":"open"}',
      },
      status: [413],
      code: 'ERR_BODY_TOO_LARGE',
    },
    {
      label: '8 MiB streamed in chunks with no declared length',
      request: {
        method: 'POST',
        path: lock(name),
        headers: json,
        chunks: Array.from({ length: 128 }, () => Buffer.alloc(65_536, 0x7b)),
      },
      status: [413],
      code: 'ERR_BODY_TOO_LARGE',
    },
    {
      label: 'traversal, raw',
      request: { path: '/api/breakers/../../etc/passwd', headers: bearer },
      status: [404],
    },
    {
      label: 'traversal above the root',
      request: { path: '/../../../etc/passwd', headers: bearer },
      status: [404],
    },
    {
      label: 'traversal, encoded slashes',
      request: {
        method: 'POST',
        path: '/api/breakers/..%2F..%2F..%2Froot%2F.ssh/lock',
        headers: json,
        body: '{"state":"open"}',
      },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      label: 'traversal, encoded dots',
      request: {
        method: 'POST',
        path: '/api/breakers/%2e%2e/lock',
        headers: json,
        body: '{"state":"open"}',
      },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      label: 'traversal, double-encoded',
      request: {
        method: 'POST',
        path: '/api/breakers/%252e%252e%252f%252e%252e%252fetc/unlock',
        headers: json,
      },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      label: 'traversal from one breaker into another',
      request: {
        method: 'POST',
        path: `/api/breakers/x/..%2F${encoded(name)}/lock`,
        headers: json,
        body: '{"state":"open"}',
      },
      status: [404],
      code: 'ERR_NOT_FOUND',
    },
    {
      label: 'a NUL in the name',
      request: {
        method: 'POST',
        path: '/api/breakers/a%00b/lock',
        headers: json,
        body: '{"state":"open"}',
      },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      label: 'invalid percent-encoding',
      request: { path: '/api/breakers/%ZZ', headers: bearer },
      status: [400],
      code: 'ERR_BAD_NAME',
    },
    {
      label: 'a cut UTF-8 sequence',
      request: { path: '/api/breakers/%E0%A4%A', headers: bearer },
      status: [400],
      code: 'ERR_BAD_NAME',
    },
    {
      label: 'header injection through an encoded CRLF in the name',
      request: {
        method: 'POST',
        path: '/api/breakers/x%0d%0aSet-Cookie:%20evil=1%0d%0a/lock',
        headers: json,
        body: '{"state":"open"}',
      },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      // The bytes after the CRLF become request headers of the attacker's own request; none of
      // them may reach the answer.
      label: 'header injection through a raw CRLF in the path',
      request: { path: '/api/breakers/x\r\nSet-Cookie: evil=1\r\nX: /lock', headers: bearer },
      status: [400, 404],
    },
    {
      label: 'script in a name that does not exist',
      request: { path: `/api/breakers/${encoded('<script>alert(1)</script>')}`, headers: bearer },
      status: [404],
      code: 'ERR_NO_BREAKER',
    },
    {
      label: 'script in the login form',
      request: {
        method: 'POST',
        path: '/login',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'token=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      },
      status: [401],
    },
    {
      label: 'the token in the query string',
      request: { path: `/api/breakers?token=${adminToken}`, headers: bearer },
      status: [400],
      code: 'ERR_TOKEN_IN_URL',
    },
    {
      label: 'a lock without authentication',
      request: {
        method: 'POST',
        path: lock(name),
        headers: { 'Content-Type': 'application/json' },
        body: '{"state":"open"}',
      },
      status: [401],
      code: 'ERR_UNAUTHORIZED',
    },
    {
      label: 'a lock with an almost-right token',
      request: {
        method: 'POST',
        path: lock(name),
        headers: {
          Authorization: `Bearer ${adminToken.slice(0, -1)}`,
          'Content-Type': 'application/json',
        },
        body: '{"state":"open"}',
      },
      status: [401],
      code: 'ERR_UNAUTHORIZED',
    },
    {
      label: 'a lock with the token in another scheme',
      request: {
        method: 'POST',
        path: lock(name),
        headers: { Authorization: `Basic ${adminToken}`, 'Content-Type': 'application/json' },
        body: '{"state":"open"}',
      },
      status: [401],
      code: 'ERR_UNAUTHORIZED',
    },
    {
      label: 'a forged session cookie',
      request: {
        method: 'POST',
        path: lock(name),
        headers: {
          Cookie: 'breakwater_session=1.2.3',
          Origin: 'http://127.0.0.1',
          'Content-Type': 'application/json',
        },
        body: '{"state":"open"}',
      },
      status: [401, 403],
    },
    {
      label: 'DELETE a breaker',
      request: { method: 'DELETE', path: `/api/breakers/${encoded(name)}`, headers: bearer },
      status: [405],
      code: 'ERR_METHOD',
    },
    {
      label: 'GET a lock',
      request: { path: lock(name), headers: bearer },
      status: [405],
      code: 'ERR_METHOD',
    },
    {
      label: 'PUT a lock',
      request: { method: 'PUT', path: lock(name), headers: json, body: '{"state":"open"}' },
      status: [405],
      code: 'ERR_METHOD',
    },
    {
      label: 'an unknown action',
      request: {
        method: 'POST',
        path: `/api/breakers/${encoded(name)}/reset`,
        headers: json,
        body: '{}',
      },
      status: [404],
    },
  );
  return list;
}

/** Everything the store says about every breaker it knows, as one string. */
async function snapshotOf(store: BreakerStore): Promise<string> {
  const known = await store.names();
  return JSON.stringify(
    await Promise.all(known.map(async (name) => [name, await store.snapshot(name)])),
  );
}

interface Fixture {
  readonly label: string;
  readonly make: () => Promise<{
    store: BreakerStore;
    raw?: () => Promise<string>;
    close: () => Promise<void>;
  }>;
}

const fixtures: Fixture[] = [
  {
    label: 'MemoryStore',
    make: () => Promise.resolve({ store: new MemoryStore(), close: () => Promise.resolve() }),
  },
];

let redis: RedisNode | undefined;
if (withRedis) {
  fixtures.push({
    label: 'RedisStore on a private Redis',
    make: async () => {
      redis = await startRedisNear(7400);
      const client = new Redis(redis.url);
      const observer = new Redis(redis.url);
      const store = new RedisStore({ client, prefix: 'admin-input' });
      const raw = async (): Promise<string> => {
        const keys = (await observer.keys('admin-input:*')).sort();
        const values = await Promise.all(
          keys.map(async (key) =>
            (await observer.type(key)) === 'hash'
              ? JSON.stringify(await observer.hgetall(key))
              : (await observer.type(key)) === 'zset'
                ? JSON.stringify(await observer.zrange(key, 0, -1, 'WITHSCORES'))
                : String(await observer.get(key)),
          ),
        );
        return JSON.stringify([keys, values]);
      };

      return {
        store,
        raw,
        close: async () => {
          await store.close();
          client.disconnect();
          observer.disconnect();
          await redis?.stop();
        },
      };
    },
  });
}

afterAll(() => {
  expect(ledger.size).toBeGreaterThan(100);
  expect(ledger.leaks()).toEqual([]);
});

describe.each(fixtures)('bad input to the admin API over a $label', ({ make }) => {
  let store: BreakerStore;
  let raw: (() => Promise<string>) | undefined;
  let close: () => Promise<void>;
  let server: http.Server;
  let port: number;
  const unexpected: unknown[] = [];
  let before: string;
  let rawBefore: string;

  beforeAll(async () => {
    ({ store, raw, close } = await make());
    for (const name of names) {
      const breaker = new CircuitBreaker(name, { threshold: 1, coolOff: 3_600_000, store });
      await expect(
        breaker.run(() => Promise.reject(new Error('503 from upstream'))),
      ).rejects.toThrow();
    }

    server = http.createServer(
      createAdminHandler({ store, token: adminToken, onError: (error) => unexpected.push(error) }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    before = await snapshotOf(store);
    rawBefore = (await raw?.()) ?? '';
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await close();
  });

  async function send(request: RawRequest): Promise<RawAnswer> {
    const answer = await rawRequest(port, request);
    ledger.add(
      `admin ${request.method ?? 'GET'} ${request.path.slice(0, 60)}`,
      `${answer.head}\n\n${answer.body}`,
    );
    return answer;
  }

  async function expectUnchanged(): Promise<void> {
    expect(await snapshotOf(store)).toBe(before);
    if (raw !== undefined) expect(await raw()).toBe(rawBefore);
  }

  it('a valid lock does change the store (the comparison can see a change), and unlocking restores it', async () => {
    const name = names[1]!;
    const locked = await send({
      method: 'POST',
      path: lock(name),
      headers: json,
      body: '{"state":"open"}',
    });
    expect(locked.status).toBe(200);
    expect(await snapshotOf(store)).not.toBe(before);
    const unlocked = await send({
      method: 'POST',
      path: `/api/breakers/${encoded(name)}/unlock`,
      headers: bearer,
    });
    expect(unlocked.status).toBe(200);
    // JSON answers carry the hostile name as data, never as markup.
    expect(unlocked.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(unlocked.body)).toMatchObject({ name, locked: null });
    before = await snapshotOf(store);
    rawBefore = (await raw?.()) ?? '';
  });

  it(`${cases().length} malformed, oversized, traversing and injecting requests: each a clean 4xx, the store unchanged`, async () => {
    for (const { label, request, status, code } of cases()) {
      const answer = await send(request);
      expect(status, `${label}: answered ${answer.status} ${answer.body.slice(0, 200)}`).toContain(
        answer.status,
      );
      if (code !== undefined) {
        expect(answer.headers['content-type'], label).toMatch(/^application\/json/);
        expect((JSON.parse(answer.body) as { error: { code: string } }).error.code, label).toBe(
          code,
        );
      }

      expect(answer.head, label).not.toMatch(/evil=1/i);
      expect(answer.body, label).not.toContain('<script>alert(1)</script>');
      expect(answer.body, label).not.toContain('onerror=alert');
      await expectUnchanged();
    }

    expect(unexpected).toEqual([]);
  });

  it('the page carries no breaker data: no hostile name reaches its HTML', async () => {
    const page = await send({ path: '/', headers: bearer });
    expect(page.status).toBe(200);
    for (const name of names) expect(page.body).not.toContain(name);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    await expectUnchanged();
  });

  it('fuzzed lock bodies: anything but {"state":"open"|"closed"} is a 400 or 415, the store unchanged', async () => {
    const name = names[0]!;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          fc.json({ maxDepth: 4 }),
          fc
            .record({ state: fc.oneof(fc.string(), fc.anything()) })
            .map((value) => JSON.stringify(value) ?? ''),
          fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        ),
        fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
        async (body, type) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = undefined;
          }

          const state = (parsed as { state?: unknown } | null | undefined)?.state;
          if (!Array.isArray(parsed) && (state === 'open' || state === 'closed')) return;
          const answer = await send({
            method: 'POST',
            path: lock(name),
            headers: { ...bearer, 'Content-Type': type },
            body,
          });
          expect([400, 415]).toContain(answer.status);
          await expectUnchanged();
        },
      ),
      { numRuns: 150 },
    );
    expect(unexpected).toEqual([]);
  });

  it('fuzzed paths and methods: never a 5xx, never a change', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 30 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.boolean(),
        async (segments, method, encode) => {
          const path = `/api/breakers/${segments.map((segment) => (encode ? encodeURIComponent(segment) : segment.replace(/[\s\p{Cc}]/gu, '_'))).join('/')}`;
          const answer = await send({ method, path, headers: json, body: '{"state":"closed"}' });
          // A GET of an existing breaker is a 200; a lock of one would change it, and the
          // fuzzer's names never match the hostile names above.
          expect(answer.status === 200 ? method : 'none', path).not.toBe('POST');
          expect(
            answer.status >= 200 && answer.status < 500,
            `${method} ${path}: ${answer.status}`,
          ).toBe(true);
          await expectUnchanged();
        },
      ),
      { numRuns: 150 },
    );
    expect(unexpected).toEqual([]);
  });
});
