/**
 * Bad input, fuzzed: every public option and argument of the core gets wrong types, NaN,
 * negatives, huge values, empty and unicode strings. Each must be refused with a TypeError or
 * RangeError naming the field, with nothing written to the store and nothing crashing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  FailSafeStore,
  MemoryStore,
  backoff,
  loggerNotifier,
  retry,
} from 'breakwater';

const nasty = fc.oneof(
  fc.anything(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    0,
    -0,
    0.5,
    1e308,
    2 ** 53,
    '',
    '3',
    '☎️',
    'x'.repeat(10_000),
    null,
    undefined,
    [],
    {},
    () => 1,
    Symbol('s'),
    10n,
  ),
);

type Oracle = (value: unknown) => boolean;

const positiveInteger: Oracle = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
const duration =
  (min: number): Oracle =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= 2_147_483_647;
const fn: Oracle = (v) => typeof v === 'function';
const optional =
  (oracle: Oracle): Oracle =>
  (v) =>
    v === undefined || oracle(v);

const breakerOptions: Record<string, Oracle> = {
  threshold: optional(positiveInteger),
  recoveryThreshold: optional(positiveInteger),
  minimumCalls: optional(positiveInteger),
  probes: optional(positiveInteger),
  coolOff: optional(duration(0)),
  window: optional(duration(1)),
  probeTimeout: optional(duration(1)),
  isFailure: optional(fn),
};

function expectNamedError(run: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }

  expect(thrown, `${field} was accepted`).toBeDefined();
  expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
  expect((thrown as Error).message).toContain(field);
}

describe('bad input to the core', () => {
  it('every breaker option: valid values work, invalid ones are refused by name', () => {
    for (const [option, valid] of Object.entries(breakerOptions)) {
      fc.assert(
        fc.property(nasty, (value) => {
          const store = new MemoryStore();
          const make = () => new CircuitBreaker('fuzz', { store, [option]: value });
          if (valid(value)) expect(make().name).toBe('fuzz');
          else expectNamedError(make, option);
          expect(store.names()).toEqual([]);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('errorRate: a fraction in (0, 1] with a window, else refused by name', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const make = () =>
          new CircuitBreaker('fuzz', { errorRate: value as number, window: 1_000 });
        const valid = typeof value === 'number' && value > 0 && value <= 1;
        if (valid || value === undefined) expect(make().name).toBe('fuzz');
        else expectNamedError(make, 'errorRate');
      }),
      { numRuns: 300 },
    );
  });

  it('names: any string of 1 to 256 printable characters, else refused', () => {
    fc.assert(
      fc.property(fc.oneof(nasty, fc.string({ unit: 'grapheme', maxLength: 300 })), (name) => {
        const store = new MemoryStore();
        const make = () => new CircuitBreaker(name as string, { store });
        const valid =
          typeof name === 'string' &&
          name.length >= 1 &&
          name.length <= 256 &&
          name !== '.' &&
          name !== '..' &&
          // eslint-disable-next-line no-control-regex
          !/[\u0000-\u001f\u007f]/.test(name);
        if (valid) expect(make().name).toBe(name);
        else expectNamedError(make, 'name');
        expect(store.names()).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('store, notifiers, trackedErrors, skippedErrors and clock are checked by shape', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        for (const option of ['store', 'notifiers', 'trackedErrors', 'skippedErrors', 'clock']) {
          if (value === undefined) continue;
          if (
            Array.isArray(value) &&
            value.length === 0 &&
            option !== 'store' &&
            option !== 'clock'
          )
            continue;
          expectNamedError(() => new CircuitBreaker('fuzz', { [option]: value }), option);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('run(): a bad fn, fallback or signal rejects by name and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, async (value) => {
        const store = new MemoryStore();
        const breaker = new CircuitBreaker('fuzz', { store });
        if (typeof value !== 'function') {
          await expect(breaker.run(value as never)).rejects.toThrow(/^fn must be a function/);
        }

        if (value !== undefined && typeof value !== 'function') {
          await expect(breaker.run(() => 1, { fallback: value as never })).rejects.toThrow(
            /fallback/,
          );
        }

        if (value !== undefined && !(value instanceof AbortSignal)) {
          await expect(breaker.run(() => 1, { signal: value as never })).rejects.toThrow(/signal/);
        }

        expect(store.names()).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('lock(): anything but "open" or "closed" is refused and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, async (value) => {
        const store = new MemoryStore();
        const breaker = new CircuitBreaker('fuzz', { store });
        if (value === 'open' || value === 'closed') return;
        await expect(breaker.lock(value as 'open')).rejects.toThrow(/^state must be/);
        expect(store.names()).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('retry() and backoff(): every option refused by name', async () => {
    const retryOptions: Record<string, Oracle> = {
      attempts: optional(positiveInteger),
      baseDelay: optional(duration(0)),
      maxDelay: optional(duration(0)),
      shouldRetry: optional(fn),
      onRetry: optional(fn),
    };
    for (const [option, valid] of Object.entries(retryOptions)) {
      await fc.assert(
        fc.asyncProperty(nasty, async (value) => {
          let calls = 0;
          const running = retry(
            () => {
              calls += 1;
              return 'ok';
            },
            { [option]: value },
          );
          if (valid(value)) {
            await expect(running).resolves.toBe('ok');
          } else {
            await expect(running).rejects.toThrow(option);
            expect(calls).toBe(0);
          }
        }),
        { numRuns: 100 },
      );
    }

    fc.assert(
      fc.property(nasty, (value) => {
        if (value === undefined || value === 'full' || value === 'equal' || value === 'none')
          return;
        expectNamedError(() => backoff({ jitter: value as 'full' }), 'jitter');
      }),
    );
  });

  it('FailSafeStore and loggerNotifier check their arguments', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const valid = duration(1)(value) || value === undefined;
        const make = () => new FailSafeStore(new MemoryStore(), { timeout: value as number });
        if (valid) expect(make()).toBeInstanceOf(FailSafeStore);
        else expectNamedError(make, 'timeout');
        if (typeof value !== 'object' || value === null) {
          expectNamedError(() => loggerNotifier(value as never), 'logger');
        }
      }),
      { numRuns: 200 },
    );
  });
});
