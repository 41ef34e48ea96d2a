import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type { BreakerState } from '../breaker/events.js';
import { defaultStore } from '../stores/memory-store.js';
import type { BreakerStore } from '../stores/store.js';
import { BreakerTally, type BreakerRow } from './breaker-tally.js';
import { closeRedis, connectRedis, dropDemoKeys, showRedisUrl } from './connect-redis.js';
import type { DemoClientConfig } from './demo-clients.js';
import type { DemoEvent } from './demo-event.js';
import type { DemoExecutor } from './demo-executor.js';
import { DemoFakes, demoCredentials, type DemoRequest } from './demo-fakes.js';
import { demoOperations, type DemoOperation, type OperationArgs } from './demo-operations.js';
import { DemoScreen } from './demo-screen.js';
import {
  demoStory,
  type PhaseGoal,
  type Story,
  type StoryPhase,
  type TrafficStream,
} from './demo-story.js';
import { LocalExecutor } from './local-executor.js';
import { renderSummary } from './render-summary.js';
import { startAdminServer, type AdminServer } from './start-admin-server.js';
import { clockText, logLine, outcomeLines, phaseLines, refusalLine } from './story-lines.js';
import { WorkerExecutor } from './worker-executor.js';

/** Options of {@link runStory}. */
export interface RunStoryOptions {
  /** Where the story is told. */
  readonly screen: DemoScreen;
  /**
   * Divides every duration of the story (phases, traffic, cool-offs, backoff) by this.
   * `Retry-After` waits stay whole seconds.
   * @default 1
   */
  readonly speed?: number;
  /**
   * Plays the story again and again until `signal` stops it.
   * @default false
   */
  readonly forever?: boolean;
  /**
   * Colours breaker states in the summary.
   * @default false
   */
  readonly color?: boolean;
  /** Stops the story at once, e.g. on Ctrl-C; the run then cleans up and resolves. */
  readonly signal?: AbortSignal;
  /**
   * The clients' store in one process.
   * @default the process-wide MemoryStore, as for any client that names none
   */
  readonly store?: BreakerStore;
  /** Runs the calls in two worker processes sharing breakers in Redis at this URL. */
  readonly redisUrl?: string;
  /**
   * The worker module that `redisUrl` forks.
   * @default `worker.js` beside this module (in `dist/demo`)
   */
  readonly workerPath?: string;
  /**
   * The story to play.
   * @default demoStory
   */
  readonly story?: Story;
}

/** What happened in a run, for tests and for the closing lines. */
export interface StoryRecord {
  readonly mode: 'memory' | 'redis';
  /** Worker labels, `['']` in one process. */
  readonly workers: readonly string[];
  /** Worker process ids, this process's own in one process. */
  readonly pids: readonly number[];
  /** Workers that died during the run; the story went on without them. */
  readonly lostWorkers: readonly string[];
  /** The Redis key prefix of the run's breakers (removed when the run ends). */
  readonly prefix: string | undefined;
  /** When each phase started, epoch milliseconds; one entry per phase played. */
  readonly phases: readonly { readonly name: string; readonly at: number }[];
  /** Every call, transition and log line, in the order heard (kept unless `forever`). */
  readonly events: readonly DemoEvent[];
  /** Every request that reached a fake (kept unless `forever`). */
  readonly requests: readonly DemoRequest[];
  /** The ports the run listened on: the three fakes, then the admin page. */
  readonly ports: readonly number[];
  /** The final summary. */
  readonly rows: readonly BreakerRow[];
  /** True when `signal` ended the run before its end. */
  readonly stopped: boolean;
}

const labels = ['A', 'B'] as const;

/**
 * Plays the demo: starts the fake vendors and the admin page, runs steady traffic through the
 * real clients while the story's phases break and heal the fakes, tells what happens on
 * `screen`, and cleans everything up (servers, workers, timers, Redis keys) before it resolves,
 * also when `signal` stops it.
 *
 * @throws {DemoError} when Redis cannot be reached or a worker cannot start; everything started
 *   is closed first.
 */
export async function runStory(options: RunStoryOptions): Promise<StoryRecord> {
  const run = new StoryRun(options);
  try {
    return await run.play();
  } finally {
    await run.close();
  }
}

