/**
 * The store contract suite: every store (memory, Redis, Redis Cluster, PostgreSQL) runs through
 * these same tests. A store whose clock cannot be faked (a server's) runs them in real time with
 * a small `unit`; durations below are multiples of it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitOpenError,
  type BreakerEvent,
  type BreakerSettings,
  type BreakerStore,
  type CircuitBreakerOptions,
} from 'breakwater';

export interface StoreHarness {
  /** A store for the suite; names are unique per test, so one store may serve them all. */
  readonly store: BreakerStore;
  /** Moves the store's clock forward (fake clock) or waits (server clock). */
  advance(ms: number): Promise<void>;
  /** The suite's time unit in milliseconds. */
  readonly unit: number;
  close?(): Promise<void>;
}

class Boom extends Error {
  override name = 'Boom';
}

class NotFound extends Error {
  override name = 'NotFound';
}

const fail = (): Promise<never> => Promise.reject(new Boom('upstream said 503'));
const succeed = (): Promise<string> => Promise.resolve('ok');

/** A breaker's settings with the core's defaults, for tests that call a store directly. */
export const settingsOf = (overrides: Partial<BreakerSettings>): BreakerSettings => ({
  threshold: 3,
  window: 0,
  coolOff: 60_000,
  recoveryThreshold: 1,
  errorRate: 0,
  minimumCalls: 10,
  probes: 1,
  probeTimeout: 60_000,
  ...overrides,
});

