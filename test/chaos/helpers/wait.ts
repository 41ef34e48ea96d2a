/** Bounded waiting for the fault suite: poll a condition, never sleep for a guessed time. */

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `condition` returns true (or a promise of true), polling every `every` ms;
 * rejects with `what` once `within` ms have passed without it.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  within = 10_000,
  every = 25,
): Promise<void> {
  const deadline = Date.now() + within;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${within} ms waiting for ${what}`);
    await sleep(every);
  }
}

/** The `p`-th percentile (0 to 100) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}
