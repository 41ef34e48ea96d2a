/**
 * Secrets under faults: distinctive fake API keys, auth tokens, an admin token and a Redis
 * password go through every upstream fault (including vendors that echo them back in bodies and
 * headers), a store outage with a password-protected Redis and an unreachable PostgreSQL, the
 * admin API (right, wrong and misplaced tokens) and the `breakwater` command. Every log line,
 * event, error (inspected with its whole cause chain), admin answer and command output is kept
 * and searched: no secret and no Authorization header value may appear in any of them.
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  StoreUnavailableError,
  loggerNotifier,
  type BreakerEvent,
} from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { PostgresStore } from 'breakwater/postgres';
import { createAdminHandler } from 'breakwater/admin';
import {
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
  type FakeStripe,
  type FakeTwilio,
  type FakeUpstream,
  type FakeVapi,
} from '../../src/demo/fake-upstreams/index.js';
import { freePorts } from './helpers/ports.js';
import { rawRequest } from './helpers/raw-http.js';
import { redisInstalled, startRedisNear, type RedisNode } from './helpers/redis-nodes.js';
import {
  SecretLedger,
  adminToken,
  redisPassword,
  secrets,
  stripeSecretKey,
  twilioAccountSid,
  twilioAuthToken,
  twilioBasic,
  vapiApiKey,
} from './helpers/secrets.js';
import { clientSet, settle } from './helpers/upstream-harness.js';
import { waitFor } from './helpers/wait.js';

const withRedis = await redisInstalled();
const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../dist/admin/cli.js', import.meta.url));
const ledger = new SecretLedger();

let vapi: FakeVapi;
let twilio: FakeTwilio;
let stripe: FakeStripe;

/** Faults whose bodies and headers carry the secret back, as a careless vendor or proxy might. */
function echo(upstream: FakeUpstream, secret: string, body: unknown): void {
  const headers = {
    'Request-Id': `req_${secret}`,
    'Twilio-Request-Id': secret,
    'X-Request-Id': secret,
  };
  upstream
    .fail({ status: 500, body, headers })
    .fail({ status: 401, body, headers })
    .fail({ status: 400, body, headers })
    .fail({ status: 429, retryAfter: 1, body, headers })
    .fail({ type: 'html', status: 502 })
    .fail({ type: 'truncated' })
    .fail({ type: 'reset' })
    .fail({ type: 'hang' })
    .fail({ type: 'huge', bytes: 2_000_000 });
}

beforeAll(async () => {
  vapi = await startFakeVapi({ apiKey: vapiApiKey });
  twilio = await startFakeTwilio({ accountSid: twilioAccountSid, authToken: twilioAuthToken });
  stripe = await startFakeStripe({ secretKey: stripeSecretKey });
});

afterAll(async () => {
  await Promise.all([vapi?.close(), twilio?.close(), stripe?.close()]);
});

