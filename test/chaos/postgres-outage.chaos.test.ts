/**
 * Store outages through PostgreSQL: three service processes share breakers through a private
 * PostgreSQL cluster (never the shared server) under steady traffic while it is stopped with
 * `pg_ctl stop -m immediate` (a crash: no checkpoint, every connection cut) and started again.
 * No guarded call may fail or wait past the store's timeout because of the database; breakers
 * keep tripping and recovering from memory; each process reports the outage once; the table is
 * shared again afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Child, script } from './helpers/child.js';
import {
  allDegraded,
  describeTraffic,
  eventCount,
  transitionsOf,
  type Attempt,
  type TrafficStats,
  unhandledIn,
} from './helpers/fleet.js';
import { postgresBinaries, startPostgresNear, type PostgresNode } from './helpers/postgres-node.js';
import { sleep, waitFor } from './helpers/wait.js';

const withPostgres = (await postgresBinaries()) !== undefined;

const timeout = 200;
const slack = 150;
const table = 'chaos_breakers';

describe.runIf(withPostgres)('a PostgreSQL crash under steady traffic from 3 processes', () => {
  let server: PostgresNode;
  let children: Child[] = [];

  beforeAll(async () => {
    server = await startPostgresNear(55_400);
    // The first process creates the table; the others find it.
    const make = (index: number): Child =>
      new Child(`postgres worker ${index}`, script('store-worker.mjs'), {
        STORE: 'postgres',
        URL: server.url,
        TABLE: table,
        TIMEOUT: String(timeout),
        RETRY_INTERVAL: '200',
        MAX_RETRY_INTERVAL: '400',
      });
    children = [make(0)];
    await children[0]!.ready;
    children.push(make(1), make(2));
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    const unhandled = await unhandledIn(children).catch((error: unknown) => [String(error)]);
    await Promise.all(children.map((child) => child.stop()));
    expect(unhandled).toEqual([]);
    await server?.destroy();
  });

  it('stop -m immediate and start: no call fails or waits past timeout + 150 ms, one store-error per process, memory trips and recovers, table shared again', async () => {
    const steady = { name: 'stripe:get_customer', threshold: 3, coolOff: 300 };
    await Promise.all(children.map((child) => child.ask('startTraffic', { breakers: [steady] })));
    await sleep(200);

    await server.crash();
    await waitFor('every process to serve from memory', () => allDegraded(children), 5_000);

    const cycle = { name: 'twilio:make_call', threshold: 2, coolOff: 200 };
    const cycles = await Promise.all(
      children.map((child) => child.ask<string[]>('cycle', { breaker: cycle })),
    );
    for (const outcomes of cycles) {
      expect(outcomes).toEqual(['failed', 'failed', 'refused', 'ran', 'ran']);
    }

    await server.start();
    await waitFor(
      'every process to report PostgreSQL back',
      () => children.every((child) => eventCount(child, 'store-recovered') >= 1),
      15_000,
    );
    await sleep(100);
    const stats = await Promise.all(
      children.map((child) => child.ask<TrafficStats>('stopTraffic')),
    );

    for (const [index, child] of children.entries()) {
      const stat = stats[index]!;
      expect(stat.broken).toEqual([]);
      expect(stat.failed).toBe(0);
      expect(stat.refused).toBe(0);
      expect(stat.ran).toBe(stat.calls);
      expect(stat.whileDegraded).toBeGreaterThan(10);
      expect(stat.max, `slowest calls: ${stat.slowest.join(', ')}`).toBeLessThanOrEqual(
        timeout + slack,
      );
      expect(eventCount(child, 'store-error')).toBe(1);
      expect(eventCount(child, 'store-recovered')).toBe(1);
      expect(transitionsOf(child, cycle.name)).toEqual([
        'closed -> open',
        'open -> half-open',
        'half-open -> closed',
      ]);
    }

    console.info(describeTraffic('postgres crash', stats));

    const shared = { name: 'vapi:create_assistant', threshold: 2, coolOff: 60_000 };
    expect(await children[0]!.ask('fail', { breaker: shared, count: 2 })).toEqual([
      'failed',
      'failed',
    ]);
    const tries = await Promise.all(
      children.map((child) => child.ask<Attempt>('try', { breaker: shared })),
    );
    expect(tries.map((attempt) => attempt.outcome)).toEqual(['refused', 'refused', 'refused']);
    expect(new Set(tries.map((attempt) => attempt.retryAt)).size).toBe(1);

    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ state: string }>(
        `SELECT state FROM ${table} WHERE name = $1`,
        [shared.name],
      );
      expect(rows).toEqual([{ state: 'open' }]);
    } finally {
      await client.end();
    }
  });

  it('the server and its backends freeze for 1.5 s (SIGSTOP): no call waits past timeout + 150 ms, one store-error per process, then back to the table', async () => {
    const marks = children.map((child) => child.events.length);
    const since = (child: Child, name: string): number =>
      eventCount(child, name, marks[children.indexOf(child)]);
    const steady = { name: 'stripe:get_customer', threshold: 3, coolOff: 300 };
    await Promise.all(children.map((child) => child.ask('startTraffic', { breakers: [steady] })));
    await sleep(200);

    const stalled = server.stall(1_500);
    await waitFor(
      'every process to give up on the frozen database',
      () => children.every((child) => since(child, 'store-error') >= 1),
      5_000,
    );
    await stalled;
    await waitFor(
      'every process to report PostgreSQL back',
      () => children.every((child) => since(child, 'store-recovered') >= 1),
      15_000,
    );
    await sleep(100);
    const stats = await Promise.all(
      children.map((child) => child.ask<TrafficStats>('stopTraffic')),
    );

    for (const [index, child] of children.entries()) {
      const stat = stats[index]!;
      expect(stat.broken).toEqual([]);
      expect(stat.ran).toBe(stat.calls);
      expect(stat.whileDegraded).toBeGreaterThan(10);
      expect(stat.max, `slowest calls: ${stat.slowest.join(', ')}`).toBeLessThanOrEqual(
        timeout + slack,
      );
      expect(since(child, 'store-error')).toBe(1);
      expect(since(child, 'store-recovered')).toBe(1);
    }

    console.info(describeTraffic('postgres freeze', stats));
  });
});
