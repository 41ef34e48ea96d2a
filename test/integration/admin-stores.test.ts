/** The admin API over the shared stores, as it runs in production. */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { CircuitBreaker, type BreakerStore } from 'breakwater';
import type { BreakerView } from 'breakwater/admin';
import { PostgresStore } from 'breakwater/postgres';
import { RedisStore } from 'breakwater/redis';
import { databaseUrl, postgresAvailable, redisAvailable, redisUrl } from '../helpers/services.js';
import { bearer, startAdmin } from '../admin/admin-server.js';

const useRedis = await redisAvailable();
const usePostgres = await postgresAvailable();

async function exerciseApi(store: BreakerStore): Promise<void> {
  const name = `twilio/send sms ${randomUUID().slice(0, 8)} ☎`;
  await new CircuitBreaker(name, { store, threshold: 1, coolOff: 45_000 })
    .run(() => Promise.reject(new RangeError('Twilio 503')))
    .catch(() => undefined);
  const admin = await startAdmin({ store });
  try {
    const path = `${admin.origin}/api/breakers/${encodeURIComponent(name)}`;
    const list = (await (
      await fetch(`${admin.origin}/api/breakers`, { headers: bearer })
    ).json()) as BreakerView[];
    const listed = list.find((view) => view.name === name);
    expect(listed).toMatchObject({
      state: 'open',
      locked: null,
      lastError: { name: 'RangeError', message: 'Twilio 503' },
    });
    expect(listed?.settings).toMatchObject({ threshold: 1, coolOff: 45_000 });
    expect(Date.parse(listed?.retryAt ?? '') - Date.parse(listed?.changedAt ?? '')).toBe(45_000);

    const lock = await fetch(`${path}/lock`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"state":"closed"}',
    });
    expect(lock.status).toBe(200);
    expect(await lock.json()).toMatchObject({
      state: 'closed',
      ruleState: 'open',
      locked: 'closed',
    });
    expect((await store.snapshot(name))?.locked).toBe('closed');

    const malformed = await fetch(`${path}/lock`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: '{"state":"shut"}',
    });
    expect(malformed.status).toBe(400);
    expect((await store.snapshot(name))?.locked).toBe('closed');

    const unlock = await fetch(`${path}/unlock`, { method: 'POST', headers: bearer });
    expect(unlock.status).toBe(200);
    expect((await store.snapshot(name))?.locked).toBeUndefined();
    expect((await fetch(`${path}x`, { headers: bearer })).status).toBe(404);
  } finally {
    await admin.close();
  }
}

describe.runIf(useRedis)('admin API over RedisStore', () => {
  const client = new Redis(redisUrl);
  const prefix = `bw-admin-${randomUUID().slice(0, 8)}`;
  const store = new RedisStore({ client, prefix });

  afterAll(async () => {
    const keys = await client.keys(`${prefix}*`);
    if (keys.length > 0) await client.del(...keys);
    await store.close();
    client.disconnect();
  });

  it('lists, reads, locks and unlocks', () => exerciseApi(store));

  it('answers 503 while Redis does not answer', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => undefined);
    const admin = await startAdmin({ store: new RedisStore({ client: dead }) });
    try {
      const response = await fetch(`${admin.origin}/api/breakers`, { headers: bearer });
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({
        error: {
          code: 'ERR_STORE_UNAVAILABLE',
          message: expect.stringContaining('RedisStore did not answer names') as unknown,
        },
      });
    } finally {
      await admin.close();
      dead.disconnect();
    }
  });
});

describe.runIf(usePostgres)('admin API over PostgresStore', () => {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const store = new PostgresStore({ pool });

  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  it('lists, reads, locks and unlocks', () => exerciseApi(store));
});