export function describeStoreContract(label: string, open: () => Promise<StoreHarness>): void {
  describe(`store contract: ${label}`, () => {
    let harness: StoreHarness;
    let u: number;

    beforeAll(async () => {
      harness = await open();
      u = harness.unit;
    });

    afterAll(async () => {
      await harness.close?.();
    });

    const uniqueName = (base: string): string => `${base} ${randomUUID().slice(0, 8)}`;

    function breaker(
      base: string,
      options: CircuitBreakerOptions = {},
    ): { breaker: CircuitBreaker; events: BreakerEvent[] } {
      const events: BreakerEvent[] = [];
      const instance = new CircuitBreaker(uniqueName(base), {
        coolOff: 10 * u,
        probeTimeout: 100 * u,
        ...options,
        store: harness.store,
        notifiers: [{ notify: (event) => events.push(event) }],
      });
      return { breaker: instance, events };
    }

    const transitions = (events: BreakerEvent[]): string[] =>
      events.flatMap((event) =>
        event.type === 'transition' ? [`${event.from} -> ${event.to}`] : [],
      );

    it('opens after threshold consecutive failures and refuses at once', async () => {
      const { breaker: b, events } = breaker('twilio:send_sms', { threshold: 3 });
      let calls = 0;
      const failing = (): Promise<never> => {
        calls += 1;
        return fail();
      };

      for (let i = 0; i < 3; i += 1) await expect(b.run(failing)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');

      const refusal = await b.run(failing).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect((refusal as CircuitOpenError).breaker).toBe(b.name);
      expect((refusal as CircuitOpenError).retryAt).toBeInstanceOf(Date);
      expect(calls).toBe(3);
      expect(transitions(events)).toEqual(['closed -> open']);
      const opened = events.find((event) => event.type === 'transition');
      expect(opened?.type === 'transition' && opened.error).toBeInstanceOf(Boom);
    });

    it('a success resets the consecutive failure count', async () => {
      const { breaker: b } = breaker('stripe:get_customer', { threshold: 3 });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(succeed)).resolves.toBe('ok');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
    });

    it('counts only failures inside the window', async () => {
      const { breaker: b } = breaker('vapi:get_call', { threshold: 2, window: 5 * u });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await harness.advance(6 * u);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
      expect((await harness.store.snapshot(b.name))?.failures).toBe(1);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
    });

    it('trips on the error rate once minimumCalls fell in the window, at >=', async () => {
      const { breaker: b, events } = breaker('stripe:create_customer', {
        errorRate: 0.5,
        minimumCalls: 4,
        window: 50 * u,
      });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
      await expect(b.run(succeed)).resolves.toBe('ok');
      await expect(b.run(succeed)).resolves.toBe('ok');
      await expect(b.run(succeed)).resolves.toBe('ok');
      // 3 failures of 6 calls: 50%, but a success never trips; the next failure makes 4/7.
      expect(await b.state()).toBe('closed');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
      expect(transitions(events)).toEqual(['closed -> open']);
    });

    it('does not trip on the error rate below it', async () => {
      const { breaker: b } = breaker('stripe:get_subscription', {
        errorRate: 0.5,
        minimumCalls: 4,
        window: 50 * u,
      });
      for (let i = 0; i < 6; i += 1) await b.run(succeed);
      for (let i = 0; i < 5; i += 1) await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
    });

    it('treats skipped errors as successes and re-throws them untouched', async () => {
      const { breaker: b } = breaker('stripe:get_payment_intent', {
        threshold: 2,
        skippedErrors: [NotFound],
      });
      const notFound = new NotFound('no such payment intent');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(() => Promise.reject(notFound))).rejects.toBe(notFound);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
    });

    it('moves to half-open after the cool-off and closes after recoveryThreshold probes', async () => {
      const { breaker: b, events } = breaker('twilio:make_call', {
        threshold: 1,
        recoveryThreshold: 2,
      });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
      await harness.advance(11 * u);
      expect(await b.state()).toBe('half-open');
      await expect(b.run(succeed)).resolves.toBe('ok');
      expect(await b.state()).toBe('half-open');
      await expect(b.run(succeed)).resolves.toBe('ok');
      expect(await b.state()).toBe('closed');
      expect(transitions(events)).toEqual([
        'closed -> open',
        'open -> half-open',
        'half-open -> closed',
      ]);
    });

    it('reopens with a fresh cool-off when a probe fails', async () => {
      const { breaker: b, events } = breaker('vapi:start_call', { threshold: 1 });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await harness.advance(11 * u);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
      const refusal = (await b.run(succeed).catch((error: unknown) => error)) as CircuitOpenError;
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect(refusal.retryAt!.getTime()).toBeGreaterThan(Date.now() + 5 * u - 1000);
      expect(transitions(events)).toEqual([
        'closed -> open',
        'open -> half-open',
        'half-open -> open',
      ]);
    });

    it('lets exactly `probes` calls through at once when half-open', async () => {
      for (const probes of [1, 3]) {
        const { breaker: b, events } = breaker('twilio:provision_number', { threshold: 1, probes });
        await expect(b.run(fail)).rejects.toThrow(Boom);
        await harness.advance(11 * u);

        let running = 0;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => {
          release = resolve;
        });
        const slow = async (): Promise<string> => {
          running += 1;
          await gate;
          return 'ok';
        };
        let refused = 0;
        const results = Array.from({ length: 20 }, () =>
          b.run(slow).then(
            () => 'ran',
            (error: unknown) => {
              if (!(error instanceof CircuitOpenError)) return 'other';
              refused += 1;
              return 'refused';
            },
          ),
        );
        // Wait until every call is decided (admitted or refused) before the probes finish, so
        // a slow store cannot admit a late call after the probe closed the breaker.
        while (running + refused < 20) await new Promise((resolve) => setTimeout(resolve, 1));
        await new Promise((resolve) => setTimeout(resolve, 20));
        expect(running).toBe(probes);
        release();
        const settled = await Promise.all(results);
        expect(settled.filter((r) => r === 'ran')).toHaveLength(probes);
        expect(settled.filter((r) => r === 'refused')).toHaveLength(20 - probes);
        expect(transitions(events)).toEqual([
          'closed -> open',
          'open -> half-open',
          'half-open -> closed',
        ]);
      }
    });

    it('frees a probe slot whose lease expired (a crashed prober)', async () => {
      const store = harness.store;
      const name = uniqueName('stripe:cancel_subscription');
      const settings = settingsOf({ threshold: 1, coolOff: 10 * u, probeTimeout: 20 * u });
      expect((await store.admit(name, settings)).admitted).toBe(true);
      const tripped = await store.record(name, settings, { kind: 'failure', probe: false });
      expect(tripped.transition).toMatchObject({ from: 'closed', to: 'open' });
      await harness.advance(11 * u);

      const first = await store.admit(name, settings);
      expect(first).toMatchObject({ admitted: true, probe: true });
      const second = await store.admit(name, settings);
      expect(second.admitted).toBe(false);
      await harness.advance(21 * u);
      const third = await store.admit(name, settings);
      expect(third).toMatchObject({ admitted: true, probe: true });
      // The crashed prober's late answer no longer decides anything.
      const late = await store.record(name, settings, {
        kind: 'success',
        probe: true,
        lease: first.lease,
      });
      expect(late.transition).toBeUndefined();
      const decided = await store.record(name, settings, {
        kind: 'success',
        probe: true,
        lease: third.lease,
      });
      expect(decided.transition).toMatchObject({ from: 'half-open', to: 'closed' });
    });

    it('frees the probe slot when the probe is cancelled', async () => {
      const store = harness.store;
      const name = uniqueName('vapi:update_assistant');
      const settings = settingsOf({ threshold: 1, coolOff: 10 * u });
      await store.admit(name, settings);
      await store.record(name, settings, { kind: 'failure', probe: false });
      await harness.advance(11 * u);
      const probe = await store.admit(name, settings);
      expect(probe.probe).toBe(true);
      expect((await store.admit(name, settings)).admitted).toBe(false);
      await store.record(name, settings, { kind: 'cancel', probe: true, lease: probe.lease });
      expect(await store.admit(name, settings)).toMatchObject({ admitted: true, probe: true });
    });

    it('answers that a success need not be recorded on a closed breaker with nothing counted', async () => {
      const store = harness.store;
      const name = uniqueName('vapi:get_call');
      const settings = settingsOf({ threshold: 3 });
      expect((await store.admit(name, settings)).recordSuccess).toBe(false);
      await store.record(name, settings, { kind: 'failure', probe: false });
      expect((await store.admit(name, settings)).recordSuccess).toBe(true);
      await store.record(name, settings, { kind: 'success', probe: false });
      expect((await store.admit(name, settings)).recordSuccess).toBe(false);
    });

    it('lets a lock beat every rule, and records while locked closed', async () => {
      const { breaker: b, events } = breaker('twilio:get_call', { threshold: 1 });
      await b.lock('open');
      expect(await b.state()).toBe('open');
      const refusal = (await b.run(succeed).catch((error: unknown) => error)) as CircuitOpenError;
      expect(refusal).toBeInstanceOf(CircuitOpenError);
      expect(refusal.locked).toBe(true);
      expect(refusal.retryAt).toBeUndefined();

      await b.lock('closed');
      await expect(b.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('closed');
      const snapshot = await harness.store.snapshot(b.name);
      expect(snapshot?.locked).toBe('closed');
      expect(snapshot?.lastError).toMatchObject({ name: 'Boom', message: 'upstream said 503' });

      await b.unlock();
      expect((await harness.store.snapshot(b.name))?.locked).toBeUndefined();
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await b.state()).toBe('open');
      expect(transitions(events)).toEqual(['closed -> open']);
    });

    it('lists every breaker from its first call, locked ones and odd names included', async () => {
      const { breaker: used } = breaker('stripe: create checkout session');
      await used.run(succeed);
      const locked = new CircuitBreaker(uniqueName('twilio:send sms:urgent'), {
        store: harness.store,
      });
      await locked.lock('open');
      const names = await harness.store.names();
      expect(names).toContain(used.name);
      expect(names).toContain(locked.name);
      expect(await harness.store.snapshot(uniqueName('never used'))).toBeUndefined();
      await locked.unlock();
    });

    it('keeps the settings each breaker last ran with, and its last error', async () => {
      const { breaker: b } = breaker('vapi:create_assistant', { threshold: 4, coolOff: 7 * u });
      await expect(b.run(fail)).rejects.toThrow(Boom);
      const snapshot = await harness.store.snapshot(b.name);
      expect(snapshot).toMatchObject({
        name: b.name,
        state: 'closed',
        ruleState: 'closed',
        failures: 1,
        lastError: { name: 'Boom', message: 'upstream said 503' },
        settings: { threshold: 4, coolOff: 7 * u },
      });
      expect(typeof snapshot?.lastError?.at).toBe('number');
    });

    it('reports a transition once when two breakers share a name', async () => {
      const name = uniqueName('twilio:send_sms');
      const events: BreakerEvent[] = [];
      const make = (): CircuitBreaker =>
        new CircuitBreaker(name, {
          threshold: 2,
          coolOff: 10 * u,
          store: harness.store,
          notifiers: [{ notify: (event) => events.push(event) }],
        });
      const a = make();
      const b = make();
      await expect(a.run(fail)).rejects.toThrow(Boom);
      await expect(b.run(fail)).rejects.toThrow(Boom);
      expect(await a.state()).toBe('open');
      await expect(a.run(succeed)).rejects.toThrow(CircuitOpenError);
      expect(transitions(events)).toEqual(['closed -> open']);
    });
  });
}
