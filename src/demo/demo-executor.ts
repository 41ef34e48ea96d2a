import type { OperationArgs, OperationName } from './demo-operations.js';

/** One call the story asks for: which operation, with what, in which worker (0 in one process). */
export interface DemoCall {
  readonly operation: OperationName;
  readonly args: OperationArgs;
  readonly worker: number;
}

/**
 * Where the story's calls run: in this process, or in worker processes that share a store.
 * Whatever a call does is reported as demo events; the executor only hands back the id it made.
 */
export interface DemoExecutor {
  /** A label per worker, e.g. `['A', 'B']`; `['']` for this process. */
  readonly workers: readonly string[];
  /** The process id of each worker; this process's own in one process. */
  readonly pids: readonly number[];
  /** Labels of the workers that died before they were told to stop. */
  readonly lost: readonly string[];
  /**
   * Runs one call. Resolves to the id the call made (a call SID, a session id), or `undefined`
   * when it made none, failed, was refused or was stopped; it never rejects.
   */
  call(call: DemoCall): Promise<string | undefined>;
  /** Resolves once every call started so far has finished. */
  drain(): Promise<void>;
  /** Aborts the calls still running, waits for them, and frees everything the executor holds. */
  stop(): Promise<void>;
}
