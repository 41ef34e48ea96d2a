/**
 * Processes of a fleet sharing breakers through PostgreSQL: each runs postgres-child.mjs on the
 * built package, takes commands as JSON lines on stdin and reports replies and breaker events as
 * JSON lines on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const childScript = fileURLToPath(new URL('./postgres-child.mjs', import.meta.url));

export interface FleetMessage {
  readonly id: number;
  readonly type: 'ready' | 'reply' | 'transition' | 'store-error';
  readonly seq?: number;
  readonly results?: string[];
  readonly error?: string;
  readonly from?: string;
  readonly to?: string;
}

/** A child process of the fleet (postgres-child.mjs), spoken to in JSON lines. */
export class FleetMember {
  readonly messages: FleetMessage[] = [];
  readonly #process: ChildProcess;
  readonly #waiting = new Map<number, (message: FleetMessage) => void>();
  #seq = 0;
  readonly ready: Promise<void>;

  constructor(id: number, env: Record<string, string>) {
    this.#process = spawn(process.execPath, [childScript], {
      env: { ...process.env, ...env, ID: String(id) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let markReady!: () => void;
    let markFailed!: (error: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    this.#process.once('exit', (code) => {
      markFailed(
        new Error(`fleet member ${id} exited with code ${String(code)} before it was ready`),
      );
    });
    createInterface({ input: this.#process.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as FleetMessage;
      this.messages.push(message);
      if (message.type === 'ready') markReady();
      if (message.type === 'reply' && message.seq !== undefined) {
        this.#waiting.get(message.seq)?.(message);
      }
    });
  }

  async send(cmd: string, args: Record<string, unknown> = {}): Promise<string[]> {
    const seq = ++this.#seq;
    const reply = new Promise<FleetMessage>((resolve) => this.#waiting.set(seq, resolve));
    this.#process.stdin!.write(`${JSON.stringify({ cmd, seq, ...args })}\n`);
    const message = await reply;
    if (message.error !== undefined) throw new Error(message.error);
    return message.results ?? [];
  }

  async stop(): Promise<void> {
    if (this.#process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#process.once('exit', resolve));
    await this.send('exit').catch(() => undefined);
    await exited;
  }

  kill(): void {
    this.#process.kill();
  }
}
