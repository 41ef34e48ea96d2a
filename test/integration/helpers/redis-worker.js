// One process of a fleet sharing a breaker through Redis, run on the built package as a user
// would. It reads one JSON command per line on stdin and writes one JSON line per answer or
// event on stdout.
//
// env: REDIS_URL, PREFIX, BREAKER, CLIENT ('5' or '6'), COOL_OFF (ms)
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setImmediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis5 from 'ioredis';
import Redis6 from 'ioredis6';
import { CircuitBreaker, isCircuitOpenError } from 'breakwater';
import { RedisStore } from 'breakwater/redis';

const env = process.env;
const Client = env.CLIENT === '6' ? Redis6 : Redis5;
const client = new Client(env.REDIS_URL);
const store = new RedisStore({ client, prefix: env.PREFIX });

const write = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

const breaker = new CircuitBreaker(env.BREAKER, {
  threshold: 3,
  coolOff: Number(env.COOL_OFF),
  store,
  notifiers: [
    {
      notify(event) {
        if (event.type === 'call') return;
        write({
          event: event.type,
          from: event.from,
          to: event.to,
          at: event.at.getTime(),
          pid: process.pid,
        });
      },
    },
  ],
});

async function attempt(fn) {
  try {
    await breaker.run(fn);
    return { outcome: 'ran' };
  } catch (error) {
    if (isCircuitOpenError(error)) {
      return { outcome: 'refused', retryAt: error.retryAt?.getTime() };
    }

    return { outcome: 'failed' };
  }
}

const commands = {
  async fail({ count }) {
    const outcomes = [];
    for (let i = 0; i < count; i += 1) {
      outcomes.push((await attempt(() => Promise.reject(new Error('upstream said 503')))).outcome);
    }

    return { outcomes };
  },
  try: () => attempt(() => 'ok'),
  async race({ at, calls, duration }) {
    await sleep(Math.max(0, at - Date.now()));
    let running = 0;
    const slow = async () => {
      running += 1;
      await sleep(duration);
      return 'ok';
    };
    const results = await Promise.all(Array.from({ length: calls }, () => attempt(slow)));
    const count = (outcome) => results.filter((result) => result.outcome === outcome).length;
    return { ran: running, refused: count('refused'), failed: count('failed') };
  },
  async exit() {
    await store.close();
    await client.quit();
    setImmediate(() => process.exit(0));
    return {};
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, op, ...args } = JSON.parse(line);
  Promise.resolve(commands[op](args)).then(
    (answer) => write({ id, ...answer }),
    (error) => write({ id, error: String(error) }),
  );
});

await client.ping();
write({ ready: true, pid: process.pid });
