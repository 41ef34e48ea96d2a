/**
 * Timing for the benchmark: interleaved rounds and their summary.
 *
 * Each case is timed once per round, and the cases take turns within a round (A B C A B C ...),
 * so a slow moment of the machine lands on every case alike instead of on whichever ran then.
 */
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @typedef {object} TimedCase
 * @property {string} id stable identifier, e.g. `breakwater.success`
 * @property {(calls: number) => Promise<void>} loop makes `calls` calls one after another
 */

/**
 * @typedef {object} Summary
 * @property {number} median nanoseconds per call (or, for rates, calls per second)
 * @property {number} min
 * @property {number} max
 * @property {number[]} rounds the figure of each round, in order
 * @property {number} calls calls per round
 */

/**
 * @typedef {Summary & { cpu: Summary }} TimedSummary wall-clock figures, and `cpu`: the process's
 *   CPU time per call over the same rounds, which other programs on the machine disturb less
 */

/** Milliseconds to wait after a collection before a timed round. */
const settle = 20;

/** Runs `gc()` when Node was started with `--expose-gc`; the timings do not include it. */
export function collectGarbage() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

/**
 * Times every case for `rounds` rounds of `calls` calls, taking turns, after one untimed warm-up
 * round (so the JIT has seen each case before the clock runs).
 *
 * @param {TimedCase[]} cases
 * @param {{ rounds: number, calls: number, warmup: number }} plan
 * @returns {Promise<Map<string, TimedSummary>>}
 */
export async function interleave(cases, plan) {
  for (const timed of cases) await timed.loop(plan.warmup);

  /** @type {Map<string, { wall: number[], cpu: number[] }>} */
  const samples = new Map(cases.map((timed) => [timed.id, { wall: [], cpu: [] }]));
  for (let round = 0; round < plan.rounds; round += 1) {
    for (const timed of cases) {
      collectGarbage();
      // Why the pause: a full collection leaves sweeping to a helper thread, whose CPU time would
      // otherwise count against the round that follows (and which competes with it for a core).
      await sleep(settle);
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await timed.loop(plan.calls);
      const elapsed = Number(process.hrtime.bigint() - started);
      const cpu = process.cpuUsage(cpuBefore);
      samples.get(timed.id)?.wall.push(elapsed / plan.calls);
      samples.get(timed.id)?.cpu.push(((cpu.user + cpu.system) * 1_000) / plan.calls);
    }
  }

  /** @type {Map<string, TimedSummary>} */
  const summaries = new Map();
  for (const timed of cases) {
    const { wall, cpu } = samples.get(timed.id) ?? { wall: [], cpu: [] };
    summaries.set(timed.id, {
      ...summarize(wall, plan.calls),
      cpu: summarize(cpu, plan.calls),
    });
  }

  return summaries;
}

/**
 * @param {number[]} values
 * @param {number} calls
 * @returns {Summary}
 */
export function summarize(values, calls) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: median(sorted),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    rounds: values,
    calls,
  };
}

/** @param {number[]} sorted */
function median(sorted) {
  if (sorted.length === 0) return Number.NaN;

  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return /** @type {number} */ (sorted[middle]);
  return /** @type {number} */ (sorted[middle - 1] + /** @type {number} */ (sorted[middle])) / 2;
}
