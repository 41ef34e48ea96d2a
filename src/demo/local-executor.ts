import { setMaxListeners } from 'node:events';
import type { BreakerStore } from '../stores/store.js';
import { createDemoClients, type DemoClientConfig } from './demo-clients.js';
import type { DemoEvent } from './demo-event.js';
import type { DemoCall, DemoExecutor } from './demo-executor.js';
import { demoOperations, type DemoClients } from './demo-operations.js';

/** Runs the story's calls in this process, through clients on one store. */
export class LocalExecutor implements DemoExecutor {
  readonly workers = [''] as const;
  readonly pids = [process.pid] as const;
  readonly lost = [] as const;
  readonly #clients: DemoClients;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<unknown>>();

  /**
   * @param store - the clients' store; without it, the process-wide memory store, as for any
   *   client.
   */
  constructor(config: DemoClientConfig, emit: (event: DemoEvent) => void, store?: BreakerStore) {
    this.#clients = createDemoClients(config, '', emit, store);
    // Every call in flight listens to this one signal, at several layers (fetch, retry waits).
    setMaxListeners(100, this.#stop.signal);
  }

  call({ operation, args }: DemoCall): Promise<string | undefined> {
    if (this.#stop.signal.aborted) return Promise.resolve(undefined);

    const running = demoOperations[operation]
      .invoke(this.#clients, args, this.#stop.signal)
      .catch(() => undefined);
    this.#running.add(running);
    void running.finally(() => this.#running.delete(running));
    return running;
  }

  async drain(): Promise<void> {
    await Promise.all(this.#running);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#running);
  }
}
