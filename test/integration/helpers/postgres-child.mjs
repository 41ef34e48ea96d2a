/**
 * One process of a fleet sharing a breaker through PostgreSQL, run on the built package as a
 * user would. It reads commands as JSON lines on stdin and writes replies and breaker events as
 * JSON lines on stdout.
 *
 * Environment: DATABASE_URL, TABLE, BREAKER, COOL_OFF (ms), ID.
 */
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setImmediate, setTimeout } from 'node:timers';
import pg from 'pg';
import { CircuitBreaker, CircuitOpenError } from 'breakwater';
import { PostgresStore } from 'breakwater/postgres';

const id = Number(process.env.ID);
const send = (message) => process.stdout.write(`${JSON.stringify({ id, ...message })}\n`);

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 2,
  connectionTimeoutMillis: 2_000,
});
pool.on('error', () => undefined);
const store = new PostgresStore({ pool, table: process.env.TABLE });
const breaker = new CircuitBreaker(process.env.BREAKER, {
  store,
  threshold: 2,
  coolOff: Number(process.env.COOL_OFF),
  notifiers: [
    {
      notify: (event) => {
        if (event.type === 'transition')
          send({ type: 'transition', from: event.from, to: event.to });
        if (event.type === 'store-error') send({ type: 'store-error' });
      },
    },
  ],
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs `fn` through the breaker: 'ran', 'failed' or 'refused'. */
function attempt(fn) {
  return breaker.run(fn).then(
    () => 'ran',
    (error) => (error instanceof CircuitOpenError ? 'refused' : 'failed'),
  );
}

const commands = {
  async fail({ count }) {
    const results = [];
    for (let i = 0; i < count; i += 1) {
      results.push(await attempt(() => Promise.reject(new Error('upstream said 503'))));
    }

    return results;
  },
  async try() {
    return [await attempt(() => 'ok')];
  },
  /** Calls every `every` ms from `from` to `until` (epoch ms); each call that runs takes `hold` ms. */
  async race({ from, until, hold, every }) {
    await sleep(from - Date.now());
    const calls = [];
    while (Date.now() < until) {
      calls.push(attempt(() => sleep(hold)));
      await sleep(every);
    }

    return Promise.all(calls);
  },
  async exit() {
    await store.close();
    await pool.end();
    setImmediate(() => process.exit(0));
    return [];
  },
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const command = JSON.parse(line);
    commands[command.cmd](command).then(
      (results) => send({ type: 'reply', seq: command.seq, results }),
      (error) => send({ type: 'reply', seq: command.seq, error: String(error) }),
    );
  })
  // The test process went away: so does this one.
  .on('close', () => process.exit(0));

await store.migrate();
send({ type: 'ready' });
