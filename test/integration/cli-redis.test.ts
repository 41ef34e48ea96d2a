import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { CircuitBreaker } from 'breakwater';
import type { BreakerView } from 'breakwater/admin';
import { RedisStore } from 'breakwater/redis';
import { redisAvailable, redisUrl } from '../helpers/services.js';
import { runCommand, spawnCli } from '../admin/cli-process.js';

const useRedis = await redisAvailable();

class ApiError extends Error {
  override name = 'ApiError';
}

describe.runIf(useRedis)('breakwater CLI against Redis', () => {
  const prefix = `bw-cli-${randomUUID().slice(0, 8)}`;
  const store = {
    client: undefined as unknown as Redis,
    store: undefined as unknown as RedisStore,
  };
  const target = ['--redis', redisUrl, '--prefix', prefix];

  beforeAll(async () => {
    store.client = new Redis(redisUrl);
    store.store = new RedisStore({ client: store.client, prefix });
    const sms = new CircuitBreaker('twilio:send_sms', { store: store.store, threshold: 1 });
    await sms
      .run(() => Promise.reject(new ApiError('Twilio 503 Service Unavailable')))
      .catch(() => undefined);
    await new CircuitBreaker('stripe:create_charge', { store: store.store }).run(() => 'ok');
  });

  afterAll(async () => {
    const keys = await store.client.keys(`${prefix}*`);
    if (keys.length > 0) await store.client.del(...keys);
    await store.store.close();
    store.client.disconnect();
  });

  it('prints a table of every breaker, open ones first', async () => {
    const result = await runCommand(['status', ...target]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^NAME\s+STATE\s+LOCK\s+FAILURES\s+NEXT PROBE\s+CHANGED\s+LAST ERROR$/,
    );
    expect(lines[1]).toMatch(
      /^twilio:send_sms\s+open\s+-\s+0\s+in (1 min|59 s)\s+\d+ s ago\s+ApiError: Twilio 503 Service Unavailable \(\d+ s ago\)$/,
    );
    expect(lines[2]).toMatch(/^stripe:create_charge\s+closed\s+-\s+0\s+-\s+-\s+-$/);
    expect(result.elapsed).toBeLessThan(3_000);
  });

  it('prints JSON with --json, and reads REDIS_URL', async () => {
    const result = await runCommand(['status', '--json', '--prefix', prefix], {
      REDIS_URL: redisUrl,
    });
    expect(result.code).toBe(0);
    const views = JSON.parse(result.stdout) as BreakerView[];
    expect(views.map((view) => [view.name, view.state])).toEqual([
      ['stripe:create_charge', 'closed'],
      ['twilio:send_sms', 'open'],
    ]);
    expect(views[1]?.settings?.threshold).toBe(1);
  });

  it('locks and unlocks a breaker for every process sharing the store', async () => {
    const locked = await runCommand(['lock', 'stripe:create_charge', 'open', ...target]);
    expect(locked.code).toBe(0);
    expect(locked.stdout).toBe(
      `Locked stripe:create_charge open, for every process sharing ${redisUrl}, until unlocked.\n`,
    );
    expect((await store.store.snapshot('stripe:create_charge'))?.locked).toBe('open');
    const breaker = new CircuitBreaker('stripe:create_charge', { store: store.store });
    await expect(breaker.run(() => 'ok')).rejects.toThrow('stripe:create_charge');

    const unlocked = await runCommand(['unlock', 'stripe:create_charge', '--json', ...target]);
    expect(unlocked.code).toBe(0);
    expect(JSON.parse(unlocked.stdout)).toMatchObject({
      name: 'stripe:create_charge',
      locked: null,
    });
    expect((await store.store.snapshot('stripe:create_charge'))?.locked).toBeUndefined();
  });

  it('refuses to lock an unknown breaker unless forced', async () => {
    const refused = await runCommand(['lock', 'twilio:sned_sms', 'open', ...target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'breakwater: the store knows no breaker named "twilio:sned_sms"; pass --force to lock it before its first call\n',
    );
    expect(await store.store.names()).not.toContain('twilio:sned_sms');

    const forced = await runCommand(['lock', 'vapi:create_call', 'closed', '--force', ...target]);
    expect(forced.code).toBe(0);
    expect((await store.store.snapshot('vapi:create_call'))?.locked).toBe('closed');
  });

  it('exits 3 with a clear message, and no password, when Redis cannot be reached', async () => {
    const result = await runCommand(['status', '--redis', 'redis://user:s3cret-pass@127.0.0.1:1']);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'breakwater: cannot reach Redis at redis://user:***@127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    expect(result.elapsed).toBeLessThan(2_000);
  });

  it('serves the admin page until stopped, printing the URL but never the token', async () => {
    const token = `cli-serve-token-${randomUUID()}`;
    const child = spawnCli(['serve', '--port', '0', ...target], { BREAKWATER_ADMIN_TOKEN: token });
    let stdout = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const match = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`serve exited early with ${String(code)}`)));
    });

    const response = await fetch(`${url}api/breakers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    const names = ((await response.json()) as BreakerView[]).map((view) => view.name);
    expect(names).toContain('twilio:send_sms');
    expect((await fetch(`${url}api/breakers`)).status).toBe(401);

    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(stdout).toContain('Log in with the token from BREAKWATER_ADMIN_TOKEN.');
    expect(stdout).not.toContain(token);
  });
});

describe('breakwater CLI usage', () => {
  it('explains each command with --help', async () => {
    const commands = ['status', 'lock', 'unlock', 'serve'];
    const results = await Promise.all(commands.map((command) => runCommand([command, '--help'])));
    results.forEach((result, index) => {
      const command = commands[index] ?? '';
      expect(result.code, command).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: breakwater ${command}`));
    });

    const top = await runCommand(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain(
      'Exit codes: 0 done, 1 failed, 2 wrong usage, 3 store unreachable.',
    );
  });

  it('exits 2 for wrong usage', async () => {
    const cases: [string[], RegExp][] = [
      [[], /^Usage: breakwater <command>/],
      [['frobnicate'], /there is no command "frobnicate"/],
      [['status', '--bogus'], /Unknown option '--bogus'/],
      [['status'], /no store given: pass --redis URL or --postgres URL/],
      [['lock', 'x', 'sideways', '--redis', 'redis://127.0.0.1:1'], /lock takes open or closed/],
      [['status', '--redis', 'not a url'], /--redis must be a URL/],
      [['status', '--redis', 'http://x'], /--redis must be a redis: or rediss: URL/],
      [
        ['status', '--redis', 'redis://a', '--postgres', 'postgres://b'],
        /either --redis or --postgres/,
      ],
      [['serve', '--redis', 'redis://127.0.0.1:1'], /serve needs the admin token/],
      [
        ['serve', '--port', 'http', '--redis', 'redis://127.0.0.1:1'],
        /--port must be a port number/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCommand(args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index] ?? [[], /^$/];
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    });
  });
});
