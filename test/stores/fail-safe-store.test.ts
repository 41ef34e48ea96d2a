import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  FailSafeStore,
  MemoryStore,
  StoreUnavailableError,
  type BreakerEvent,
  type BreakerStore,
} from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';
import { describeStoreContract } from './store-contract.js';

/** A shared store stand-in: a memory store behind a switch that makes it fail or hang. */
class SwitchableStore implements BreakerStore {
  mode: 'up' | 'down' | 'hang' = 'up';
  calls = 0;
  readonly inner: MemoryStore;

  constructor(clock: FakeClock) {
    this.inner = new MemoryStore({ clock });
  }

  #go<T>(answer: () => T): Promise<T> {
    this.calls += 1;
    if (this.mode === 'down')
      return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    if (this.mode === 'hang') return new Promise<T>(() => undefined);
    return Promise.resolve(answer());
  }

  admit: BreakerStore['admit'] = (name, settings) =>
    this.#go(() => this.inner.admit(name, settings));
  record: BreakerStore['record'] = (name, settings, outcome) =>
    this.#go(() => this.inner.record(name, settings, outcome));
  lock: BreakerStore['lock'] = (name, state) => this.#go(() => this.inner.lock(name, state));
  unlock: BreakerStore['unlock'] = (name) => this.#go(() => this.inner.unlock(name));
  snapshot: BreakerStore['snapshot'] = (name) => this.#go(() => this.inner.snapshot(name));
  names: BreakerStore['names'] = () => this.#go(() => this.inner.names());
}

function setup() {
  const clock = new FakeClock();
  const shared = new SwitchableStore(clock);
  const store = new FailSafeStore(shared, { clock, timeout: 500, retryInterval: 1_000 });
  const events: BreakerEvent[] = [];
  const breaker = (name: string) =>
    new CircuitBreaker(name, {
      threshold: 2,
      coolOff: 5_000,
      store,
      clock,
      notifiers: [{ notify: (event) => events.push(event) }],
    });
  return { clock, shared, store, events, breaker };
}

const fail = (): Promise<never> => Promise.reject(new Error('upstream 503'));

describeStoreContract('FailSafeStore over a healthy store', () => {
  const clock = new FakeClock(Date.now());
  return Promise.resolve({
    store: new FailSafeStore(new SwitchableStore(clock), { clock }),
    unit: 1_000,
    advance: (ms: number) => {
      clock.advance(ms);
      return Promise.resolve();
    },
  });
});

