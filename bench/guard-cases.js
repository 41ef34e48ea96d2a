/**
 * The in-process cases: the bare call, then the success path, breaker + retry and the refusal
 * of an open breaker for Breakwater (memory store), opossum and cockatiel.
 *
 * Every loop is written out in full rather than built from a shared helper, so each call site
 * sees one function only and no case pays for another's indirection.
 */
import { CircuitBreaker, CircuitOpenError, MemoryStore, loggerNotifier, retry } from 'breakwater';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleAll,
  retry as retryPolicy,
  wrap,
} from 'cockatiel';
import Opossum from 'opossum';

/** Failures that open each library's breaker, and how long it stays open. */
const threshold = 5;
const coolOff = 60_000;

/** How long the breakers of the refusal cases stay open: longer than any run. */
const longCoolOff = 24 * 3_600_000;

/** The guarded function: a resolved native promise, as an `async` function gives. */
const call = async () => 1;

const failing = async () => {
  throw new Error('down');
};

/**
 * @typedef {object} GuardCase
 * @property {string} id `library.path`
 * @property {'bare' | 'breakwater' | 'opossum' | 'cockatiel'} library
 * @property {'bare' | 'success' | 'retry' | 'refusal'} path
 * @property {(calls: number) => Promise<void>} loop
 */

/**
 * Builds every case, each breaker made once, before any clock runs.
 *
 * @returns {Promise<{ cases: GuardCase[], close: () => void }>}
 */
export async function guardCases() {
  const store = new MemoryStore();
  const breakwater = new CircuitBreaker('bench:success', { store, threshold, coolOff });
  const breakwaterLogged = new CircuitBreaker('bench:logged', {
    store,
    threshold,
    coolOff,
    notifiers: [loggerNotifier({ info: () => undefined, warn: () => undefined })],
  });
  const breakwaterOpen = new CircuitBreaker('bench:refusal', {
    store,
    threshold: 1,
    coolOff: longCoolOff,
  });
  await breakwaterOpen.run(failing).catch(() => undefined);

  const opossum = new Opossum(call);
  const opossumOpen = new Opossum(call, { resetTimeout: longCoolOff });
  opossumOpen.open();

  const cockatiel = circuitBreaker(handleAll, {
    halfOpenAfter: coolOff,
    breaker: new ConsecutiveBreaker(threshold),
  });
  const cockatielRetry = wrap(
    retryPolicy(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
    circuitBreaker(handleAll, {
      halfOpenAfter: coolOff,
      breaker: new ConsecutiveBreaker(threshold),
    }),
  );
  const cockatielOpen = circuitBreaker(handleAll, {
    halfOpenAfter: longCoolOff,
    breaker: new ConsecutiveBreaker(1),
  });
  await cockatielOpen.execute(failing).catch(() => undefined);

  /** @type {GuardCase[]} */
  const cases = [
    {
      id: 'bare.bare',
      library: 'bare',
      path: 'bare',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await call();
      },
    },
    {
      id: 'breakwater.success',
      library: 'breakwater',
      path: 'success',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await breakwater.run(call);
      },
    },
    {
      // With a notifier every call is reported (a `call` event), as a service that logs would run.
      id: 'breakwater.logged',
      library: 'breakwater',
      path: 'success',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await breakwaterLogged.run(call);
      },
    },
    {
      id: 'opossum.success',
      library: 'opossum',
      path: 'success',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await opossum.fire();
      },
    },
    {
      id: 'cockatiel.success',
      library: 'cockatiel',
      path: 'success',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await cockatiel.execute(call);
      },
    },
    {
      // Retry inside the breaker, as the README shows: one exhausted retry is one failure.
      id: 'breakwater.retry',
      library: 'breakwater',
      path: 'retry',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) {
          await breakwater.run(() => retry(call, { attempts: 3 }));
        }
      },
    },
    {
      id: 'cockatiel.retry',
      library: 'cockatiel',
      path: 'retry',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) await cockatielRetry.execute(call);
      },
    },
    {
      id: 'breakwater.refusal',
      library: 'breakwater',
      path: 'refusal',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) {
          try {
            await breakwaterOpen.run(call);
          } catch (error) {
            if (error instanceof CircuitOpenError) continue;
            throw error;
          }

          throw new Error('Breakwater let a call through while open');
        }
      },
    },
    {
      id: 'opossum.refusal',
      library: 'opossum',
      path: 'refusal',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) {
          try {
            await opossumOpen.fire();
          } catch (error) {
            if (/** @type {{ code?: string }} */ (error).code === 'EOPENBREAKER') continue;
            throw error;
          }

          throw new Error('opossum let a call through while open');
        }
      },
    },
    {
      id: 'cockatiel.refusal',
      library: 'cockatiel',
      path: 'refusal',
      loop: async (calls) => {
        for (let i = 0; i < calls; i += 1) {
          try {
            await cockatielOpen.execute(call);
          } catch (error) {
            if (error instanceof BrokenCircuitError) continue;
            throw error;
          }

          throw new Error('cockatiel let a call through while open');
        }
      },
    },
  ];

  return {
    cases,
    close: () => {
      opossum.shutdown();
      opossumOpen.shutdown();
    },
  };
}
