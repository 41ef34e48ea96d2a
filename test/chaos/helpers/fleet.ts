/** Reading what a fleet of store-worker.mjs children did: traffic figures, events, transitions. */
import type { Child } from './child.js';

/** What `stopTraffic` answers: counts of outcomes and call durations (ms). */
export interface TrafficStats {
  readonly calls: number;
  /** Calls made while the store was marked down (served from memory). */
  readonly whileDegraded: number;
  readonly ran: number;
  readonly refused: number;
  readonly failed: number;
  /** Calls that settled any other way than ran, refused or failed with the upstream's error. */
  readonly broken: string[];
  readonly max: number;
  readonly p50: number;
  readonly p99: number;
  readonly slowest: number[];
}

/** What `try` answers. */
export interface Attempt {
  readonly outcome: 'ran' | 'refused' | 'failed' | 'broken';
  readonly retryAt?: number;
}

/** What `burst` answers. */
export interface Burst {
  readonly ran: number;
  readonly refused: number;
  readonly failed: number;
  readonly broken: string[];
  readonly startedLate: number;
}

/** How many `name` events the child reported from its `since`-th event on. */
export function eventCount(child: Child, name: string, since = 0): number {
  return child.events.slice(since).filter((line) => line.event === name).length;
}

/** The transitions a child reported for one breaker, as `from -> to`. */
export function transitionsOf(child: Child, breaker: string, since = 0): string[] {
  return child.events
    .slice(since)
    .filter((line) => line.event === 'transition' && line.breaker === breaker)
    .map((line) => `${String(line.from)} -> ${String(line.to)}`);
}

/** True when every child serves its breakers from memory. */
export async function allDegraded(children: readonly Child[]): Promise<boolean> {
  const statuses = await Promise.all(
    children.map((child) => child.ask<{ degraded: boolean }>('status')),
  );
  return statuses.every((status) => status.degraded);
}

/** One line of figures for the log: calls, slowest and 99th percentile per process. */
export function describeTraffic(label: string, stats: readonly TrafficStats[]): string {
  const list = (pick: (stat: TrafficStats) => number, digits = 1): string =>
    stats.map((stat) => pick(stat).toFixed(digits)).join('/');
  return `${label}: calls per process ${list((s) => s.calls, 0)} (${list((s) => s.whileDegraded, 0)} while degraded), max ${list((s) => s.max)} ms, p99 ${list((s) => s.p99)} ms`;
}

/** The unhandled rejections and uncaught exceptions each child recorded: all empty, or a list. */
export async function unhandledIn(children: readonly Child[]): Promise<string[]> {
  const lists = await Promise.all(children.map((child) => child.ask<string[]>('unhandled')));
  return lists.flat();
}
