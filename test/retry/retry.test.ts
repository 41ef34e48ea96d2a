import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, retry, type RetryEvent } from 'breakwater';

class Flaky extends Error {
  override name = 'Flaky';
  constructor(
    message: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

describe('backoff', () => {
  it('doubles from baseDelay and caps at maxDelay', () => {
    const delay = backoff({ baseDelay: 100, maxDelay: 1_000, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map(delay)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads delays with full and equal jitter', () => {
    const full = backoff({ baseDelay: 100, maxDelay: 1_000, jitter: 'full', random: () => 0.25 });
    const equal = backoff({ baseDelay: 100, maxDelay: 1_000, jitter: 'equal', random: () => 0.25 });
    expect([1, 2, 3].map(full)).toEqual([25, 50, 100]);
    expect([1, 2, 3].map(equal)).toEqual([62.5, 125, 250]);
  });

  it('stays within [0, cap] for any random source value', () => {
    const delay = backoff({ baseDelay: 200, maxDelay: 5_000 });
    for (let retryNumber = 1; retryNumber < 40; retryNumber += 1) {
      const value = delay(retryNumber);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(5_000);
    }
  });

  it('rejects bad options by name', () => {
    expect(() => backoff({ baseDelay: -1 })).toThrow(
      'baseDelay must be between 0 and 2147483647 milliseconds, received -1',
    );
    expect(() => backoff({ jitter: 'some' as 'full' })).toThrow(
      'jitter must be "full", "equal" or "none", received "some"',
    );
  });
});

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('tries `attempts` times in all and throws the last error itself', async () => {
    const errors = [new Flaky('one'), new Flaky('two'), new Flaky('three')];
    const attempts: number[] = [];
    const running = retry(
      ({ attempt }) => {
        attempts.push(attempt);
        return Promise.reject(errors[attempt - 1]!);
      },
      { attempts: 3, baseDelay: 100, jitter: 'none' },
    );
    const outcome = running.catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    expect(await outcome).toBe(errors[2]);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('waits the backoff between tries, reporting each retry', async () => {
    const events: RetryEvent[] = [];
    let calls = 0;
    const running = retry(
      () => {
        calls += 1;
        if (calls < 3) throw new Flaky(`try ${calls}`);
        return 'done';
      },
      {
        attempts: 5,
        baseDelay: 100,
        maxDelay: 1_000,
        jitter: 'none',
        onRetry: (e) => events.push(e),
      },
    );
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(running).resolves.toBe('done');
    expect(events.map(({ attempt, delay }) => ({ attempt, delay }))).toEqual([
      { attempt: 1, delay: 100 },
      { attempt: 2, delay: 200 },
    ]);
  });

  it('waits at least an error’s retryAfter', async () => {
    let calls = 0;
    const running = retry(
      () => {
        calls += 1;
        if (calls === 1) throw new Flaky('429', 1_500);
        return 'ok';
      },
      { baseDelay: 10, maxDelay: 2_000, jitter: 'none' },
    );
    await vi.advanceTimersByTimeAsync(1_499);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(running).resolves.toBe('ok');
  });

  it('gives up at once when retryAfter is longer than maxDelay', async () => {
    const slowDown = new Flaky('429', 60_000);
    let calls = 0;
    const running = retry(
      () => {
        calls += 1;
        throw slowDown;
      },
      { maxDelay: 5_000 },
    );
    await expect(running).rejects.toBe(slowDown);
    expect(calls).toBe(1);
  });

  it('stops when shouldRetry says no', async () => {
    const fatal = new Flaky('400');
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          throw fatal;
        },
        { shouldRetry: (error) => (error as Error).message !== '400' },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('stops the wait at once on abort, with the abort reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const running = retry(
      () => {
        calls += 1;
        throw new Flaky('503');
      },
      { baseDelay: 10_000, jitter: 'none', signal: controller.signal },
    );
    const outcome = running.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('shutting down'));
    expect(await outcome).toEqual(new Error('shutting down'));
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not start when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    const fn = vi.fn(() => 'x');
    await expect(retry(fn, { signal: controller.signal })).rejects.toThrow('too late');
    expect(fn).not.toHaveBeenCalled();
  });

  it('rejects bad options by name', async () => {
    await expect(retry(() => 1, { attempts: 0 })).rejects.toThrow(
      'attempts must be an integer of at least 1, received 0',
    );
    await expect(retry(() => 1, { shouldRetry: 'yes' as never })).rejects.toThrow(
      'shouldRetry must be a function, received "yes"',
    );
    await expect(retry(null as never)).rejects.toThrow('fn must be a function, received null');
  });
});
