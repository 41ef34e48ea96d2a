// The JSON-lines side of a chaos child process (see child.ts): reads `{ id, op, ...args }` on
// stdin, answers `{ id, result }` or `{ id, error }` on stdout, and writes events and `ready`.
// It records every unhandled rejection and uncaught exception instead of dying of them, so the
// test can assert there were none.
import process from 'node:process';
import { createInterface } from 'node:readline';
import { setImmediate, setTimeout } from 'node:timers';

/** Unhandled rejections and uncaught exceptions seen so far, as text. */
export const unhandled = [];

process.on('unhandledRejection', (reason) => {
  unhandled.push(`unhandledRejection: ${String(reason?.stack ?? reason)}`);
});
process.on('uncaughtException', (error) => {
  unhandled.push(`uncaughtException: ${String(error?.stack ?? error)}`);
});

/** Writes one JSON line. */
export function write(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Writes an event line: `{ type: 'event', event, ... }`. */
export function emit(event, fields = {}) {
  write({ type: 'event', event, pid: process.pid, at: Date.now(), ...fields });
}

/**
 * Answers commands from stdin with `commands[op](args)`. `exit` runs `close()` and then exits;
 * so does the end of stdin (the test process went away).
 */
export function serve(commands, close = async () => undefined) {
  const lines = createInterface({ input: process.stdin });
  let closing = false;
  const shutDown = async () => {
    if (closing) return;
    closing = true;
    await close();
    lines.close();
    setImmediate(() => process.exit(0));
  };

  lines.on('line', (text) => {
    const { id, op, ...args } = JSON.parse(text);
    const run =
      op === 'exit' ? shutDown : op === 'unhandled' ? async () => unhandled : commands[op];
    if (run === undefined) {
      write({ id, error: `unknown op ${op}` });
      return;
    }

    Promise.resolve()
      .then(() => run(args))
      .then(
        (result) => write({ id, result: result ?? null }),
        (error) => write({ id, error: String(error?.stack ?? error) }),
      );
  });
  lines.on('close', () => void shutDown());
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
