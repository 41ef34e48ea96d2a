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
import { describeTraffic, stopFleet, tripEverywhere } from './helpers/fleet.js';
import { crashAndRestart, outageWorkerEnv, stallAndResume } from './helpers/outage.js';
import { postgresBinaries, startPostgresNear, type PostgresNode } from './helpers/postgres-node.js';

const withPostgres = (await postgresBinaries()) !== undefined;

const timeout = 200;
const slack = 150;
const table = 'chaos_breakers';

const steady = { name: 'stripe:get_customer', threshold: 3, coolOff: 300 };

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
        ...outageWorkerEnv(timeout),
      });
    children = [make(0)];
    await children[0]!.ready;
    children.push(make(1), make(2));
    await Promise.all(children.map((child) => child.ready));
  });

  afterAll(async () => {
    await stopFleet(children);
    await server?.destroy();
  });

  it('stop -m immediate and start: no call fails or waits past timeout + 150 ms, one store-error per process, memory trips and recovers, table shared again', async () => {
    const stats = await crashAndRestart(
      children,
      {
        name: 'PostgreSQL',
        recoveredWithin: 15_000,
        crash: () => server.crash(),
        restart: () => server.start(),
      },
      { steady, cycle: { name: 'twilio:make_call', threshold: 2, coolOff: 200 } },
      { timeout, slack },
    );
    console.info(describeTraffic('postgres crash', stats));

    const shared = { name: 'vapi:create_assistant', threshold: 2, coolOff: 60_000 };
    await tripEverywhere(children, shared);

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
    const stats = await stallAndResume(
      children,
      { name: 'PostgreSQL', recoveredWithin: 15_000, stall: () => server.stall(1_500) },
      steady,
      { timeout, slack },
    );
    console.info(describeTraffic('postgres freeze', stats));
  });
});
