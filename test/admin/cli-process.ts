/** Runs the built `breakwater` command as a user would, and collects what it printed. */
import { spawn, type ChildProcess } from 'node:child_process';

export const cliPath = 'dist/admin/cli.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Milliseconds from spawn to exit. */
  readonly elapsed: number;
}

export function runCommand(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<CliResult> {
  const started = Date.now();
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, elapsed: Date.now() - started }));
  });
}

export function spawnCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): ChildProcess {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base['REDIS_URL'];
  delete base['DATABASE_URL'];
  delete base['BREAKWATER_ADMIN_TOKEN'];
  return spawn(process.execPath, [cliPath, ...args], {
    env: { ...base, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
