import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { freePort } from '../http/harness.js';
import { ansiEscape, connectTo, printedPorts } from './demo-harness.js';

const mainPath = 'dist/demo/main.js';

interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `node dist/demo/main.js` as `npm start` would, with stdout a pipe (not a terminal). */
function startDemo(args: readonly string[]): {
  child: ChildProcess;
  finished: Promise<Finished>;
  output: () => string;
} {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env['NO_COLOR'];
  const child = spawn(process.execPath, [mainPath, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, finished, output: () => stdout };
}

/** Resolves once the child has printed `text`. */
function printed(child: ChildProcess, output: () => string, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!output().includes(text)) return;
      child.stdout?.off('data', check);
      resolve();
    };
    child.stdout?.on('data', check);
    child.once('close', () => reject(new Error(`exited before printing ${text}`)));
    check();
  });
}

describe('node dist/demo/main.js', () => {
  it('plays the whole story at --speed 20, exits 0 and leaves no port open', async () => {
    const { finished } = startDemo(['--speed', '20']);
    const { code, stdout, stderr } = await finished;

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/admin page: http:\/\/127\.0\.0\.1:\d+\/ {2}\(token: [\w-]{20,}\)/);
    const phases = [...stdout.matchAll(/--- (\d)\/5 /g)].map((match) => match[1]);
    expect(phases).toEqual(['1', '2', '3', '4', '5']);
    const lines = stdout.split('\n');
    const first = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    const last = (pattern: RegExp): number => lines.findLastIndex((line) => pattern.test(line));
    for (const breaker of ['twilio:send_sms', 'twilio:make_call', 'twilio:get_call']) {
      const opened = first(new RegExp(`WARN breaker ${breaker} closed -> open`));
      expect(opened, breaker).toBeGreaterThan(first(/--- 2\/5/));
      expect(opened, breaker).toBeLessThan(first(/--- 3\/5/));
      const closed = last(new RegExp(`info breaker ${breaker} half-open -> closed`));
      expect(closed, breaker).toBeGreaterThan(first(/--- 4\/5/));
      expect(closed, breaker).toBeLessThan(first(/--- 5\/5/));
    }

    expect(stdout).not.toMatch(/breaker stripe:\S+ closed -> open/);
    expect(stdout).toMatch(/the end: breakers now/);
    expect(stdout).not.toMatch(ansiEscape);

    const ports = printedPorts(stdout);
    expect(ports).toHaveLength(4);
    for (const port of ports) expect(await connectTo(port)).toBe('ECONNREFUSED');
  });

  it('stops promptly and cleanly on SIGINT in the middle of the story', async () => {
    const { child, finished, output } = startDemo(['--speed', '5']);
    await printed(child, output, '--- 2/5');
    const stoppedAt = Date.now();
    child.kill('SIGINT');
    const { code, signal, stdout, stderr } = await finished;

    expect(Date.now() - stoppedAt).toBeLessThan(1_500);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout).toMatch(/stopped: breakers now/);
    expect(stdout).not.toMatch(/--- 3\/5/);
    for (const port of printedPorts(stdout)) expect(await connectTo(port)).toBe('ECONNREFUSED');
  });

  it('stops on SIGTERM too', async () => {
    const { child, finished, output } = startDemo(['--speed', '5']);
    await printed(child, output, '--- 1/5');
    child.kill('SIGTERM');
    const { code, stdout } = await finished;

    expect(code).toBe(0);
    expect(stdout).toMatch(/stopped: breakers now/);
  });

  it('says so and exits 1 when --redis names a Redis that does not answer', async () => {
    const port = await freePort();
    const { code, stdout, stderr } = await startDemo(['--redis', `redis://127.0.0.1:${port}`])
      .finished;

    expect(code).toBe(1);
    expect(stderr).toBe(
      `breakwater demo: cannot reach Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(stdout).not.toMatch(/--- 1\/5/);
  });

  it('prints its usage with --help', async () => {
    const { code, stdout } = await startDemo(['--help']).finished;

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm start -- \[options\]/);
    expect(stdout).toMatch(/--speed N/);
    expect(stdout).toMatch(/--redis URL/);
  });

  it('refuses a bad option with a clear message and exit code 2', async () => {
    const unknown = await startDemo(['--sped', '5']).finished;
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe(
      'breakwater demo: unknown option --sped\nRun with --help for the options.\n',
    );

    const speed = await startDemo(['--speed', 'fast']).finished;
    expect(speed.code).toBe(2);
    expect(speed.stderr).toMatch(/--speed must be a number, received "fast"/);
  });
});
