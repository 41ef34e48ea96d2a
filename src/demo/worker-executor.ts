import { fork, type ChildProcess } from 'node:child_process';
import type { DemoClientConfig } from './demo-clients.js';
import { DemoError } from './demo-error.js';
import type { DemoEvent } from './demo-event.js';
import type { DemoCall, DemoExecutor } from './demo-executor.js';
import type { FromWorker, ToWorker } from './worker-messages.js';

/** Options of {@link WorkerExecutor.start}. */
export interface WorkerExecutorOptions {
  /** The built worker module, `dist/demo/worker.js`. */
  readonly workerPath: string;
  /** One label per worker, e.g. `['A', 'B']`. */
  readonly labels: readonly string[];
  readonly redisUrl: string;
  readonly prefix: string;
  readonly config: DemoClientConfig;
  /** Hears every event of every worker. */
  readonly emit: (event: DemoEvent) => void;
  /**
   * Milliseconds a worker may take to connect to Redis and make its clients.
   * @default 10000
   */
  readonly startTimeout?: number;
}

interface Worker {
  readonly label: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** How long a worker may take to stop before it is killed. */
const stopTimeout = 5_000;

/**
 * Runs the story's calls in worker processes (`child_process.fork`) whose breakers share one
 * Redis store, so one worker's failures open a breaker for the others.
 */
export class WorkerExecutor implements DemoExecutor {
  readonly workers: readonly string[];
  readonly pids: readonly number[];
  readonly lost: string[] = [];
  readonly #workers: readonly Worker[];
  readonly #pending = new Map<number, (made: string | undefined) => void>();
  #nextId = 1;
  #stopped = false;

  private constructor(workers: readonly Worker[], emit: (event: DemoEvent) => void) {
    this.#workers = workers;
    this.workers = workers.map((worker) => worker.label);
    this.pids = workers.map((worker) => worker.child.pid ?? 0);
    for (const worker of workers) {
      worker.child.on('message', (message: FromWorker) => {
        if (message.type !== 'reply') return;
        this.#pending.get(message.id)?.(message.made);
        this.#pending.delete(message.id);
      });
      void worker.exited.then(() => {
        this.#settleAll();
        if (this.#stopped) return;

        this.lost.push(worker.label);
        const { exitCode, signalCode } = worker.child;
        const why = signalCode ?? `exit code ${String(exitCode)}`;
        const line = `worker ${worker.label} exited unexpectedly (${why}); its calls are skipped`;
        emit({ type: 'log', worker: worker.label, level: 'warn', line, at: Date.now() });
      });
    }
  }

  /**
   * Forks the workers and waits until each has connected to Redis.
   * @throws {DemoError} `ERR_DEMO_WORKER` or `ERR_DEMO_REDIS` when a worker cannot start; the
   *   workers already started are stopped first.
   */
  static async start(options: WorkerExecutorOptions): Promise<WorkerExecutor> {
    const workers = options.labels.map((label) => spawnWorker(options.workerPath, label, options));
    const executor = new WorkerExecutor(workers, options.emit);
    try {
      await Promise.all(workers.map((worker) => ready(worker, options)));
      return executor;
    } catch (error) {
      await executor.stop();
      throw error;
    }
  }

  call({ operation, args, worker }: DemoCall): Promise<string | undefined> {
    const target = this.#workers[worker % this.#workers.length];
    if (this.#stopped || target === undefined || !target.child.connected) {
      return Promise.resolve(undefined);
    }

    const id = this.#nextId++;
    const reply = new Promise<string | undefined>((resolve) => this.#pending.set(id, resolve));
    send(target.child, { type: 'call', id, operation, args });
    return reply;
  }

  async drain(): Promise<void> {
    await Promise.all(
      [...this.#pending.keys()].map(
        (id) =>
          new Promise<void>((resolve) => {
            const settle = this.#pending.get(id);
            this.#pending.set(id, (made) => {
              settle?.(made);
              resolve();
            });
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      this.#workers.map(async (worker) => {
        send(worker.child, { type: 'stop' });
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), stopTimeout);
        });
        if ((await Promise.race([worker.exited, late])) === 'late') {
          worker.child.kill('SIGKILL');
          await worker.exited;
        }

        clearTimeout(timer);
      }),
    );
    this.#settleAll();
  }

  #settleAll(): void {
    for (const settle of this.#pending.values()) settle(undefined);
    this.#pending.clear();
  }
}

function spawnWorker(path: string, label: string, options: WorkerExecutorOptions): Worker {
  const child = fork(path, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  child.on('message', (message: FromWorker) => {
    if (message.type === 'event') options.emit(message.event);
  });
  return { label, child, exited };
}

function ready(worker: Worker, options: WorkerExecutorOptions): Promise<void> {
  const { child, label } = worker;
  const timeout = options.startTimeout ?? 10_000;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      done(new DemoError('ERR_DEMO_WORKER', `worker ${label} did not start within ${timeout} ms`));
    }, timeout);
    const onMessage = (message: FromWorker): void => {
      if (message.type === 'ready') done();
      if (message.type === 'failed') {
        done(new DemoError('ERR_DEMO_REDIS', `worker ${label}: ${message.message}`));
      }
    };
    const onExit = (): void => {
      done(new DemoError('ERR_DEMO_WORKER', `worker ${label} exited before it was ready`));
    };
    function done(error?: DemoError): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    }

    child.on('message', onMessage);
    child.once('exit', onExit);
    send(child, {
      type: 'setup',
      setup: {
        label,
        redisUrl: options.redisUrl,
        prefix: options.prefix,
        config: options.config,
      },
    });
  });
}

function send(child: ChildProcess, message: ToWorker): void {
  if (!child.connected) return;
  // A worker that is gone cannot take messages; its exit settles what was waiting for it.
  child.send(message, () => undefined);
}
