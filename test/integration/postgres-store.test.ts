/**
 * PostgresStore against a real PostgreSQL server: the store contract, round trips on the wire,
 * migration races, pruning, a fleet of processes sharing one breaker, and the database failing
 * under a running service. One file, so its heavier parts (child processes, outages) never run
 * beside the contract's timing-sensitive tests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  CircuitBreaker,
  CircuitOpenError,
  StoreUnavailableError,
  type BreakerEvent,
  type BreakerSettings,
} from 'breakwater';
import { PostgresStore } from 'breakwater/postgres';
import { databaseUrl, postgresAvailable } from '../helpers/services.js';
import { describeStoreContract, settingsOf as contractSettings } from '../stores/store-contract.js';
import { FleetMember } from './helpers/postgres-fleet.js';
import { PostgresProxy } from './helpers/postgres-proxy.js';
import { countTables, dropTable, newPool, sleep, uniqueTable } from './helpers/postgres-tables.js';

const available = await postgresAvailable();

const fail = (): Promise<never> => Promise.reject(new Error('upstream said 503'));
const succeed = (): Promise<string> => Promise.resolve('ok');
const quiet = (promise: Promise<unknown>): Promise<unknown> => promise.catch(() => undefined);

class Boom extends Error {
  override name = 'Boom';
}

const settingsOf = (overrides: Partial<BreakerSettings>): BreakerSettings =>
  contractSettings({ threshold: 1, ...overrides });

describe.runIf(available)('PostgresStore', () => {
  describeStoreContract('PostgresStore', async () => {
    // Enough warm connections for the contract's 20 concurrent admissions to reach the database
    // together, as they would from a fleet (a connection compiles the functions on first use).
    const pool = newPool({ max: 20 });
    const table = uniqueTable();
    const store = new PostgresStore({ pool, table });
    await store.migrate();
    await Promise.all(
      Array.from({ length: 20 }, async () => store.admit('warm-up', settingsOf({ probes: 20 }))),
    );
    return {
      store,
      unit: 30,
      advance: sleep,
      close: async () => {
        await store.close();
        await dropTable(pool, table);
        await pool.end();
      },
    };
  });

  describe('round trips on the wire', () => {
    let proxy: PostgresProxy;
    let pool: pg.Pool;
    let store: PostgresStore;
    const table = uniqueTable();

    beforeAll(async () => {
      proxy = await PostgresProxy.start();
      pool = newPool({ port: proxy.port, max: 2 });
      store = new PostgresStore({ pool, table, flushInterval: 60_000 });
    });

    afterAll(async () => {
      await dropTable(pool, table);
      await pool.end();
      await proxy.close();
    });

    async function trips(action: () => Promise<unknown>): Promise<number> {
      const before = proxy.roundTrips;
      await quiet(action());
      return proxy.roundTrips - before;
    }

    it('costs one statement to migrate on first use, then one per decision', async () => {
      const b = new CircuitBreaker('stripe:get_customer', { store, threshold: 2, coolOff: 150 });
      expect(await trips(() => b.run(succeed))).toBe(2); // migration + admission

      const measured = {
        successClean: await trips(() => b.run(succeed)),
        failure: await trips(() => b.run(fail)),
        successAfterFailure: await trips(() => b.run(succeed)),
        failureTrips: await (async () => {
          await quiet(b.run(fail));
          return trips(() => b.run(fail));
        })(),
        refusal: await trips(() => b.run(succeed)),
        state: await trips(() => b.state()),
        probeSuccess: await (async () => {
          await sleep(170);
          return trips(() => b.run(succeed));
        })(),
      };
      await quiet(b.run(fail));
      await quiet(b.run(fail));
      await sleep(170);
      const probeFailure = await trips(() => b.run(fail));

      expect({ ...measured, probeFailure }).toEqual({
        successClean: 1,
        failure: 2,
        successAfterFailure: 2,
        failureTrips: 2,
        refusal: 1,
        state: 1,
        probeSuccess: 2,
        probeFailure: 2,
      });
      expect(await b.state()).toBe('open');
    });

    it('sends one statement per operator call and per refusal while the probe slots are taken', async () => {
      const b = new CircuitBreaker('vapi:get_assistant', { store, threshold: 1, coolOff: 50 });
      await quiet(b.run(fail));
      await sleep(70);
      let release!: () => void;
      const probe = b.run(() => new Promise<string>((resolve) => (release = () => resolve('ok'))));
      await sleep(30);
      expect(await trips(() => b.run(succeed))).toBe(1);
      release();
      await probe;

      expect(await trips(() => b.lock('open'))).toBe(1);
      expect(await trips(() => b.unlock())).toBe(1);
      expect(await trips(() => store.names())).toBe(1);
      expect(await trips(() => store.snapshot(b.name))).toBe(1);
    });

    it('refuses without a round trip while refusalCache remembers an open breaker', async () => {
      const cached = new PostgresStore({ pool, table, refusalCache: 60_000 });
      const b = new CircuitBreaker('twilio:get_message', {
        store: cached,
        threshold: 1,
        coolOff: 150,
      });
      await quiet(b.run(fail));
      expect(await trips(() => b.run(succeed))).toBe(1);
      expect(await trips(() => b.run(succeed))).toBe(0);
      const refusal = (await b.run(succeed).catch((error: unknown) => error)) as CircuitOpenError;
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      // Never past retryAt, even with a long cache: the probe goes through on time.
      await sleep(170);
      await expect(b.run(succeed)).resolves.toBe('ok');
      expect(await b.state()).toBe('closed');
    });

    it('keeps the error-rate success path at one round trip and sends the count with a failure', async () => {
      const b = new CircuitBreaker('twilio:send_sms', {
        store,
        errorRate: 0.5,
        minimumCalls: 4,
        window: 60_000,
      });
      const elsewhere = new PostgresStore({ pool, table });
      await b.run(succeed);
      expect(await trips(() => b.run(succeed))).toBe(1);
      expect(await trips(() => b.run(succeed))).toBe(1);
      expect((await elsewhere.snapshot(b.name))?.calls).toBe(0);
      expect((await store.snapshot(b.name))?.calls).toBe(3);
      expect(await trips(() => b.run(fail))).toBe(2);
      expect(await elsewhere.snapshot(b.name)).toMatchObject({ calls: 4, failures: 1 });
    });
  });

  describe('with a table of its own', () => {
    let pool: pg.Pool;
    const tables: string[] = [];

    beforeAll(() => {
      pool = newPool();
    });

    afterAll(async () => {
      for (const table of tables) await dropTable(pool, table);
      await pool.query('DROP SCHEMA IF EXISTS bw_test_schema CASCADE');
      await pool.end();
    });

    const fresh = (): string => {
      const table = uniqueTable();
      tables.push(table);
      return table;
    };

    it('writes successes counted in memory after flushInterval, and on close()', async () => {
      const table = fresh();
      const store = new PostgresStore({ pool, table, flushInterval: 80 });
      const elsewhere = new PostgresStore({ pool, table });
      const b = new CircuitBreaker('vapi:list_calls', {
        store,
        errorRate: 0.5,
        minimumCalls: 10,
        window: 60_000,
      });
      for (let i = 0; i < 5; i += 1) await b.run(succeed);
      expect((await elsewhere.snapshot(b.name))?.calls).toBe(0);
      expect((await store.snapshot(b.name))?.calls).toBe(5);
      await sleep(200);
      expect((await elsewhere.snapshot(b.name))?.calls).toBe(5);
      expect((await store.snapshot(b.name))?.calls).toBe(5);

      for (let i = 0; i < 3; i += 1) await b.run(succeed);
      await store.close();
      expect((await elsewhere.snapshot(b.name))?.calls).toBe(8);
    });

    it('lets eight stores race their first call against a fresh table: one table, no error', async () => {
      for (const explicit of [false, true]) {
        const table = fresh();
        const pools = Array.from({ length: 8 }, () => newPool({ max: 1 }));
        const events: BreakerEvent[] = [];
        const stores = pools.map((each) => new PostgresStore({ pool: each, table }));
        try {
          if (explicit) {
            await Promise.all(stores.map((store) => store.migrate()));
          } else {
            const results = await Promise.all(
              stores.map((store) =>
                new CircuitBreaker('stripe:list_charges', {
                  store,
                  notifiers: [{ notify: (event) => events.push(event) }],
                }).run(succeed),
              ),
            );
            expect(results).toEqual(Array(8).fill('ok'));
          }
        } finally {
          await Promise.all(pools.map((each) => each.end()));
        }

        expect(events.filter((event) => event.type === 'store-error')).toEqual([]);
        expect(stores.every((store) => !store.degraded)).toBe(true);
        expect(await countTables(pool, table)).toBe(1);
        const functions = await pool.query('SELECT proname FROM pg_proc WHERE proname LIKE $1', [
          `${table}\\_%`,
        ]);
        expect(functions.rows.map((row: { proname: string }) => row.proname).sort()).toEqual(
          ['admit', 'prune', 'record', 'snapshot'].map((suffix) => `${table}_${suffix}`),
        );
      }
    });

    it('prunes rows unused for a day past their longest duration, never locked ones', async () => {
      const table = fresh();
      const store = new PostgresStore({ pool, table });
      const day = 86_400_000;
      const run = (name: string, coolOff = 1_000): Promise<unknown> =>
        new CircuitBreaker(name, { store, coolOff }).run(succeed);
      for (let i = 0; i < 20; i += 1) await run(`old:${i}`);
      await run('long-cool-off', 3 * day);
      await run('recent');
      await store.lock('locked', 'open');
      await pool.query(
        `UPDATE "${table}" SET used_at = now() - interval '2 days' WHERE name <> 'recent'`,
      );

      expect(await store.prune()).toBe(20);
      expect(await store.names()).toEqual(['locked', 'long-cool-off', 'recent']);

      // A new breaker's first call prunes too, so rows stay bounded without anyone calling prune().
      await pool.query(
        `UPDATE "${table}" SET used_at = now() - interval '5 days' WHERE name <> 'recent'`,
      );
      await run('new');
      expect(await store.names()).toEqual(['locked', 'new', 'recent']);
      const rows = await pool.query(`SELECT count(*)::int AS count FROM "${table}"`);
      expect(rows.rows[0]).toEqual({ count: 3 });
    });

    it('keeps two tables apart, schema-qualified and mixed-case names included', async () => {
      await pool.query('CREATE SCHEMA IF NOT EXISTS bw_test_schema');
      const first = new PostgresStore({ pool, table: 'bw_test_schema.Breakers' });
      const second = new PostgresStore({ pool, table: fresh() });
      const settings = settingsOf({ threshold: 1 });
      await first.admit('vapi:create_call', settings);
      const tripped = await first.record('vapi:create_call', settings, {
        kind: 'failure',
        probe: false,
      });
      expect(tripped.transition).toMatchObject({ from: 'closed', to: 'open' });
      expect((await first.snapshot('vapi:create_call'))?.state).toBe('open');
      expect(await second.snapshot('vapi:create_call')).toBeUndefined();
      expect((await second.admit('vapi:create_call', settings)).admitted).toBe(true);
      const found = await pool.query(
        "SELECT count(*)::int AS count FROM pg_tables WHERE schemaname = 'bw_test_schema' AND tablename = 'Breakers'",
      );
      expect(found.rows[0]).toEqual({ count: 1 });
    });

    it('with autoMigrate: false, runs from memory until migrate() is called', async () => {
      const table = fresh();
      const events: BreakerEvent[] = [];
      const store = new PostgresStore({
        pool,
        table,
        autoMigrate: false,
        retryInterval: 20,
        maxRetryInterval: 20,
      });
      const b = new CircuitBreaker('twilio:lookup', {
        store,
        threshold: 1,
        notifiers: [{ notify: (event) => events.push(event) }],
      });
      await expect(b.run(succeed)).resolves.toBe('ok');
      expect(events.map((event) => event.type)).toEqual(['store-error', 'call']);
      expect(await countTables(pool, table)).toBe(0);
      await expect(store.names()).rejects.toBeInstanceOf(StoreUnavailableError);

      await store.migrate();
      await sleep(30);
      await expect(b.run(fail)).rejects.toThrow('upstream said 503');
      expect(events.map((event) => event.type)).toContain('store-recovered');
      expect((await store.snapshot(b.name))?.state).toBe('open');
    });

    it('keeps an error message that jsonb cannot hold as text', async () => {
      const store = new PostgresStore({ pool, table: fresh() });
      const b = new CircuitBreaker('stripe:refund', { store, threshold: 5 });
      await expect(
        b.run(() => Promise.reject(new Error('bad\u0000byte \ud800 here'))),
      ).rejects.toThrow();
      expect((await store.snapshot(b.name))?.lastError).toMatchObject({
        message: 'bad\ufffdbyte \ufffd here',
      });
      expect(store.degraded).toBe(false);
      await expect(b.run(succeed)).resolves.toBe('ok');
      expect(await b.state()).toBe('closed');
    });
  });

  describe('options', () => {
    const pool = {
      query: () => Promise.reject(new Error('not connected')),
      connect: () => Promise.reject(new Error('not connected')),
    } as unknown as pg.Pool;

    it('names the option and the value it refuses', () => {
      const make = (options: Record<string, unknown>) => () =>
        new PostgresStore({ pool, ...options });
      expect(make({ table: 'drop table; --' })).toThrow(RangeError);
      expect(make({ table: 'drop table; --' })).toThrow(/table .*"drop table; --"/);
      expect(make({ table: 'a.b.c' })).toThrow(/table/);
      expect(make({ table: '9lives' })).toThrow(RangeError);
      expect(make({ table: 'x'.repeat(55) })).toThrow(/at most 54 characters/);
      expect(make({ table: 42 })).toThrow(TypeError);
      expect(make({ table: 42 })).toThrow('table must be a string, received 42');
      expect(make({ pool: undefined })).toThrow('pool must be a pg Pool, received undefined');
      expect(make({ timeout: 0 })).toThrow(RangeError);
      expect(make({ timeout: 0 })).toThrow(/timeout .* received 0/);
      expect(make({ flushInterval: 'soon' })).toThrow(TypeError);
      expect(make({ autoMigrate: 'yes' })).toThrow('autoMigrate must be a boolean, received "yes"');
      expect(make({ tableName: 'x' })).toThrow('options.tableName is not a PostgresStore option');
      expect(new PostgresStore({ pool, table: 'ops.breaker_state' }).table).toBe(
        'ops.breaker_state',
      );
    });

    it('refuses a name PostgreSQL cannot hold without touching the database', async () => {
      const store = new PostgresStore({ pool });
      await expect(store.lock('a\u0000b', 'open')).rejects.toThrow(RangeError);
      await expect(store.snapshot(42 as unknown as string)).rejects.toThrow(TypeError);
      expect(store.degraded).toBe(false);
    });
  });

  describe('shared by a fleet of processes', () => {
    const table = uniqueTable();
    const breaker = 'vapi:create_call';
    const coolOff = 1_000;
    let pool: pg.Pool;
    let members: FleetMember[] = [];

    beforeAll(async () => {
      pool = newPool({ max: 2 });
      await new PostgresStore({ pool, table }).migrate();
      const env = {
        DATABASE_URL: databaseUrl,
        TABLE: table,
        BREAKER: breaker,
        COOL_OFF: String(coolOff),
      };
      members = Array.from({ length: 4 }, (_, id) => new FleetMember(id, env));
      await Promise.all(members.map((member) => member.ready));
    });

    afterAll(async () => {
      const stopped = Promise.all(members.map((member) => member.stop()));
      await Promise.race([stopped, sleep(5_000)]);
      // Never leave a child behind, even when one hangs.
      for (const member of members) member.kill();
      await dropTable(pool, table);
      await pool.end();
    }, 20_000);

    it('opens for all when one fails, and lets exactly one probe run fleet-wide', async () => {
      const [first] = members;
      expect(await first!.send('fail', { count: 2 })).toEqual(['failed', 'failed']);
      const tries = await Promise.all(members.map((member) => member.send('try')));
      expect(tries.flat()).toEqual(['refused', 'refused', 'refused', 'refused']);

      const store = new PostgresStore({ pool, table });
      const retryAt = (await store.snapshot(breaker))?.retryAt;
      expect(retryAt).toBeGreaterThan(Date.now());
      const race = await Promise.all(
        members.map((member) =>
          member.send('race', { from: retryAt! - 60, until: retryAt! + 120, hold: 400, every: 8 }),
        ),
      );
      const results = race.flat();
      expect(results.filter((result) => result === 'ran')).toHaveLength(1);
      expect(results.filter((result) => result === 'refused').length).toBeGreaterThan(20);
      expect(results.filter((result) => result !== 'ran' && result !== 'refused')).toEqual([]);
      expect((await store.snapshot(breaker))?.state).toBe('closed');

      const transitions = members.flatMap((member) =>
        member.messages
          .filter((message) => message.type === 'transition')
          .map((message) => `${message.from} -> ${message.to}`),
      );
      expect(transitions.sort()).toEqual([
        'closed -> open',
        'half-open -> closed',
        'open -> half-open',
      ]);
      const prober = members.filter((member) =>
        member.messages.some((message) => message.to === 'half-open'),
      );
      expect(prober).toHaveLength(1);
      expect(prober[0]!.messages.some((message) => message.to === 'closed')).toBe(true);
      expect(members.flatMap((member) => member.messages).map((m) => m.type)).not.toContain(
        'store-error',
      );
    });
  });

  describe('when the database fails', () => {
    const timeout = 200;
    const slack = 150;
    const coolOff = 250;
    const table = uniqueTable();
    let proxy: PostgresProxy;
    let pool: pg.Pool;
    let direct: pg.Pool;
    let store: PostgresStore;
    let shared: PostgresStore;

    beforeAll(async () => {
      proxy = await PostgresProxy.start();
      pool = newPool({ port: proxy.port, max: 4 });
      direct = newPool({ max: 2 });
      store = new PostgresStore({
        pool,
        table,
        timeout,
        retryInterval: 100,
        maxRetryInterval: 200,
      });
      shared = new PostgresStore({ pool: direct, table });
      await store.migrate();
    });

    afterAll(async () => {
      await dropTable(direct, table);
      await pool.end();
      await direct.end();
      await proxy.close();
    });

    /** Runs one guarded call; what it settled with and how long it took. */
    async function timed(
      breaker: CircuitBreaker,
      fn: () => Promise<string>,
    ): Promise<{ result: string; ms: number }> {
      const started = performance.now();
      const result = await breaker.run(fn).then(
        (value) => value,
        (error: unknown) => {
          if (error instanceof Boom) return 'failed';
          if (error instanceof CircuitOpenError) return 'refused';
          return `unexpected ${String(error)}`;
        },
      );
      return { result, ms: performance.now() - started };
    }

    for (const outage of ['cut', 'stall'] as const) {
      it(`keeps guarded calls working through a ${outage}, once-reported, then resumes`, async () => {
        const events: BreakerEvent[] = [];
        const b = new CircuitBreaker(`twilio:send_sms:${outage}`, {
          store,
          threshold: 2,
          coolOff,
          notifiers: [{ notify: (event) => events.push(event) }],
        });
        const ok = (): Promise<string> => Promise.resolve('ok');
        const boom = (): Promise<never> => Promise.reject(new Boom('upstream said 503'));
        const slow = (): Promise<string> => sleep(30).then(() => 'ok');

        expect((await timed(b, ok)).result).toBe('ok');
        expect(store.degraded).toBe(false);

        // Calls in flight when the database goes away.
        const inFlight = Array.from({ length: 6 }, () => timed(b, slow));
        await sleep(5);
        if (outage === 'cut') proxy.cut();
        else proxy.stall();

        const during = [...(await Promise.all(inFlight))];
        during.push(await timed(b, ok));
        during.push(await timed(b, boom));
        during.push(await timed(b, boom));
        expect(store.degraded).toBe(true);
        const refused = await timed(b, ok);
        during.push(refused);
        expect(refused.result).toBe('refused');
        await expect(store.snapshot(b.name)).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(b.lock('open')).rejects.toBeInstanceOf(StoreUnavailableError);
        await sleep(coolOff + 20);
        const probe = await timed(b, ok);
        during.push(probe);
        during.push(await timed(b, ok));

        // A success of an error-rate breaker is held in memory while the store is up; while it
        // is down, an outcome that happens to be the fail-safe's trial must reach the database
        // and fail, not prove a recovery that did not happen.
        const rate = new CircuitBreaker(`stripe:list_invoices:${outage}`, {
          store,
          errorRate: 0.5,
          window: 10_000,
          notifiers: [{ notify: (event) => events.push(event) }],
        });
        const held = await timed(rate, () => sleep(260).then(() => 'ok'));
        expect(held.result).toBe('ok');
        expect(held.ms).toBeLessThan(260 + 2 * timeout + slack);

        expect(probe.result).toBe('ok');
        expect(
          during.map((call) => call.result).filter((result) => result.startsWith('unexpected')),
        ).toEqual([]);
        expect(Math.max(...during.map((call) => call.ms))).toBeLessThan(timeout + 30 + slack);
        const transitions = events.flatMap((event) =>
          event.type === 'transition' ? [`${event.from} -> ${event.to}`] : [],
        );
        expect(transitions).toEqual(['closed -> open', 'open -> half-open', 'half-open -> closed']);
        expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
        expect(events.filter((event) => event.type === 'store-recovered')).toHaveLength(0);

        proxy.restore();
        const deadline = Date.now() + 3_000;
        while (!events.some((event) => event.type === 'store-recovered') && Date.now() < deadline) {
          const call = await timed(b, ok);
          expect(call.result).toBe('ok');
          await sleep(20);
        }

        expect(events.filter((event) => event.type === 'store-recovered')).toHaveLength(1);
        expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
        expect(store.degraded).toBe(false);

        // The shared row moves again: two failures through the proxied store open it for everyone.
        expect((await timed(b, boom)).result).toBe('failed');
        expect((await timed(b, boom)).result).toBe('failed');
        expect(await shared.snapshot(b.name)).toMatchObject({
          state: 'open',
          lastError: { name: 'Boom', message: 'upstream said 503' },
        });
        expect(transitions.length + 1).toBe(
          events.filter((event) => event.type === 'transition').length,
        );
      });
    }
  });
});
