import type { BreakerState } from '../breaker/events.js';
import type { BreakerSettings, BreakerSnapshot, BreakerStore } from '../stores/store.js';

/** One breaker as the JSON API, the page and `breakwater status --json` show it. */
export interface BreakerView {
  readonly name: string;
  /** The effective state: a lock shows as the locked state. */
  readonly state: BreakerState;
  /** The state the trip and recovery rules put it in, ignoring any lock. */
  readonly ruleState: BreakerState;
  /** The operator's lock, or `null`. */
  readonly locked: 'open' | 'closed' | null;
  /** Failures counted toward the trip rule now. */
  readonly failures: number;
  /** With `errorRate`: calls counted in the window. */
  readonly calls: number;
  /** The latest failure's class and message, and when it happened (ISO 8601), or `null`. */
  readonly lastError: {
    readonly name: string;
    readonly message: string;
    readonly at: string | null;
  } | null;
  /** When the next probe will be let through (ISO 8601), or `null` while closed. */
  readonly retryAt: string | null;
  /** When the breaker last changed state (ISO 8601), or `null` if it never has. */
  readonly changedAt: string | null;
  /** The settings the breaker was last run with, as the store recorded them, or `null`. */
  readonly settings: BreakerSettings | null;
}

/** Snapshots read at once; enough to overlap round trips without flooding a shared store. */
const CONCURRENCY = 32;

/** Turns a store's snapshot into its JSON shape. */
export function toBreakerView(snapshot: BreakerSnapshot): BreakerView {
  const lastError = snapshot.lastError;
  return {
    name: snapshot.name,
    state: snapshot.state,
    ruleState: snapshot.ruleState,
    locked: snapshot.locked ?? null,
    failures: snapshot.failures,
    calls: snapshot.calls,
    lastError:
      lastError === undefined
        ? null
        : { name: lastError.name, message: lastError.message, at: isoTime(lastError.at) },
    retryAt: snapshot.retryAt === undefined ? null : isoTime(snapshot.retryAt),
    changedAt: snapshot.changedAt === undefined ? null : isoTime(snapshot.changedAt),
    settings: snapshot.settings === undefined ? null : { ...snapshot.settings },
  };
}

/** Every breaker the store knows, in the store's order (by name). */
export async function listBreakers(store: BreakerStore): Promise<BreakerView[]> {
  const names = await store.names();
  const views: (BreakerView | undefined)[] = [];
  for (let start = 0; start < names.length; start += CONCURRENCY) {
    const batch = names.slice(start, start + CONCURRENCY);
    const snapshots = await Promise.all(batch.map(async (name) => store.snapshot(name)));
    for (const snapshot of snapshots) {
      views.push(snapshot === undefined ? undefined : toBreakerView(snapshot));
    }
  }

  return views.filter((view) => view !== undefined);
}

/** One breaker, or `undefined` when the store has never seen it. */
export async function readBreaker(
  store: BreakerStore,
  name: string,
): Promise<BreakerView | undefined> {
  const snapshot = await store.snapshot(name);
  return snapshot === undefined ? undefined : toBreakerView(snapshot);
}

function isoTime(epochMs: number): string | null {
  const date = new Date(epochMs);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
