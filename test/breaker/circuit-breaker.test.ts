import { describe, expect, it, vi } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  MemoryStore,
  isBreakwaterError,
  isCircuitOpenError,
  type BreakerEvent,
  type BreakerStore,
  type CircuitBreakerOptions,
} from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';

class Upstream503 extends Error {
  override name = 'Upstream503';
}

class Invalid extends Error {
  override name = 'Invalid';
}

const fail = (): Promise<never> =>
  Promise.reject(new Upstream503('Twilio 503 Service Unavailable'));

function setup(options: CircuitBreakerOptions = {}) {
  const clock = new FakeClock();
  const store = new MemoryStore({ clock });
  const events: BreakerEvent[] = [];
  const breaker = new CircuitBreaker('twilio:send_sms', {
    store,
    clock,
    notifiers: [{ notify: (event) => events.push(event) }],
    ...options,
  });
  return { clock, store, events, breaker };
}

describe('CircuitBreaker', () => {
  it('has the documented defaults: threshold 3, cool-off 60 s, one probe', () => {
    const { breaker } = setup();
    expect(breaker.settings).toMatchObject({
      threshold: 3,
      coolOff: 60_000,
      recoveryThreshold: 1,
      probes: 1,
      probeTimeout: 60_000,
      minimumCalls: 10,
      window: 0,
      errorRate: 0,
    });
  });

  it('passes values and the caller signal through, and accepts plain values', async () => {
    const { breaker } = setup();
    const controller = new AbortController();
    const seen: (AbortSignal | undefined)[] = [];
    await expect(
      breaker.run(
        ({ signal }) => {
          seen.push(signal);
          return 42;
        },
        { signal: controller.signal },
      ),
    ).resolves.toBe(42);
    expect(seen).toEqual([controller.signal]);
  });

  it('turns a synchronous throw into a counted failure', async () => {
    const { breaker } = setup({ threshold: 1 });
    await expect(
      breaker.run(() => {
        throw new Upstream503('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await breaker.state()).toBe('open');
  });

  it('emits one transition event with the documented shape', async () => {
    const { breaker, events, clock } = setup({ threshold: 1 });
    await expect(breaker.run(fail)).rejects.toThrow(Upstream503);
    const transitions = events.filter((event) => event.type === 'transition');
    expect(transitions).toEqual([
      {
        type: 'transition',
        breaker: 'twilio:send_sms',
        from: 'closed',
        to: 'open',
        error: expect.any(Upstream503) as unknown,
        at: new Date(clock.now()),
      },
    ]);
  });

  it('refuses with a CircuitOpenError that carries the name and next probe time', async () => {
    const { breaker, clock } = setup({ threshold: 1, coolOff: 30_000 });
    await expect(breaker.run(fail)).rejects.toThrow(Upstream503);
    const fn = vi.fn(() => 'never');
    const error = (await breaker.run(fn).catch((caught: unknown) => caught)) as CircuitOpenError;
    expect(fn).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toBeInstanceOf(Error);
    expect(isCircuitOpenError(error)).toBe(true);
    expect(isBreakwaterError(error)).toBe(true);
    expect(error.name).toBe('CircuitOpenError');
    expect(error.code).toBe('ERR_CIRCUIT_OPEN');
    expect(error.breaker).toBe('twilio:send_sms');
    expect(error.retryAt).toEqual(new Date(clock.now() + 30_000));
    expect(error.message).toBe(
      `breaker twilio:send_sms is open; next probe at ${new Date(clock.now() + 30_000).toISOString()}`,
    );
    expect(error.stack).toContain('CircuitOpenError: breaker twilio:send_sms is open');
  });

  it('builds a CircuitOpenError by hand with a stack and the same fields', () => {
    const error = new CircuitOpenError('stripe:get_customer', { locked: true });
    expect(error.message).toBe('breaker stripe:get_customer is locked open');
    expect(error.stack).toMatch(/circuit-breaker\.test/);
    expect(error.retryAt).toBeUndefined();
    expect(isCircuitOpenError(new Error('no'))).toBe(false);
  });

  it('serves the fallback with the refusal or with the failure', async () => {
    const { breaker } = setup({ threshold: 1 });
    const reasons: unknown[] = [];
    const fallback = (reason: unknown): string => {
      reasons.push(reason);
      return 'cached';
    };
    await expect(breaker.run(fail, { fallback })).resolves.toBe('cached');
    await expect(breaker.run(() => 'fresh', { fallback })).resolves.toBe('cached');
    expect(reasons[0]).toBeInstanceOf(Upstream503);
    expect(reasons[1]).toBeInstanceOf(CircuitOpenError);
  });

  it('never calls the fallback for a skipped error, which counts as a success', async () => {
    const { breaker } = setup({ threshold: 2, skippedErrors: [Invalid] });
    const fallback = vi.fn(() => 'fallback');
    const invalid = new Invalid('bad phone number');
    await expect(breaker.run(fail, { fallback })).resolves.toBe('fallback');
    await expect(breaker.run(() => Promise.reject(invalid), { fallback })).rejects.toBe(invalid);
    await expect(breaker.run(fail, { fallback })).resolves.toBe('fallback');
    expect(fallback).toHaveBeenCalledTimes(2);
    expect(await breaker.state()).toBe('closed');
  });

  it('counts only trackedErrors, and lets isFailure decide', async () => {
    const tracked = setup({ threshold: 1, trackedErrors: [Upstream503] });
    await expect(tracked.breaker.run(() => Promise.reject(new Invalid('x')))).rejects.toThrow();
    expect(await tracked.breaker.state()).toBe('closed');
    await expect(tracked.breaker.run(fail)).rejects.toThrow();
    expect(await tracked.breaker.state()).toBe('open');

    const decided = setup({
      threshold: 1,
      isFailure: (error) => (error as Error).message.includes('503'),
    });
    await expect(decided.breaker.run(() => Promise.reject(new Error('404')))).rejects.toThrow();
    expect(await decided.breaker.state()).toBe('closed');
    await expect(decided.breaker.run(fail)).rejects.toThrow();
    expect(await decided.breaker.state()).toBe('open');
  });

  it('treats an isFailure that throws as saying yes', async () => {
    const { breaker } = setup({
      threshold: 1,
      isFailure: () => {
        throw new Error('classifier bug');
      },
    });
    await expect(breaker.run(fail)).rejects.toThrow(Upstream503);
    expect(await breaker.state()).toBe('open');
  });

  it('reads half-open once the cool-off has passed, before any probe', async () => {
    const { breaker, clock, events } = setup({ threshold: 1, coolOff: 1_000 });
    await expect(breaker.run(fail)).rejects.toThrow();
    clock.advance(999);
    expect(await breaker.state()).toBe('open');
    clock.advance(1);
    expect(await breaker.state()).toBe('half-open');
    expect(events.filter((event) => event.type === 'transition')).toHaveLength(1);
  });

  it('refuses a call whose signal is already aborted, without running it', async () => {
    const { breaker, store } = setup();
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    const fn = vi.fn(() => 'x');
    await expect(breaker.run(fn, { signal: controller.signal })).rejects.toThrow('caller gave up');
    expect(fn).not.toHaveBeenCalled();
    expect(store.names()).not.toContain(breaker.name);
  });

  it('rejects promptly on an abort mid-call, counting neither success nor failure', async () => {
    const { breaker, store, clock, events } = setup({ threshold: 1, coolOff: 1_000 });
    await expect(breaker.run(fail)).rejects.toThrow();
    clock.advance(1_000);

    const controller = new AbortController();
    const never = new Promise<string>(() => undefined);
    const running = breaker.run(() => never, { signal: controller.signal });
    controller.abort(new Error('user navigated away'));
    await expect(running).rejects.toThrow('user navigated away');

    // The aborted probe freed its slot: the next call is a probe and closes the breaker.
    expect(store.snapshot(breaker.name)?.state).toBe('half-open');
    await expect(breaker.run(() => 'ok')).resolves.toBe('ok');
    expect(await breaker.state()).toBe('closed');
    expect(
      events.filter((e) => e.type === 'call').map((e) => e.type === 'call' && e.outcome),
    ).toEqual(['failure', 'cancelled', 'success']);
  });

  it('does not run a call aborted while an asynchronous store decides, and frees its probe slot', async () => {
    const clock = new FakeClock();
    const memory = new MemoryStore({ clock });
    let release!: () => void;
    const slow: BreakerStore = {
      admit: async (name, settings) => {
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return memory.admit(name, settings);
      },
      record: (name, settings, outcome) => memory.record(name, settings, outcome),
      lock: (name, state) => memory.lock(name, state),
      unlock: (name) => memory.unlock(name),
      snapshot: (name) => memory.snapshot(name),
      names: () => memory.names(),
    };
    const breaker = new CircuitBreaker('vapi:start_call', {
      threshold: 1,
      coolOff: 1_000,
      store: slow,
    });
    memory.admit(breaker.name, breaker.settings);
    memory.record(breaker.name, breaker.settings, { kind: 'failure', probe: false });
    clock.advance(1_000);

    const controller = new AbortController();
    const fn = vi.fn(() => 'called');
    const running = breaker.run(fn, { signal: controller.signal });
    await Promise.resolve();
    controller.abort(new Error('caller left'));
    release();
    await expect(running).rejects.toThrow('caller left');
    expect(fn).not.toHaveBeenCalled();
    // The probe slot the admission claimed was handed back.
    expect(memory.admit(breaker.name, breaker.settings)).toMatchObject({
      admitted: true,
      probe: true,
    });
  });

  it('shares state between breakers of one name through the process-wide default store', async () => {
    const name = `default-store-${Math.random()}`;
    const first = new CircuitBreaker(name, { threshold: 1 });
    const second = new CircuitBreaker(name, { threshold: 1 });
    await expect(first.run(fail)).rejects.toThrow();
    await expect(second.run(() => 'x')).rejects.toBeInstanceOf(CircuitOpenError);
    expect(first.store).toBe(second.store);
  });

  it('keeps the guarded call working when a notifier throws or rejects', async () => {
    const { breaker } = new (class {
      breaker = new CircuitBreaker('vapi:get_call', {
        threshold: 1,
        store: new MemoryStore(),
        notifiers: [
          {
            notify: () => {
              throw new Error('notifier bug');
            },
          },
          { notify: () => Promise.reject(new Error('async notifier bug')) },
        ],
      });
    })();
    await expect(breaker.run(fail)).rejects.toThrow(Upstream503);
    await expect(breaker.run(() => 'x', { fallback: () => 'y' })).resolves.toBe('y');
  });

  it('calls notifiers synchronously, in order, before the call settles', async () => {
    const order: string[] = [];
    const breaker = new CircuitBreaker('stripe:create_customer', {
      threshold: 1,
      store: new MemoryStore(),
      notifiers: [
        { notify: (event) => order.push(`a:${event.type}`) },
        { notify: (event) => order.push(`b:${event.type}`) },
      ],
    });
    await breaker.run(fail).catch(() => order.push('settled'));
    expect(order).toEqual(['a:transition', 'b:transition', 'a:call', 'b:call', 'settled']);
  });

  it('reports locks and unlocks to notifiers', async () => {
    const { breaker, events } = setup();
    await breaker.lock('open');
    await breaker.unlock();
    expect(events.map((event) => event.type === 'lock' && event.state)).toEqual([
      'open',
      undefined,
    ]);
    await expect(breaker.lock('sideways' as 'open')).rejects.toThrow(
      'state must be "open" or "closed", received "sideways"',
    );
  });

  it('rejects a bad fn or bad run options without touching the store', async () => {
    const { breaker, store } = setup();
    await expect(breaker.run('nope' as never)).rejects.toThrow(
      'fn must be a function, received "nope"',
    );
    await expect(breaker.run(() => 1, { fallback: 5 as never })).rejects.toThrow(
      'fallback must be a function, received 5',
    );
    await expect(breaker.run(() => 1, { signal: {} as AbortSignal })).rejects.toThrow(
      'signal must be an AbortSignal, received an object',
    );
    expect(store.names()).toEqual([]);
  });
});
