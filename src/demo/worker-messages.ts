import type { DemoClientConfig } from './demo-clients.js';
import type { DemoEvent } from './demo-event.js';
import type { OperationArgs, OperationName } from './demo-operations.js';

/** What a worker needs to run calls: sent over IPC, so no secret is ever on a command line. */
export interface WorkerSetup {
  /** The worker's label, e.g. `A`. */
  readonly label: string;
  readonly redisUrl: string;
  /** The key prefix of this run's breakers in Redis. */
  readonly prefix: string;
  readonly config: DemoClientConfig;
}

/** What the demo's main process tells a worker. */
export type ToWorker =
  | { readonly type: 'setup'; readonly setup: WorkerSetup }
  | {
      readonly type: 'call';
      readonly id: number;
      readonly operation: OperationName;
      readonly args: OperationArgs;
    }
  | { readonly type: 'stop' };

/** What a worker tells the main process. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'event'; readonly event: DemoEvent }
  | { readonly type: 'reply'; readonly id: number; readonly made: string | undefined }
  | { readonly type: 'stopped' };
