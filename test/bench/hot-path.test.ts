/**
 * The breaker's fastest paths, taken only with no run options and no notifiers (every other
 * breaker test has a notifier, so it goes the general way): they must behave exactly like it.
 */
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  MemoryStore,
  isCircuitOpenError,
  type CircuitBreakerOptions,
} from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';

class Upstream503 extends Error {
  override name = 'Upstream503';
}

class Invalid extends Error {
  override name = 'Invalid';
}

function setup(options: CircuitBreakerOptions = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const breaker = new CircuitBreaker('stripe:create_refund', { store, clock, ...options });
  return { clock, store, breaker };
}

const failure = (): Promise<never> => Promise.reject(new Upstream503('Stripe 503'));

describe('a breaker with no notifiers and no run options', () => {
  it('resolves to what fn gives: a promise, a plain value or a thenable', async () => {
    const { breaker } = setup();
    const thenable: PromiseLike<string> = {
      then: (onFulfilled, onRejected) => Promise.resolve('then').then(onFulfilled, onRejected),
    };
    await expect(breaker.run(() => Promise.resolve('promise'))).resolves.toBe('promise');
    await expect(breaker.run(() => 'plain')).resolves.toBe('plain');
    await expect(breaker.run(() => thenable)).resolves.toBe('then');
  });

  it('always answers with a native promise, even when fn returns a Promise subclass', async () => {
    class Tracked<T> extends Promise<T> {}
    const { breaker } = setup();
    const answer = breaker.run(() => Tracked.resolve(7));
    expect(answer.constructor).toBe(Promise);
    await expect(answer).resolves.toBe(7);
  });

  it('hands fn a context without a signal', async () => {
    const { breaker } = setup();
    const contexts: unknown[] = [];
    await breaker.run((context) => contexts.push(context));
    expect(contexts).toEqual([{ signal: undefined }]);
  });

  it('rejects with the very error, counts it, and opens at the threshold', async () => {
    const { breaker, store } = setup({ threshold: 2 });
    const error = new Upstream503('Stripe 503');
    await expect(breaker.run(() => Promise.reject(error))).rejects.toBe(error);
    expect(store.snapshot(breaker.name)).toMatchObject({
      state: 'closed',
      failures: 1,
      lastError: { name: 'Upstream503', message: 'Stripe 503' },
    });

    await expect(
      breaker.run(() => {
        throw new Upstream503('thrown');
      }),
    ).rejects.toThrow('thrown');
    expect(await breaker.state()).toBe('open');
  });

  it('turns a synchronous throw into a rejection, never a throw from run()', async () => {
    const { breaker } = setup();
    let answer: Promise<unknown> | undefined;
    expect(() => {
      answer = breaker.run(() => {
        throw new Upstream503('sync');
      });
    }).not.toThrow();
    await expect(answer).rejects.toBeInstanceOf(Upstream503);
  });

  it('re-throws an error that is not a failure untouched, counting a success', async () => {
    const { breaker, store } = setup({ threshold: 2, skippedErrors: [Invalid] });
    const invalid = new Invalid('card declined');
    await expect(breaker.run(failure)).rejects.toBeInstanceOf(Upstream503);
    await expect(breaker.run(() => Promise.reject(invalid))).rejects.toBe(invalid);
    expect(store.snapshot(breaker.name)?.failures).toBe(0);

    await expect(breaker.run(failure)).rejects.toBeInstanceOf(Upstream503);
    expect(await breaker.state()).toBe('closed');
  });

  it('lets isFailure decide on the fast path too', async () => {
    const { breaker } = setup({ threshold: 1, isFailure: (error) => error instanceof Upstream503 });
    await expect(breaker.run(() => Promise.reject(new Invalid('no')))).rejects.toThrow('no');
    expect(await breaker.state()).toBe('closed');
    await expect(breaker.run(failure)).rejects.toThrow('Stripe 503');
    expect(await breaker.state()).toBe('open');
  });

  it('resets the count on a success after failures, then runs fast again', async () => {
    const { breaker, store } = setup({ threshold: 3 });
    await expect(breaker.run(failure)).rejects.toThrow();
    await expect(breaker.run(failure)).rejects.toThrow();
    await expect(breaker.run(() => 'ok')).resolves.toBe('ok');
    expect(store.snapshot(breaker.name)?.failures).toBe(0);

    await expect(breaker.run(failure)).rejects.toThrow();
    await expect(breaker.run(failure)).rejects.toThrow();
    expect(await breaker.state()).toBe('closed');
  });

  it('refuses while open with a full CircuitOpenError, without running fn', async () => {
    const { breaker, clock } = setup({ threshold: 1, coolOff: 30_000 });
    await expect(breaker.run(failure)).rejects.toThrow();

    let ran = false;
    const refusal = (await breaker
      .run(() => {
        ran = true;
      })
      .catch((error: unknown) => error)) as CircuitOpenError;
    expect(ran).toBe(false);
    expect(refusal).toBeInstanceOf(CircuitOpenError);
    expect(refusal).toBeInstanceOf(Error);
    expect(Object.getPrototypeOf(refusal)).toBe(CircuitOpenError.prototype);
    expect(refusal.constructor).toBe(CircuitOpenError);
    expect(isCircuitOpenError(refusal)).toBe(true);
    expect(refusal).toMatchObject({
      name: 'CircuitOpenError',
      code: 'ERR_CIRCUIT_OPEN',
      breaker: 'stripe:create_refund',
      state: 'open',
      locked: false,
    });
    expect(refusal.retryAt).toEqual(new Date(clock.now() + 30_000));
    expect(refusal.message).toBe(
      `breaker stripe:create_refund is open; next probe at ${refusal.retryAt!.toISOString()}`,
    );
    expect(Object.keys(refusal).sort()).toEqual(['breaker', 'locked', 'retryAt', 'state']);
  });

  it('settles a refusal after the caller can attach its handler, and still rejects', async () => {
    const { breaker } = setup({ threshold: 1 });
    await breaker.lock('open');
    const settled: string[] = [];
    const refused = breaker
      .run(() => 'never')
      .then(
        () => settled.push('resolved'),
        (error: unknown) => settled.push(isCircuitOpenError(error) ? 'refused' : 'other'),
      );
    expect(settled).toEqual([]);
    await refused;
    expect(settled).toEqual(['refused']);
  });

  it('probes after the cool-off and closes on success', async () => {
    const { breaker, clock } = setup({ threshold: 1, coolOff: 1_000 });
    await expect(breaker.run(failure)).rejects.toThrow();
    clock.advance(1_000);
    expect(await breaker.state()).toBe('half-open');
    await expect(breaker.run(() => 'recovered')).resolves.toBe('recovered');
    expect(await breaker.state()).toBe('closed');
    await expect(breaker.run(() => 'fast again')).resolves.toBe('fast again');
  });
});