class StoryRun {
  readonly #options: RunStoryOptions;
  readonly #screen: DemoScreen;
  readonly #story: Story;
  readonly #speed: number;
  readonly #keep: boolean;
  readonly #stop = new AbortController();
  readonly #closers: (() => Promise<unknown>)[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #tally: BreakerTally;
  readonly #events: DemoEvent[] = [];
  readonly #requests: DemoRequest[] = [];
  readonly #phases: { name: string; at: number }[] = [];
  readonly #ports: number[] = [];
  /** The streams with a call in flight: each stream runs one call at a time. */
  readonly #busy = new Set<TrafficStream>();
  /** Calls each stream has started, to spread them over the workers in turn. */
  readonly #turns = new Map<TrafficStream, number>();
  readonly #made = new Map<string, string>();
  /** Who opened each breaker (a worker label), and whether its refusals were told yet. */
  readonly #openedBy = new Map<string, string>();
  readonly #refusalTold = new Set<string>();
  #started = Date.now();
  #phase: { phase: StoryPhase; index: number } | undefined;
  #fakes: DemoFakes | undefined;
  #executor: DemoExecutor | undefined;
  #stateStore: BreakerStore | undefined;
  #prefix: string | undefined;
  #workers: readonly string[] = [''];
  #pids: readonly number[] = [process.pid];

  constructor(options: RunStoryOptions) {
    this.#options = options;
    this.#screen = options.screen;
    this.#story = options.story ?? demoStory;
    this.#speed = options.speed ?? 1;
    this.#keep = options.forever !== true;
    const breakers = [
      ...new Set(this.#story.traffic.map((s) => demoOperations[s.operation].breaker)),
    ];
    this.#tally = new BreakerTally(breakers);
    if (options.signal?.aborted === true) this.#stop.abort();
    options.signal?.addEventListener('abort', () => this.#stop.abort(), { once: true });
  }

  async play(): Promise<StoryRecord> {
    await this.#setUp();
    if (!this.#stop.signal.aborted) await this.#tell();
    return this.#record();
  }

  /** Closes everything opened, last first; never throws. */
  async close(): Promise<void> {
    this.#stop.abort();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const closer of this.#closers.reverse()) {
      await closer().catch(() => undefined);
    }

    this.#closers.length = 0;
  }

  async #setUp(): Promise<void> {
    const credentials = demoCredentials();
    const fakes = await DemoFakes.start(credentials);
    this.#fakes = fakes;
    this.#closers.push(() => fakes.close());
    this.#ports.push(...fakes.ports);

    const redisUrl = this.#options.redisUrl;
    let redis: Redis | undefined;
    if (redisUrl !== undefined) {
      const { RedisStore } = await import('../stores/redis/index.js');
      const client = await connectRedis(redisUrl);
      redis = client;
      const prefix = `breakwater-demo-${randomBytes(4).toString('hex')}`;
      this.#prefix = prefix;
      const store = new RedisStore({ client, prefix });
      this.#stateStore = store;
      // TODO(#6): a main process killed outright (SIGKILL) leaves the run's keys in Redis until
      // their TTL (a day) ends them; sweeping stale demo prefixes at start-up would need a
      // liveness mark per run, so another run in progress is not swept away.
      this.#closers.push(async () => {
        await store.close();
        await dropDemoKeys(client, prefix).catch(() => 0);
        await closeRedis(client);
      });
    } else {
      this.#stateStore = this.#options.store ?? defaultStore();
    }