describe('secrets never leak', () => {
  it('through every upstream fault, echoed secrets included: logs, events, errors and results', async () => {
    const [port] = await freePorts(1, 41_500);
    const dead = `http://127.0.0.1:${port}`;
    const sets = [
      { vapi: vapi.url, twilio: twilio.url, stripe: stripe.url },
      { vapi: dead, twilio: dead, stripe: dead },
    ].map((urls) =>
      clientSet({
        urls,
        ledger,
        timeout: 150,
        maxResponseBytes: 65_536,
        breaker: { threshold: 1, coolOff: 100 },
      }),
    );

    echo(vapi, vapiApiKey, {
      message: [`key ${vapiApiKey} refused`],
      error: `Bearer ${vapiApiKey}`,
    });
    echo(twilio, twilioAuthToken, {
      code: 20003,
      message: `token ${twilioAuthToken} / Basic ${twilioBasic}`,
    });
    echo(stripe, stripeSecretKey, {
      error: {
        type: 'api_error',
        code: stripeSecretKey,
        message: `Invalid API Key provided: ${stripeSecretKey}`,
      },
    });

    const sms = { to: '+14155550100', from: '+14155550199', body: 'hi' };
    for (const set of sets) {
      for (let round = 0; round < 5; round += 1) {
        await settle(ledger, () => set.vapi.createAssistant({ config: { name: 'A' } }));
        await settle(ledger, () =>
          set.vapi.startCall({ assistantId: 'a', phoneNumber: '+14155550100' }),
        );
        await settle(ledger, () => set.vapi.getCall({ callId: 'c1' }));
        await settle(ledger, () => set.twilio.sendSms(sms));
        await settle(ledger, () => set.twilio.getCall({ callSid: 'CA1' }));
        await settle(ledger, () => set.twilio.provisionNumber({ areaCode: '415' }));
        await settle(ledger, () => set.stripe.createCustomer({ email: 'a@b.co', metadata: {} }));
        await settle(ledger, () => set.stripe.getCustomer({ customerId: 'cus_1' }));
        await settle(ledger, () => set.stripe.cancelSubscription({ subscriptionId: 'sub_1' }));
      }

      for (const client of [set.vapi, set.twilio, set.stripe]) ledger.add('client', client);
      const snapshots = set.store.names().map((name) => set.store.snapshot(name));
      ledger.add('store snapshots', snapshots);
      expect(snapshots.some((snapshot) => snapshot?.lastError !== undefined)).toBe(true);
      expect(
        set.events.some((event) => event.type === 'transition' && event.error !== undefined),
      ).toBe(true);
    }

    // The echoing faults did reach the clients: the secrets were there to leak.
    expect(vapi.requests.some((request) => request.fault === 'status')).toBe(true);
    expect(
      twilio.requests.some(
        (request) => request.headers['authorization'] === `Basic ${twilioBasic}`,
      ),
    ).toBe(true);
    expect(ledger.size).toBeGreaterThan(200);
    expect(ledger.leaks()).toEqual([]);
  });

  it.runIf(withRedis)(
    'through store outages: a password-protected Redis killed, an unreachable PostgreSQL with a password in its URL',
    async () => {
      const redis: RedisNode = await startRedisNear(7400, { password: redisPassword });
      const client = new Redis(redis.url, { retryStrategy: () => 50 });
      client.on('error', (error) => ledger.add('ioredis error event', error));
      const store = new RedisStore({ client, prefix: 'secrets', timeout: 100, retryInterval: 100 });
      const events: BreakerEvent[] = [];
      const lines = ledger.logger('loggerNotifier');
      const notifiers = [
        loggerNotifier(lines),
        { notify: (event: BreakerEvent) => void events.push(event) },
      ];
      const breaker = new CircuitBreaker('twilio:send_sms', { store, notifiers, threshold: 2 });
      try {
        // No call before the outage: the store learns of the first connection from the client.
        if (client.status !== 'ready')
          await new Promise((resolve) => client.once('ready', resolve));
        await redis.kill();
        await waitFor('the outage to be noticed', async () => {
          await breaker.run(() => 'ok');
          return events.some((event) => event.type === 'store-error');
        });
        const refused = await breaker.lock('open').catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(StoreUnavailableError);
        ledger.add('lock error', refused);
        ledger.add('names error', await store.names().catch((error: unknown) => error));
        await redis.restart();
        await waitFor('Redis to be back', async () => {
          expect(await breaker.run(() => 'ok')).toBe('ok');
          return events.some((event) => event.type === 'store-recovered');
        });
        // The refused lock was never sent, so it cannot land late.
        expect(await breaker.state()).toBe('closed');
      } finally {
        client.disconnect();
        await redis.stop();
      }

      const [port] = await freePorts(1, 55_900);
      const pool = new pg.Pool({
        connectionString: `postgres://postgres:${encodeURIComponent(redisPassword)}@127.0.0.1:${port}/breakwater`,
        connectionTimeoutMillis: 200,
      });
      pool.on('error', (error) => ledger.add('pg pool error event', error));
      const pgStore = new PostgresStore({ pool, timeout: 300 });
      const pgBreaker = new CircuitBreaker('stripe:create_customer', { store: pgStore, notifiers });
      expect(await pgBreaker.run(() => 'ok')).toBe('ok');
      ledger.add('pg lock error', await pgBreaker.lock('open').catch((error: unknown) => error));
      ledger.add('pg migrate error', await pgStore.migrate().catch((error: unknown) => error));
      await pool.end();

      for (const event of events) ledger.add(`event ${event.type}`, event);
      expect(events.filter((event) => event.type === 'store-error')).toHaveLength(2);
      expect(ledger.leaks()).toEqual([]);
    },
  );

  it.runIf(withRedis)(
    'through the admin API and the breakwater command: right, wrong and misplaced tokens, store URLs with passwords',
    async () => {
      const redis = await startRedisNear(7400, { password: redisPassword });
      const client = new Redis(redis.url);
      const store = new RedisStore({ client, prefix: 'breakwater' });
      // Failures whose errors went through the clients' redaction end up as last errors.
      const set = clientSet({
        urls: { vapi: vapi.url, twilio: twilio.url, stripe: stripe.url },
        ledger,
        breaker: { threshold: 1 },
      });
      echo(twilio, twilioAuthToken, { code: 20003, message: `token ${twilioAuthToken}` });
      await settle(ledger, () =>
        set.twilio.sendSms({ to: '+14155550100', from: '+14155550199', body: 'x' }),
      );
      const copied = new CircuitBreaker('twilio:send_sms', { store, threshold: 1 });
      const lastError = set.store.snapshot('twilio:send_sms')?.lastError;
      await copied
        .run(() =>
          Promise.reject(
            Object.assign(new Error(lastError?.message ?? 'x'), {
              name: lastError?.name ?? 'Error',
            }),
          ),
        )
        .catch(() => undefined);

      const server = http.createServer(
        createAdminHandler({
          store,
          token: adminToken,
          onError: (error) => ledger.add('admin onError', error),
        }),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const bearer = { Authorization: `Bearer ${adminToken}` };
        const requests = [
          { path: '/api/breakers', headers: bearer },
          { path: '/api/breakers/twilio%3Asend_sms', headers: bearer },
          { path: '/', headers: bearer },
          { path: '/login' },
          { path: `/api/breakers?token=${adminToken}` },
          { path: `/api/breakers?access_token=${encodeURIComponent(adminToken)}`, headers: bearer },
          { path: '/api/breakers', headers: { Authorization: `Bearer ${adminToken}x` } },
          {
            path: '/api/breakers',
            headers: {
              Authorization: `Basic ${Buffer.from(`x:${adminToken}`).toString('base64')}`,
            },
          },
          {
            method: 'POST',
            path: '/login',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: `token=${adminToken}`,
          },
          {
            method: 'POST',
            path: '/login',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            body: `token=${adminToken}-wrong`,
          },
          {
            method: 'POST',
            path: '/api/breakers/twilio%3Asend_sms/lock',
            headers: { ...bearer, 'Content-Type': 'application/json' },
            body: `{"state":"${adminToken}"}`,
          },
        ];
        for (const request of requests) {
          const answer = await rawRequest(port, request);
          expect(answer.status).toBeGreaterThan(0);
          ledger.add(`admin ${request.path.slice(0, 40)}`, `${answer.head}\n\n${answer.body}`);
        }

        // The command, with the Redis password in its URL: a good store, a dead one, a wrong password.
        const [dead] = await freePorts(1, 7_950);
        const commands = [
          ['status', '--redis', redis.url],
          ['status', '--json', '--redis', redis.url],
          ['status', '--redis', `redis://:${redisPassword}@127.0.0.1:${dead}`],
          ['status', '--redis', `redis://:${redisPassword}-wrong@127.0.0.1:${redis.port}`],
          ['lock', 'nobody', 'open', '--redis', redis.url],
          ['status', '--postgres', `postgres://postgres:${redisPassword}@127.0.0.1:${dead}/x`],
        ];
        for (const args of commands) {
          const output = await run(process.execPath, [cli, ...args], { timeout: 20_000 }).then(
            ({ stdout, stderr }) => `${stdout}\n${stderr}`,
            (error: unknown) => {
              const { stdout, stderr } = error as { stdout?: string; stderr?: string };
              return `${stdout ?? ''}\n${stderr ?? ''}`;
            },
          );
          ledger.add(`cli ${args[0]!}`, output);
        }

        // `serve` prints where the token came from, never the token.
        const serve = spawn(process.execPath, [cli, 'serve', '--port', '0', '--redis', redis.url], {
          env: { ...process.env, BREAKWATER_ADMIN_TOKEN: adminToken },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const first = await new Promise<string>((resolve) => {
          createInterface({ input: serve.stdout }).once('line', resolve);
        });
        ledger.add('cli serve', first);
        const exited = new Promise((resolve) => serve.once('exit', resolve));
        serve.kill('SIGTERM');
        await exited;
        expect(first).toMatch(/http:\/\/127\.0\.0\.1:\d+/);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        client.disconnect();
        await redis.stop();
      }

      expect(ledger.leaks()).toEqual([]);
    },
  );

  it('the search would have seen a leak: each secret is found when planted', () => {
    for (const secret of secrets) {
      const probe = new SecretLedger();
      probe.add('planted', new Error(`failed with ${secret}`));
      expect(probe.leaks().length).toBeGreaterThan(0);
    }
  });
});
