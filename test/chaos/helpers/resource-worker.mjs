// A service process for the resource checks, run on the built package with --expose-gc. It does
// one job, chosen by MODE, writes one `{ type: 'result', ... }` line and then simply returns:
// nothing calls process.exit, so the test can see whether anything keeps the process alive.
//
// MODE=memory    200,000 guarded calls through a MemoryStore; heap after GC at checkpoints.
// MODE=redis     CALLS guarded calls over BREAKERS names through a RedisStore at URL (PREFIX).
// MODE=postgres  CALLS guarded calls over BREAKERS names through a PostgresStore at URL (TABLE).
// MODE=close     everything at once (stores, clients against fake vendors, an admin server),
//                then everything closed: reports process.getActiveResourcesInfo().
import http from 'node:http';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import pg from 'pg';
import { CircuitBreaker, MemoryStore, isCircuitOpenError } from 'breakwater';
import { RedisStore } from 'breakwater/redis';
import { PostgresStore } from 'breakwater/postgres';
import { StripeClient, TwilioClient, VapiClient } from 'breakwater/clients';
import { createAdminHandler } from 'breakwater/admin';
import {
  startFakeStripe,
  startFakeTwilio,
  startFakeVapi,
} from '../../../dist/demo/fake-upstreams/index.js';
import { unhandled, write } from './child-runtime.mjs';

const env = process.env;

class Upstream503 extends Error {
  name = 'Upstream503';
}

const outcomes = { ran: 0, failed: 0, refused: 0, fallback: 0, aborted: 0, other: 0 };

/**
 * The `i`-th call of a mixed workload: successes, failures, fallbacks and aborts. Failures come
 * in phases of `phase` calls (a third of the time) so that breakers trip, refuse and recover.
 */
async function call(breaker, i, phase) {
  const failing = Math.floor(i / phase) % 3 === 0 || i % 17 === 0;
  const fn = failing ? () => Promise.reject(new Upstream503('503')) : () => i;
  try {
    if (i % 11 === 0) {
      const value = await breaker.run(fn, { fallback: () => 'fallback' });
      if (value === 'fallback') outcomes.fallback += 1;
      else outcomes.ran += 1;
      return;
    }

    if (i % 13 === 0) {
      const controller = new globalThis.AbortController();
      const running = breaker.run(() => new Promise((resolve) => setImmediate(resolve)), {
        signal: controller.signal,
      });
      controller.abort(new Error('caller gave up'));
      await running;
      outcomes.ran += 1;
      return;
    }

    await breaker.run(fn);
    outcomes.ran += 1;
  } catch (error) {
    if (error instanceof Upstream503) outcomes.failed += 1;
    else if (isCircuitOpenError(error)) outcomes.refused += 1;
    else if (error?.message === 'caller gave up') outcomes.aborted += 1;
    else outcomes.other += 1;
  }
}

/** Runs `count` calls from `from` on, 100 at a time, spread over `breakers`. */
async function drive(breakers, from, count) {
  for (let start = from; start < from + count; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(from + count, start + 100); i += 1) {
      batch.push(call(breakers[i % breakers.length], i, 4 * breakers.length));
    }

    await Promise.all(batch);
  }
}

/**
 * Heap in use after two full collections, in bytes. A short idle turn first: Node releases some
 * of its own per-abort bookkeeping only once the event loop reaches its timers.
 */