describe('FailSafeStore', () => {
  it('serves breakers from memory while the shared store fails, and reports it once', async () => {
    const { shared, events, breaker } = setup();
    const sms = breaker('twilio:send_sms');
    const call = breaker('twilio:make_call');
    shared.mode = 'down';

    await expect(sms.run(() => 'sent')).resolves.toBe('sent');
    await expect(call.run(() => 'ringing')).resolves.toBe('ringing');
    await expect(sms.run(fail)).rejects.toThrow('upstream 503');
    await expect(sms.run(fail)).rejects.toThrow('upstream 503');
    await expect(sms.run(() => 'x')).rejects.toThrow('is open');

    const storeErrors = events.filter((event) => event.type === 'store-error');
    expect(storeErrors).toHaveLength(1);
    expect(storeErrors[0]).toMatchObject({ breaker: 'twilio:send_sms', store: 'SwitchableStore' });
    expect(events.filter((event) => event.type === 'transition')).toMatchObject([
      { from: 'closed', to: 'open' },
    ]);
    // Backing off: only the first call went to the failing store.
    expect(shared.calls).toBe(1);
  });

  it('never waits longer than the timeout for a store that hangs', async () => {
    const { shared, clock, breaker, events } = setup();
    shared.mode = 'hang';
    const b = breaker('stripe:get_customer');
    const running = b.run(() => 'customer');
    let settled = false;
    void running.then(() => (settled = true));
    await Promise.resolve();
    clock.advance(499);
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(running).resolves.toBe('customer');
    expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
    // The next calls do not wait at all while backing off.
    await expect(b.run(() => 'again')).resolves.toBe('again');
    expect(clock.pendingTimers).toBe(0);
  });

  it('tries the shared store again after the back-off, and reports the recovery', async () => {
    const { shared, clock, breaker, events } = setup();
    const b = breaker('vapi:get_call');
    shared.mode = 'down';
    await b.run(() => 1);
    clock.advance(999);
    await b.run(() => 2);
    expect(shared.calls).toBe(1);
    clock.advance(1);
    await b.run(() => 3);
    expect(shared.calls).toBe(2);

    // Still down: the back-off doubles.
    clock.advance(1_999);
    await b.run(() => 4);
    expect(shared.calls).toBe(2);
    shared.mode = 'up';
    clock.advance(1);
    await b.run(() => 5);
    expect(shared.calls).toBe(3);
    await b.run(() => 6);
    expect(shared.calls).toBe(4);
    expect(events.map((event) => event.type).filter((type) => type.startsWith('store'))).toEqual([
      'store-error',
      'store-recovered',
    ]);
    const recovered = events.find((event) => event.type === 'store-recovered');
    expect(recovered).toMatchObject({ downtime: 3_000 });
  });

  it('sends a probe admitted from memory back to memory', async () => {
    const { shared, clock, breaker, events } = setup();
    const b = breaker('stripe:create_customer');
    shared.mode = 'down';
    await b.run(fail).catch(() => 0);
    await b.run(fail).catch(() => 0);
    clock.advance(5_000);
    // The probe is admitted from memory; the shared store comes back while it runs, but the
    // probe's lease belongs to memory, so its outcome closes the memory breaker.
    const probe = b.run(() => {
      shared.mode = 'up';
      return 'ok';
    });
    await expect(probe).resolves.toBe('ok');
    expect(
      events.flatMap((event) => (event.type === 'transition' ? [`${event.from}>${event.to}`] : [])),
    ).toEqual(['closed>open', 'open>half-open', 'half-open>closed']);
  });

  it('hands a recovery seen by an operator call to the next breaker call', async () => {
    const { shared, clock, store, breaker, events } = setup();
    const b = breaker('twilio:get_call');
    shared.mode = 'down';
    await b.run(() => 1);
    shared.mode = 'up';
    clock.advance(1_000);
    await store.snapshot(b.name);
    await b.run(() => 2);
    expect(events.map((event) => event.type).filter((type) => type.startsWith('store'))).toEqual([
      'store-error',
      'store-recovered',
    ]);
  });

  it('reports an outage first met by an operator call, once, through the next breaker call', async () => {
    const { shared, clock, store, breaker, events } = setup();
    const b = breaker('vapi:create_assistant');
    shared.mode = 'down';
    await expect(b.state()).rejects.toBeInstanceOf(StoreUnavailableError);
    await b.run(() => 1);
    await b.run(() => 2);
    shared.mode = 'up';
    clock.advance(1_000);
    await b.run(() => 3);
    await store.names();
    await b.run(() => 4);
    expect(events.map((event) => event.type).filter((type) => type.startsWith('store'))).toEqual([
      'store-error',
      'store-recovered',
    ]);
  });

  it('never hands a shared lease to memory, where the same id may mean another probe', async () => {
    const { shared, clock, store, breaker } = setup();
    const b = breaker('stripe:get_subscription');
    // Open the breaker in both places, so both have a probe slot to give.
    await b.run(fail).catch(() => 0);
    await b.run(fail).catch(() => 0);
    clock.advance(5_000);
    const sharedProbe = await store.admit(b.name, b.settings);
    expect(sharedProbe).toMatchObject({ probe: true, lease: '1' });
    shared.mode = 'down';
    await store.record(b.name, b.settings, { kind: 'failure', probe: false });
    await store.record(b.name, b.settings, { kind: 'failure', probe: false });
    clock.advance(5_000);
    const localProbe = await store.admit(b.name, b.settings);
    expect(localProbe).toMatchObject({ probe: true, lease: 'local:1' });
    // The shared probe's outcome arrives during the outage: it must not settle memory's probe.
    const late = await store.record(b.name, b.settings, {
      kind: 'success',
      probe: true,
      lease: sharedProbe.lease,
    });
    expect(late.transition).toBeUndefined();
    const own = await store.record(b.name, b.settings, {
      kind: 'success',
      probe: true,
      lease: localProbe.lease,
    });
    expect(own.transition).toMatchObject({ from: 'half-open', to: 'closed' });
  });

  it('keeps a breaker the shared store holds open, open in memory through an outage', async () => {
    const { shared, clock, breaker, events } = setup();
    const b = breaker('twilio:send_sms');
    await b.run(fail).catch(() => 0);
    await b.run(fail).catch(() => 0);
    expect(await b.state()).toBe('open');
    clock.advance(2_000);
    shared.mode = 'down';

    // Memory starts from what the shared store said: open until the same retryAt.
    const refusal = (await b.run(() => 'sent').catch((error: unknown) => error)) as Error & {
      retryAt: Date;
    };
    expect(refusal.name).toBe('CircuitOpenError');
    expect(refusal.retryAt.getTime()).toBe(clock.now() + 3_000);
    clock.advance(3_000);
    let ran = 0;
    let refused = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stampede = Array.from({ length: 50 }, () =>
      b
        .run(async () => {
          ran += 1;
          await gate;
          return 'sent';
        })
        .catch(() => {
          refused += 1;
          return 'refused';
        }),
    );
    while (ran + refused < 50) await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all(stampede);
    expect(ran).toBe(1);
    expect(refused).toBe(49);
    expect(events.filter((event) => event.type === 'store-error')).toHaveLength(1);
  });

  it('keeps honouring a lock open the shared store showed, through an outage', async () => {
    const { shared, breaker } = setup();
    const b = breaker('stripe:create_checkout_session');
    await b.lock('open');
    await expect(b.run(() => 'x')).rejects.toMatchObject({ locked: true });
    shared.mode = 'down';
    let ran = false;
    await expect(
      b.run(() => {
        ran = true;
        return 'x';
      }),
    ).rejects.toMatchObject({ locked: true });
    expect(ran).toBe(false);
  });

  it('refuses locks, unlocks and listings while down, so no lock is silently lost', async () => {
    const { shared, store } = setup();
    shared.mode = 'down';
    await expect(store.lock('twilio:send_sms', 'open')).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(store.unlock('twilio:send_sms')).rejects.toThrow(
      'SwitchableStore did not answer unlock; nothing was changed',
    );
    await expect(store.names()).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    shared.mode = 'up';
    expect(shared.inner.names()).toEqual([]);
  });

  it('validates its options', () => {
    const clock = new FakeClock();
    expect(() => new FailSafeStore(new SwitchableStore(clock), { timeout: 0 })).toThrow(
      'timeout must be between 1 and 2147483647 milliseconds, received 0',
    );
    expect(() => new FailSafeStore(null as never)).toThrow(
      'primary must be a store, received null',
    );
  });
});
