/** Reading what a fleet of store-worker.mjs children did: traffic figures, events, transitions. */
import { expect } from 'vitest';
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

/**
 * Stops every child, then fails when any of them recorded an unhandled rejection or uncaught
 * exception (for an `afterAll`).
 */
export async function stopFleet(children: readonly Child[]): Promise<void> {
  const unhandled = await unhandledIn(children).catch((error: unknown) => [String(error)]);
  await Promise.all(children.map((child) => child.stop()));
  expect(unhandled).toEqual([]);
}

/**
 * Trips `breaker` (threshold 2) with two failed calls in the first child; every child must then
 * refuse it, all until one and the same retryAt, which is returned.
 */
export async function tripEverywhere(
  children: readonly Child[],
  breaker: Readonly<Record<string, unknown>>,
): Promise<number | undefined> {
  const [first] = children as [Child];
  expect(await first.ask('fail', { breaker, count: 2 })).toEqual(['failed', 'failed']);
  const tries = await Promise.all(children.map((child) => child.ask<Attempt>('try', { breaker })));
  expect(tries.map((attempt) => attempt.outcome)).toEqual(children.map(() => 'refused'));
  expect(new Set(tries.map((attempt) => attempt.retryAt)).size).toBe(1);
  return tries[0]!.retryAt;
}