async function heapAfterGc() {
  await sleep(100);
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Breakers of every rule: threshold, threshold within a window, error rate. */
function makeBreakers(count, store, prefix) {
  const events = { transitions: 0 };
  const notifiers = [
    { notify: (event) => void (event.type === 'transition' && events.transitions++) },
  ];
  const breakers = Array.from({ length: count }, (_, i) => {
    const name = `${prefix}:${i}`;
    if (i % 3 === 0)
      return new CircuitBreaker(name, { threshold: 3, coolOff: 5, store, notifiers });
    if (i % 3 === 1) {
      return new CircuitBreaker(name, { threshold: 2, window: 50, coolOff: 5, store, notifiers });
    }

    return new CircuitBreaker(name, {
      errorRate: 0.5,
      window: 200,
      minimumCalls: 5,
      coolOff: 5,
      store,
      notifiers,
    });
  });
  return { breakers, events };
}

async function memory() {
  const { breakers, events } = makeBreakers(30, new MemoryStore(), 'memory');
  const total = 200_000;
  const warmUp = 20_000;
  await drive(breakers, 0, warmUp);
  const heaps = [await heapAfterGc()];
  for (let done = warmUp; done < total; done += 45_000) {
    await drive(breakers, done, 45_000);
    heaps.push(await heapAfterGc());
  }

  return { calls: total, heaps, transitions: events.transitions };
}

/**
 * Drives env.CALLS calls over env.BREAKERS breakers on `store`, a quarter of them before the
 * first heap checkpoint, then closes the store and `end`s its connection.
 */
async function throughStore(store, label, end) {
  const { breakers, events } = makeBreakers(Number(env.BREAKERS), store, label);
  const total = Number(env.CALLS);
  const warmUp = Math.floor(total / 4);
  await drive(breakers, 0, warmUp);
  const heaps = [await heapAfterGc()];
  await drive(breakers, warmUp, total - warmUp);
  heaps.push(await heapAfterGc());
  await store.close();
  await end();
  return { calls: total, heaps, transitions: events.transitions };
}

async function redis() {
  const client = new Redis(env.URL);
  const store = new RedisStore({ client, prefix: env.PREFIX, flushInterval: 50 });
  return throughStore(store, 'redis', () => client.quit());
}

async function postgres() {
  const pool = new pg.Pool({ connectionString: env.URL, max: 4 });
  pool.on('error', () => undefined);
  const store = new PostgresStore({ pool, table: env.TABLE, flushInterval: 50 });
  return throughStore(store, 'postgres', () => pool.end());
}

/** Everything a service holds, used, then closed. */
async function close() {
  const vapiApiKey = env.VAPI_API_KEY;
  const accountSid = env.TWILIO_ACCOUNT_SID;
  const authToken = env.TWILIO_AUTH_TOKEN;
  const secretKey = env.STRIPE_SECRET_KEY;
  const quiet = { warn: () => undefined, info: () => undefined };

  const redisClient = new Redis(env.URL);
  const redisStore = new RedisStore({ client: redisClient, prefix: env.PREFIX, refusalCache: 200 });
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
  pool.on('error', () => undefined);
  const pgStore = new PostgresStore({ pool, table: env.TABLE });

  // Error-rate breakers arm each store's flush timer.
  for (const store of [redisStore, pgStore, new MemoryStore()]) {
    const { breakers } = makeBreakers(6, store, `close:${store.constructor.name}`);
    await drive(breakers, 0, 300);
  }

  const [vapi, twilio, stripe] = await Promise.all([
    startFakeVapi({ apiKey: vapiApiKey }),
    startFakeTwilio({ accountSid, authToken }),
    startFakeStripe({ secretKey }),
  ]);
  const common = { store: redisStore, logger: quiet, timeout: 200, retry: { baseDelay: 5 } };
  const clients = {
    vapi: new VapiClient({ apiKey: vapiApiKey, baseUrl: vapi.url, ...common }),
    twilio: new TwilioClient({ accountSid, authToken, baseUrl: twilio.url, ...common }),
    stripe: new StripeClient({ secretKey, baseUrl: stripe.url, ...common }),
  };
  const sms = { to: '+14155550100', from: '+14155550199', body: 'hi' };
  await clients.twilio.sendSms(sms);
  await clients.stripe.createCustomer({ email: 'a@example.com', metadata: {} });
  // A hanging answer (the timeout's timer), a retried 503 (the backoff's timer), a reset.
  stripe.fail({ type: 'hang', path: /payment_intents/ });
  stripe.fail({ status: 503, times: 1, path: /payment_intents/ });
  // None of these exists: a 404 after the faults, or null once a breaker opened.
  await clients.stripe.getPaymentIntent({ paymentIntentId: 'pi_1' }).catch(() => undefined);
  vapi.fail({ type: 'reset', times: 3 });
  await clients.vapi.getCall({ callId: 'call_1' }).catch(() => undefined);

  const admin = http.createServer(
    createAdminHandler({ store: redisStore, token: env.ADMIN_TOKEN }),
  );
  await new Promise((resolve) => admin.listen(0, '127.0.0.1', resolve));
  const response = await globalThis.fetch(`http://127.0.0.1:${admin.address().port}/api/breakers`, {
    headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}` },
  });
  const listed = (await response.json()).length;

  await Promise.all([vapi.close(), twilio.close(), stripe.close()]);
  await new Promise((resolve) => {
    admin.close(resolve);
    admin.closeAllConnections();
  });
  await redisStore.close();
  await redisClient.quit();
  await pgStore.close();
  await pool.end();
  // Sockets whose end was sent are still listed until the peer's end arrives (pg's, here), so
  // this polls without a timer of its own, which would be listed too, for at most a second.
  const closedAt = Date.now();
  const atClose = process.getActiveResourcesInfo();
  const stdio = new Set(['PipeWrap', 'TTYWrap']);
  let resources = atClose;
  while (resources.some((name) => !stdio.has(name)) && Date.now() - closedAt < 1_000) {
    await new Promise((resolve) => setImmediate(resolve));
    resources = process.getActiveResourcesInfo();
  }

  return { listed, atClose, resources, settledAfter: Date.now() - closedAt };
}

const modes = { memory, redis, postgres, close };
let result;
try {
  result = await modes[env.MODE]();
} catch (error) {
  result = { error: String(error?.stack ?? error) };
}

write({ type: 'result', ...result, outcomes, unhandled, at: Date.now() });
