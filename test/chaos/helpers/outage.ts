/**
 * The store outage scenarios the fault suite runs against each shared store: a fleet of
 * store-worker.mjs children under steady traffic while the store crashes and comes back, or
 * stalls, and what must hold for every process throughout.
 */
import { expect } from 'vitest';
import type { Child } from './child.js';
import { allDegraded, eventCount, transitionsOf, type TrafficStats } from './fleet.js';
import { sleep, waitFor } from './wait.js';

/** A breaker as store-worker.mjs takes it. */
export interface WorkerBreaker {
  readonly name: string;
  readonly threshold: number;
  readonly coolOff: number;
}

/** The store's fail-safe timeout, and how much later than it a call may settle (scheduling). */
export interface OutageLimits {
  readonly timeout: number;
  readonly slack: number;
}

/** The store settings a store-worker.mjs child of an outage scenario runs with. */
export function outageWorkerEnv(timeout: number): Record<string, string> {
  return { TIMEOUT: String(timeout), RETRY_INTERVAL: '200', MAX_RETRY_INTERVAL: '400' };
}

/** Starts steady traffic on `steady` in every child and lets it run for 200 ms. */
export async function startSteadyTraffic(
  children: readonly Child[],
  steady: WorkerBreaker,
): Promise<void> {
  await Promise.all(children.map((child) => child.ask('startTraffic', { breakers: [steady] })));
  await sleep(200);
}

/**
 * Waits up to `within` ms until `recovered` holds for every child, lets the traffic run 100 ms
 * more, then stops it and returns each child's figures.
 */
export async function stopTrafficOnceRecovered(
  children: readonly Child[],
  what: string,
  recovered: (child: Child) => boolean,
  within: number,
): Promise<TrafficStats[]> {
  await waitFor(what, () => children.every(recovered), within);
  await sleep(100);
  return Promise.all(children.map((child) => child.ask<TrafficStats>('stopTraffic')));
}

export interface CalmOptions extends OutageLimits {
  /** Count each child's events from this index on (one per child); by default from the first. */
  readonly marks?: readonly number[];
  /** Also require that not one call failed or was refused. */
  readonly noneFailed?: boolean;
  /** A breaker cycled during the outage: it must have opened and closed again exactly once. */
  readonly cycled?: string;
}

/**
 * What must hold for every process through an outage: no call broken, every call ran, more than
 * 10 served from memory, none settled later than timeout + slack, and the outage reported once
 * and its end once.
 */
export function expectCalmThroughOutage(
  children: readonly Child[],
  stats: readonly TrafficStats[],
  options: CalmOptions,
): void {
  for (const [index, child] of children.entries()) {
    const stat = stats[index]!;
    const since = options.marks?.[index] ?? 0;
    expect(stat.broken).toEqual([]);
    if (options.noneFailed === true) {
      expect(stat.failed).toBe(0);
      expect(stat.refused).toBe(0);
    }

    expect(stat.ran).toBe(stat.calls);
    expect(stat.whileDegraded).toBeGreaterThan(10);
    expect(stat.max, `slowest calls: ${stat.slowest.join(', ')}`).toBeLessThanOrEqual(
      options.timeout + options.slack,
    );
    expect(eventCount(child, 'store-error', since)).toBe(1);
    expect(eventCount(child, 'store-recovered', since)).toBe(1);
    if (options.cycled !== undefined) {
      expect(transitionsOf(child, options.cycled, since)).toEqual([
        'closed -> open',
        'open -> half-open',
        'half-open -> closed',
      ]);
    }
  }
}

/** A shared store a scenario can take down and bring back. */
export interface OutageStore {
  /** The store's name in messages: `Redis`, `PostgreSQL`. */
  readonly name: string;
  /** How long every process may take to report the store back once it is up again (ms). */
  readonly recoveredWithin: number;
}

/**
 * The crash scenario: steady traffic on `steady`; `crash` takes the store down; within 5 s every
 * process serves from memory, where `cycle` (threshold 2, a short cool-off) trips and recovers in
 * each process; `restart` brings the store back; then {@link expectCalmThroughOutage}, with not
 * one call failed or refused. Returns the traffic figures.
 */
export async function crashAndRestart(
  children: readonly Child[],
  store: OutageStore & { crash(): Promise<void>; restart(): Promise<void> },
  breakers: { readonly steady: WorkerBreaker; readonly cycle: WorkerBreaker },
  limits: OutageLimits,
): Promise<TrafficStats[]> {
  await startSteadyTraffic(children, breakers.steady);

  await store.crash();
  await waitFor('every process to serve from memory', () => allDegraded(children), 5_000);

  // While the store is down, a breaker still trips and recovers in each process, from memory.
  const cycles = await Promise.all(
    children.map((child) => child.ask<string[]>('cycle', { breaker: breakers.cycle })),
  );
  for (const outcomes of cycles) {
    expect(outcomes).toEqual(['failed', 'failed', 'refused', 'ran', 'ran']);
  }

  await store.restart();
  const stats = await stopTrafficOnceRecovered(
    children,
    `every process to report ${store.name} back`,
    (child) => eventCount(child, 'store-recovered') >= 1,
    store.recoveredWithin,
  );
  expectCalmThroughOutage(children, stats, {
    ...limits,
    noneFailed: true,
    cycled: breakers.cycle.name,
  });
  return stats;
}

/**
 * The stall scenario: steady traffic on `steady`; `stall` makes the store stop answering for a
 * while and resolves when it answers again; within 5 s every process gives up on it; then
 * {@link expectCalmThroughOutage}, counting only what happened since the scenario began. Returns
 * the traffic figures.
 */
export async function stallAndResume(
  children: readonly Child[],
  store: OutageStore & { stall(): Promise<unknown> },
  steady: WorkerBreaker,
  limits: OutageLimits,
): Promise<TrafficStats[]> {
  const marks = children.map((child) => child.events.length);
  const since = (name: string) => (child: Child) =>
    eventCount(child, name, marks[children.indexOf(child)]) >= 1;
  await startSteadyTraffic(children, steady);

  const stalled = store.stall();
  await waitFor(
    `every process to give up on the stalled ${store.name}`,
    () => children.every(since('store-error')),
    5_000,
  );
  await stalled;
  const stats = await stopTrafficOnceRecovered(
    children,
    `every process to report ${store.name} back`,
    since('store-recovered'),
    store.recoveredWithin,
  );
  expectCalmThroughOutage(children, stats, { ...limits, marks });
  return stats;
}
