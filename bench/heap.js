/**
 * Heap figures: what each library's success path leaves behind over many calls, and what idle
 * breakers cost in one memory store. Every reading follows a full `gc()`, so only what is still
 * reachable counts.
 */
import process from 'node:process';
import { CircuitBreaker, MemoryStore } from 'breakwater';
import { ConsecutiveBreaker, circuitBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { collectGarbage } from './measure.js';

const call = async () => 1;

/** Bytes of heap in use after a full collection (twice: weak references clear on the second). */
function usedHeap() {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/**
 * @typedef {object} HeapGrowth
 * @property {string} library
 * @property {number} calls
 * @property {number} bytes heap growth over `calls` calls, after gc()
 */

/**
 * Heap growth over `calls` successful calls through one breaker of each library, after a warm-up
 * so that compiled code and lazily made structures are already in place.
 *
 * @param {number} calls
 * @returns {Promise<HeapGrowth[]>}
 */
export async function heapGrowth(calls) {
  const breakwater = new CircuitBreaker('bench:heap', { store: new MemoryStore() });
  const opossum = new Opossum(call);
  const cockatiel = circuitBreaker(handleAll, {
    halfOpenAfter: 60_000,
    breaker: new ConsecutiveBreaker(5),
  });

  /** @type {Array<[string, (calls: number) => Promise<void>]>} */
  const loops = [
    [
      'bare',
      async (n) => {
        for (let i = 0; i < n; i += 1) await call();
      },
    ],
    [
      'breakwater',
      async (n) => {
        for (let i = 0; i < n; i += 1) await breakwater.run(call);
      },
    ],
    [
      'opossum',
      async (n) => {
        for (let i = 0; i < n; i += 1) await opossum.fire();
      },
    ],
    [
      'cockatiel',
      async (n) => {
        for (let i = 0; i < n; i += 1) await cockatiel.execute(call);
      },
    ],
  ];

  /** @type {HeapGrowth[]} */
  const results = [];
  for (const [library, loop] of loops) {
    await loop(10_000);
    const before = usedHeap();
    await loop(calls);
    results.push({ library, calls, bytes: usedHeap() - before });
  }

  opossum.shutdown();
  return results;
}

/**
 * @typedef {object} IdleBreakers
 * @property {number} breakers
 * @property {number} bytes heap taken by the breakers and their store entries, after gc()
 * @property {number} nameBytes heap taken by the names themselves (strings the caller owns)
 */

/**
 * The heap taken by `count` breakers in one memory store, each having run one successful call,
 * all still reachable.
 *
 * @param {number} count
 * @returns {Promise<IdleBreakers>}
 */
export async function idleBreakers(count) {
  const store = new MemoryStore();
  const empty = usedHeap();
  const names = Array.from({ length: count }, (_, i) => `vendor:operation_${i}`);
  const before = usedHeap();

  const breakers = [];
  for (const name of names) {
    const breaker = new CircuitBreaker(name, { store });
    await breaker.run(call);
    breakers.push(breaker);
  }

  const bytes = usedHeap() - before;
  if (breakers.length !== count || (await store.names()).length !== count) {
    throw new Error('idle breakers were not all kept');
  }

  return { breakers: count, bytes, nameBytes: before - empty };
}