    const admin = await startAdminServer(this.#stateStore, 'Breakwater demo');
    this.#closers.push(() => admin.close());
    this.#ports.push(admin.port);
    this.#header(fakes, admin);

    const config: DemoClientConfig = {
      urls: fakes.urls,
      credentials,
      threshold: this.#story.threshold,
      coolOff: this.#scale(this.#story.coolOff),
      retryBaseDelay: this.#scale(this.#story.retryBaseDelay),
    };
    const emit = (event: DemoEvent): void => this.#hear(event);
    if (redisUrl !== undefined && redis !== undefined && this.#prefix !== undefined) {
      this.#executor = await WorkerExecutor.start({
        workerPath:
          this.#options.workerPath ?? fileURLToPath(new URL('./worker.js', import.meta.url)),
        labels,
        redisUrl,
        prefix: this.#prefix,
        config,
        emit,
      });
    } else {
      this.#executor = new LocalExecutor(config, emit, this.#options.store);
    }

    const executor = this.#executor;
    this.#workers = executor.workers;
    this.#pids = executor.pids;
    this.#closers.push(() => executor.stop());
  }

  #header(fakes: DemoFakes, admin: AdminServer): void {
    const redisUrl = this.#options.redisUrl;
    const where =
      redisUrl === undefined
        ? 'one process, breakers in the default memory store'
        : 'two worker processes (A and B), ' +
          `breakers shared in Redis at ${showRedisUrl(redisUrl)} under ${this.#prefix ?? ''}:*`;
    const speed = this.#speed === 1 ? '' : `, at ${this.#speed}x speed`;
    this.#screen.print(
      'Breakwater demo: an outage and a recovery, through the real Vapi, Twilio and Stripe clients',
      '',
      `  admin page: ${admin.url}  (token: ${admin.token})`,
      `  fakes:      Vapi ${fakes.vapi.url}, Twilio ${fakes.twilio.url}, ` +
        `Stripe ${fakes.stripe.url}`,
      `  running:    ${where}${speed}`,
      `  breakers:   open after ${plural(this.#story.threshold, 'failure')}, ` +
        `cool-off ${seconds(this.#scale(this.#story.coolOff))}; Ctrl-C stops the demo`,
      '',
    );
  }

  async #tell(): Promise<void> {
    this.#started = Date.now();
    const assistantId = await this.#call('vapi.createAssistant', {}, 0);
    if (assistantId !== undefined) this.#made.set('assistant', assistantId);
    this.#startTraffic();
    const refresh = this.#screen.live ? 500 : 0;
    if (refresh > 0) this.#every(refresh, () => void this.#refresh());

    do {
      for (const [index, phase] of this.#story.phases.entries()) {
        if (this.#stop.signal.aborted) break;
        await this.#play(phase, index);
      }

      if (this.#options.forever === true && !this.#stop.signal.aborted) {
        for (const request of this.#fakes?.trim() ?? []) this.#tally.addRequest(request);
        this.#made.delete('vapi-call');
        this.#made.delete('twilio-call');
        this.#screen.print(`${clockText(this.#elapsed())}  --- the story starts again (--forever)`);
      }
    } while (this.#options.forever === true && !this.#stop.signal.aborted);

    this.#stopTraffic();
    await this.#drain();
    await this.#refresh();
    this.#screen.clear();
    const rows = this.#tally.rows();
    const stopped = this.#stop.signal.aborted;
    this.#screen.print(
      '',
      `${clockText(this.#elapsed())}  ${stopped ? 'stopped' : 'the end'}: breakers now`,
      ...renderSummary(rows, { color: this.#options.color ?? false }),
      '',
      ...outcomeLines(rows).map((line) => `  ${line}`),
    );
  }

  async #play(phase: StoryPhase, index: number): Promise<void> {
    const fakes = this.#fakes;
    if (fakes === undefined) return;

    this.#phase = { phase, index };
    this.#phases.push({ name: phase.name, at: Date.now() });
    for (const vendor of phase.heal ?? []) fakes.heal(vendor);
    for (const { vendor, fault } of phase.faults ?? []) fakes.fail(vendor, fault);
    this.#screen.print(...phaseLines(phase, index, this.#story.phases.length, this.#elapsed()));
    await this.#refresh();
    await this.#wait(this.#scale(phase.duration));
    await this.#refresh();
    if (phase.until !== undefined) await this.#reach(phase.until, phase.duration);
    // In plain lines, each phase ends with the summary; the last one is followed by the final one.
    const last = index === this.#story.phases.length - 1 && this.#options.forever !== true;
    if (!this.#screen.live && !this.#stop.signal.aborted && !last) {
      this.#screen.print(...renderSummary(this.#tally.rows()), '');
    }
  }

  /** Waits until the goal is reached, or its time is up. */
  async #reach(goal: PhaseGoal, spent: number): Promise<void> {
    const deadline = Date.now() + this.#scale(Math.max(0, goal.within - spent));
    const reached = (): boolean => {
      const rows = this.#tally.rows();
      if (goal.type === 'served') return rows.every((row) => row.successes > 0);
      return rows
        .filter((row) => row.breaker.startsWith(`${goal.vendor}:`))
        .every((row) => row.state === goal.state);
    };
    while (!reached() && Date.now() < deadline && !this.#stop.signal.aborted) {
      await this.#wait(50);
      await this.#refresh();
    }
  }

  #startTraffic(): void {
    for (const stream of this.#story.traffic) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#tick(stream);
        this.#every(this.#scale(stream.every), () => this.#tick(stream));
      }, this.#scale(stream.offset));
      this.#timers.add(timer);
    }
  }

  #stopTraffic(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #tick(stream: TrafficStream): void {
    if (this.#busy.has(stream) || this.#stop.signal.aborted) return;

    const operation: DemoOperation = demoOperations[stream.operation];
    const args = this.#argsOf(operation);
    if (args === undefined) return;

    const rateLimit = this.#phase?.phase.rateLimit;
    if (rateLimit?.vendor === operation.vendor) {
      this.#fakes?.fail(operation.vendor, {
        status: 429,
        retryAfter: rateLimit.retryAfter,
        times: 1,
        method: operation.method,
        path: operation.path,
      });
    }

    // Each stream's calls go to the workers in turn, so when one worker's call opens a breaker,
    // the next call of that stream runs in another worker.
    const turn = this.#turns.get(stream) ?? 0;
    this.#turns.set(stream, turn + 1);
    this.#busy.add(stream);
    void this.#call(stream.operation, args, turn % this.#workers.length).then((made) => {
      this.#busy.delete(stream);
      if (made !== undefined && operation.makes !== undefined) {
        this.#made.set(operation.makes, made);
      }
    });
  }

  /** What a call of `operation` needs, or `undefined` while what it reads does not exist yet. */
  #argsOf(operation: DemoOperation): OperationArgs | undefined {
    const assistantId = this.#made.get('assistant') ?? '';
    if (operation.reads === undefined) return { assistantId };

    const id =
      operation.reads === 'stripe-customer'
        ? this.#fakes?.customerId
        : this.#made.get(operation.reads);
    return id === undefined ? undefined : { assistantId, id };
  }

  #call(
    operation: keyof typeof demoOperations,
    args: OperationArgs,
    worker: number,
  ): Promise<string | undefined> {
    return this.#executor?.call({ operation, args, worker }) ?? Promise.resolve(undefined);
  }

  #hear(event: DemoEvent): void {
    if (this.#keep) this.#events.push(event);
    this.#tally.addEvent(event);
    const elapsed = Math.max(0, event.at - this.#started);
    if (event.type === 'log') {
      this.#screen.print(logLine(event, elapsed));
      return;
    }

    if (event.type === 'transition') {
      if (event.to === 'open') this.#openedBy.set(event.breaker, event.worker);
      if (event.to === 'closed') this.#refusalTold.delete(event.breaker);
      this.#tally.setState(event.breaker, event.to);
      return;
    }

    if (event.outcome !== 'refused' || this.#refusalTold.has(event.breaker)) return;

    this.#refusalTold.add(event.breaker);
    const vendor = Object.values(demoOperations).find(
      (operation: DemoOperation) => operation.breaker === event.breaker,
    )?.vendor;
    if (vendor === undefined) return;
    this.#screen.print(refusalLine(event, this.#openedBy.get(event.breaker), vendor, elapsed));
  }

  /** Reads the fakes' new requests and each breaker's state, and redraws the live summary. */
  async #refresh(): Promise<void> {
    for (const request of this.#fakes?.takeRequests() ?? []) {
      if (this.#keep) this.#requests.push(request);
      this.#tally.addRequest(request);
    }

    const store = this.#stateStore;
    if (store !== undefined) {
      await Promise.all(
        this.#tally.breakers.map(async (breaker) => {
          try {
            const snapshot = await store.snapshot(breaker);
            this.#tally.setState(breaker, snapshot?.state ?? ('closed' satisfies BreakerState));
          } catch {
            // A store that does not answer leaves the last state read on screen.
          }
        }),
      );
    }

    if (!this.#screen.live || this.#stop.signal.aborted) return;

    const current = this.#phase;
    const title =
      current === undefined
        ? 'starting'
        : `${current.index + 1}/${this.#story.phases.length} ${current.phase.title}`;
    this.#screen.show([
      '',
      `${clockText(this.#elapsed())}  now: ${title}`,
      ...renderSummary(this.#tally.rows(), { color: this.#options.color ?? false }),
      '',
      '  Ctrl-C stops the demo',
    ]);
  }

  /** Waits for the calls still running (a 429 waits out its Retry-After), at most 10 s. */
  async #drain(): Promise<void> {
    const executor = this.#executor;
    if (executor === undefined || this.#stop.signal.aborted) return;

    await Promise.race([executor.drain(), this.#wait(10_000)]);
  }

  #every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, Math.max(1, ms));
    this.#timers.add(timer);
  }

  /** Resolves after `ms`, or at once when the run is stopped. */
  #wait(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return Promise.resolve();

    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#timers.add(timer);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #scale(ms: number): number {
    return Math.max(1, Math.round(ms / this.#speed));
  }

  #elapsed(): number {
    return Date.now() - this.#started;
  }

  #record(): StoryRecord {
    return {
      mode: this.#options.redisUrl === undefined ? 'memory' : 'redis',
      workers: this.#workers,
      pids: this.#pids,
      lostWorkers: [...(this.#executor?.lost ?? [])],
      prefix: this.#prefix,
      phases: this.#phases,
      events: this.#events,
      requests: this.#requests,
      ports: this.#ports,
      rows: this.#tally.rows(),
      stopped: this.#options.signal?.aborted === true,
    };
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
