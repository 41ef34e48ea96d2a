/**
 * Node child processes that run the built package as a user's service would, spoken to in JSON
 * lines: the test writes `{ id, op, ...args }` on stdin; the child writes `{ id, result }` or
 * `{ id, error }` answers, `{ type: 'event', ... }` notes and one `{ type: 'ready' }` on stdout.
 * Every line a child prints (stdout and stderr) is kept, so the suite can search it for secrets.
 * Children still running when the test process exits are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One line a child wrote on stdout, parsed. */
export interface ChildLine {
  readonly type?: string;
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: string;
  /** For an event line: its kind (`transition`, `store-error`, ...), breaker and states. */
  readonly event?: string;
  readonly breaker?: string;
  readonly from?: string;
  readonly to?: string;
  readonly [key: string]: unknown;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The path of a child script in this folder, e.g. `script('store-worker.mjs')`. */
export const script = (name: string): string =>
  fileURLToPath(new URL(`./${name}`, import.meta.url));

export class Child {
  /** Every `type: 'event'` line, in order. */
  readonly events: ChildLine[] = [];
  /** Every JSON line, in order. */
  readonly lines: ChildLine[] = [];
  /** Every line printed on stdout or stderr, as printed. */
  readonly output: string[] = [];
  /** Resolves with the `ready` line; rejects if the child exits first. */
  readonly ready: Promise<ChildLine>;
  /** Resolves when the child has exited, with its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  readonly #process: ChildProcess;
  readonly #waiting = new Map<
    number,
    { resolve: (line: ChildLine) => void; reject: (error: Error) => void }
  >();
  #nextId = 0;
  #exitCode: number | null | undefined;

  constructor(
    readonly label: string,
    file: string,
    env: Readonly<Record<string, string>> = {},
    nodeArgs: readonly string[] = [],
  ) {
    this.#process = spawn(process.execPath, [...nodeArgs, file], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this.#process);
    this.exited = new Promise((resolve) => {
      this.#process.once('exit', (code) => {
        running.delete(this.#process);
        this.#exitCode = code;
        const gone = new Error(
          `${label} exited (code ${String(code)}): ${this.output.slice(-5).join(' | ')}`,
        );
        for (const waiter of this.#waiting.values()) waiter.reject(gone);
        this.#waiting.clear();
        resolve(code);
      });
    });
    this.ready = new Promise((resolve, reject) => {
      void this.exited.then((code) => {
        reject(
          new Error(
            `${label} exited (code ${String(code)}) before it was ready: ${this.output.join(' | ')}`,
          ),
        );
      });
      createInterface({ input: this.#process.stdout! }).on('line', (text) => {
        this.output.push(text);
        let line: ChildLine;
        try {
          line = JSON.parse(text) as ChildLine;
        } catch {
          return;
        }

        this.lines.push(line);
        if (line.type === 'ready') resolve(line);
        else if (line.type === 'event') this.events.push(line);
        else if (line.id !== undefined) {
          const waiter = this.#waiting.get(line.id);
          this.#waiting.delete(line.id);
          if (line.error !== undefined) waiter?.reject(new Error(`${label}: ${line.error}`));
          else waiter?.resolve(line);
        }
      });
    });
    // A rejection nobody waits for yet must not count as unhandled.
    this.ready.catch(() => undefined);
    createInterface({ input: this.#process.stderr! }).on('line', (text) => {
      this.output.push(`stderr: ${text}`);
    });
  }

  /** The child's process id. */
  get pid(): number {
    return this.#process.pid ?? 0;
  }

  /** Sends a command and resolves with its result; rejects on an error answer or an exit. */
  async ask<T = unknown>(op: string, args: Readonly<Record<string, unknown>> = {}): Promise<T> {
    if (this.#exitCode !== undefined) throw new Error(`${this.label} has exited`);
    const id = ++this.#nextId;
    const answer = new Promise<ChildLine>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    this.#process.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    return (await answer).result as T;
  }

  /** Events of one kind (`name` is the event's `event` field). */
  eventsOf(name: string): ChildLine[] {
    return this.events.filter((line) => line.event === name);
  }

  /** Asks the child to close what it holds and exit; kills it if it has not within `ms`. */
  async stop(ms = 5_000): Promise<void> {
    if (this.#exitCode !== undefined) return;
    const timer = setTimeout(() => this.kill(), ms);
    try {
      await Promise.race([this.ask('exit').catch(() => undefined), this.exited]);
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.#exitCode === undefined) this.#process.kill('SIGKILL');
  }
}
