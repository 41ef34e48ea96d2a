import { createServer } from 'node:net';
import { inspect } from 'node:util';
import type { Clock } from 'breakwater';

/** A logger that keeps every line, as console or pino would print them. */
export function captureLogger(): {
  logger: { warn(line: string): void; info(line: string): void };
  lines: string[];
} {
  const lines: string[] = [];
  return {
    lines,
    logger: {
      warn: (line: string) => lines.push(`warn ${line}`),
      info: (line: string) => lines.push(`info ${line}`),
    },
  };
}

/**
 * A clock whose timers fire at once (on the next macrotask) and which records each delay asked
 * for, so backoff and `Retry-After` waits can be read without waiting them out.
 */
export function instantClock(): Clock & { delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    now: () => Date.now(),
    setTimeout: (callback: () => void, ms: number) => {
      delays.push(ms);
      return setTimeout(callback, 0);
    },
    clearTimeout: (handle: unknown) => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/** A loopback port nothing listens on (bound, read, released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Settles `promise` and returns its rejection, failing when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }

  throw new Error('expected a rejection, but the promise resolved');
}

/**
 * Everything a value shows: its inspection with hidden properties and the whole `cause` chain,
 * its JSON, its message and its stack.
 */
export function everything(value: unknown): string {
  const parts = [inspect(value, { showHidden: true, depth: 20, getters: true })];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch {
    // Circular values are covered by inspect.
  }

  let current: unknown = value;
  for (let depth = 0; depth < 10 && current instanceof Error; depth += 1) {
    parts.push(current.message, current.stack ?? '');
    current = current.cause;
  }

  return parts.join('\n');
}
