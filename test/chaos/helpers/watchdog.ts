/**
 * Cleanup that happens even when the test process is killed outright. A watchdog is a small
 * shell that waits on a pipe from this process; when the pipe closes (this process exited, by
 * any means, SIGKILL included) it runs the cleanup command: kill a server, remove its directory.
 * A clean stop disarms it first.
 */
import { spawn } from 'node:child_process';

export interface Watchdog {
  /** Stops watching without running the cleanup (the caller cleaned up itself). */
  disarm(): void;
}

/** Runs `cleanup` (a shell command) once this process is gone, unless disarmed first. */
export function watchdog(cleanup: string): Watchdog {
  const child = spawn('sh', ['-c', `read _; ${cleanup}`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    disarm: () => {
      child.kill('SIGKILL');
    },
  };
}

/** Quotes `value` for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
