import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoScreen } from '../../src/demo/demo-screen.js';
import { runStory, type StoryRecord } from '../../src/demo/run-story.js';
import { redisAvailable, redisUrl } from '../helpers/services.js';
import { connectTo, openSpells, transitionsOf } from './demo-harness.js';

const hasRedis = await redisAvailable();
const workerPath = path.resolve('dist/demo/worker.js');

describe.runIf(hasRedis)('the story with two workers sharing breakers in Redis', () => {
  let record: StoryRecord;
  let output = '';
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    const screen = new DemoScreen({ write: (text) => (output += text) });
    record = await runStory({ screen, speed: 10, redisUrl, workerPath });
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('runs the calls in workers A and B', () => {
    expect(record.mode).toBe('redis');
    expect(record.workers).toEqual(['A', 'B']);
    const workers = new Set(
      record.events.filter((event) => event.type === 'call').map((event) => event.worker),
    );
    expect(workers).toEqual(new Set(['A', 'B']));
  });

  it("refuses one worker's SMS because of the other worker's failure", () => {
    const breaker = 'twilio:send_sms';
    const transitions = transitionsOf(record.events, breaker);
    const [opened, halfOpen] = transitions;
    expect(opened).toMatchObject({ from: 'closed', to: 'open' });
    expect(halfOpen).toMatchObject({ from: 'open', to: 'half-open' });
    const tripper = opened!.worker;
    const other = tripper === 'A' ? 'B' : 'A';
    const during = record.events.filter(
      (event) =>
        event.type === 'call' &&
        event.breaker === breaker &&
        event.worker === other &&
        event.at >= opened!.at &&
        event.at <= halfOpen!.at,
    );

    // The other worker never failed on its own: it was refused from the shared state.
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((event) => event.type === 'call' && event.outcome === 'refused')).toBe(
      true,
    );
    // No SMS reached the fake Twilio while the breaker was open, from either worker.
    const spells = openSpells(transitions);
    const sent = record.requests.filter(
      (request) =>
        request.breaker === breaker &&
        spells.some((spell) => request.at > spell.from && request.at < spell.to),
    );
    expect(sent).toEqual([]);
    expect(output).toMatch(
      new RegExp(
        `\\[${other}\\] +twilio:send_sms refused a call at once, nothing sent to Twilio: worker ${tripper}'s failure opened it for every process`,
      ),
    );
  });

  it('closes the Twilio breakers again, whichever worker probes', () => {
    for (const breaker of ['twilio:send_sms', 'twilio:make_call', 'twilio:get_call']) {
      const last = transitionsOf(record.events, breaker).at(-1);
      expect(last, breaker).toMatchObject({ from: 'half-open', to: 'closed' });
    }
  });

  it('stops both worker processes', () => {
    expect(record.pids).toHaveLength(2);
    for (const pid of record.pids) {
      expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    }
  });

  it("deletes the run's keys from Redis and closes its ports", async () => {
    expect(record.prefix).toMatch(/^breakwater-demo-[0-9a-f]{8}$/);
    expect(await redis.keys(`${record.prefix}:*`)).toEqual([]);
    for (const port of record.ports) expect(await connectTo(port)).toBe('ECONNREFUSED');
  });
});

describe.runIf(hasRedis)('a worker that dies in the middle of the story', () => {
  it('is reported, and the story goes on with the other one', async () => {
    let output = '';
    let killed: number | undefined;
    const screen = new DemoScreen({
      write: (text) => {
        output += text;
        if (killed !== undefined || !text.includes('--- 2/5')) return;
        const children = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'worker.js'], {
          encoding: 'utf8',
        });
        killed = Number(children.split('\n')[0]);
        process.kill(killed, 'SIGKILL');
      },
    });
    const record = await runStory({ screen, speed: 20, redisUrl, workerPath });

    expect(record.pids).toContain(killed);
    expect(record.lostWorkers).toHaveLength(1);
    const [lost] = record.lostWorkers;
    expect(output).toContain(`WARN worker ${lost!} exited unexpectedly (SIGKILL)`);
    expect(output).toMatch(/the end: breakers now/);
    const survivor = lost === 'A' ? 'B' : 'A';
    const late = record.events.filter(
      (event) => event.type === 'call' && event.at > record.phases[2]!.at,
    );
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((event) => event.worker === survivor)).toBe(true);
  });
});
