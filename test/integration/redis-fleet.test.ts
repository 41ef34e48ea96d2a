/**
 * Four Node processes share one breaker through Redis: what one sees, all see; at the end of the
 * cool-off exactly one probe runs fleet-wide; every transition is reported once fleet-wide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { Redis as Redis5 } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAvailable, redisUrl } from '../helpers/services.js';
import { deleteKeys, testPrefix } from './helpers/redis-harness.js';

const withRedis = await redisAvailable();
const workerPath = fileURLToPath(new URL('helpers/redis-worker.js', import.meta.url));

/** One line a worker writes: an answer (`id`), an event, or that it is ready. */
interface Line {
  readonly id?: number;
  readonly ready?: boolean;
  readonly event?: string;
  readonly from?: string;
  readonly to?: string;
  readonly outcome?: string;
  readonly outcomes?: string[];
  readonly retryAt?: number;
  readonly ran?: number;
  readonly refused?: number;
}

class Worker {
  readonly events: Line[] = [];
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (line: Line) => void>();
  readonly ready: Promise<void>;
  #nextId = 0;

  constructor(env: Record<string, string>) {
    this.#child = spawn(process.execPath, [workerPath], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
      createInterface({ input: this.#child.stdout! }).on('line', (text) => {
        const line = JSON.parse(text) as Line;
        if (line.ready === true) resolve();
        else if (line.event !== undefined) this.events.push(line);
        else if (line.id !== undefined) this.#waiting.get(line.id)?.(line);
      });
    });
  }

  ask(op: string, args: Record<string, unknown> = {}): Promise<Line> {
    const id = ++this.#nextId;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      this.#child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  async exit(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await Promise.race([this.ask('exit'), exited]);
    await exited;
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}

describe.runIf(withRedis)('a fleet of processes sharing a breaker through Redis', () => {
  const prefix = testPrefix('fleet');
  const coolOff = 400;
  let workers: Worker[] = [];

  beforeAll(async () => {
    const breaker = `twilio:send_sms ${randomUUID().slice(0, 8)}`;
    workers = [0, 1, 2, 3].map(
      (index) =>
        new Worker({
          REDIS_URL: redisUrl,
          PREFIX: prefix,
          BREAKER: breaker,
          CLIENT: index % 2 === 0 ? '5' : '6',
          COOL_OFF: String(coolOff),
        }),
    );
    await Promise.all(workers.map((worker) => worker.ready));
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.exit().catch(() => worker.kill())));
    const client = new Redis5(redisUrl);
    await deleteKeys(client, prefix);
    client.disconnect();
  });

  it('opens for all on failures in one, and lets exactly one probe through fleet-wide', async () => {
    const [first] = workers;
    expect((await first!.ask('fail', { count: 3 })).outcomes).toEqual([
      'failed',
      'failed',
      'failed',
    ]);

    const tries = await Promise.all(workers.map((worker) => worker.ask('try')));
    expect(tries.map((answer) => answer.outcome)).toEqual([
      'refused',
      'refused',
      'refused',
      'refused',
    ]);
    const retryAt = Number(tries[0]!.retryAt);
    expect(tries.every((answer) => answer.retryAt === retryAt)).toBe(true);

    // Everyone fires at once just after the cool-off; the probe is slow, so every admission
    // lands while it is out.
    const races = await Promise.all(
      workers.map((worker) => worker.ask('race', { at: retryAt + 5, calls: 25, duration: 150 })),
    );
    const ran = races.reduce((sum, race) => sum + Number(race.ran), 0);
    const refused = races.reduce((sum, race) => sum + Number(race.refused), 0);
    expect(ran).toBe(1);
    expect(refused).toBe(99);

    const transitions = workers
      .flatMap((worker) => worker.events)
      .filter((event) => event.event === 'transition')
      .map((event) => `${event.from} -> ${event.to}`)
      .sort();
    expect(transitions).toEqual(['closed -> open', 'half-open -> closed', 'open -> half-open']);
    expect(workers.flatMap((worker) => worker.events).map((event) => event.event)).not.toContain(
      'store-error',
    );

    const after = await Promise.all(workers.map((worker) => worker.ask('try')));
    expect(after.map((answer) => answer.outcome)).toEqual(['ran', 'ran', 'ran', 'ran']);
  });
});
