/**
 * Drives breakers with random sequences of outcomes and time steps and checks them against a
 * small model: only legal transitions happen, each is notified exactly once, and the state the
 * breaker reports is the model's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, MemoryStore, type BreakerEvent } from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';

type Step = { kind: 'call'; ok: boolean } | { kind: 'advance'; ms: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('call' as const), ok: fc.boolean() }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2_500 }) }),
);

const legal = new Set(['closed>open', 'open>half-open', 'half-open>closed', 'half-open>open']);

class Model {
  state: 'closed' | 'open' | 'half-open' = 'closed';
  failures = 0;
  successes = 0;
  retryAt = 0;
  readonly transitions: string[] = [];

  constructor(
    readonly threshold: number,
    readonly coolOff: number,
    readonly recoveryThreshold: number,
  ) {}

  /** Returns whether the call ran. */
  call(ok: boolean, now: number): boolean {
    if (this.state === 'open') {
      if (now < this.retryAt) return false;
      this.move('half-open');
      this.successes = 0;
    }

    if (this.state === 'half-open') {
      if (!ok) {
        this.move('open');
        this.retryAt = now + this.coolOff;
        return true;
      }

      this.successes += 1;
      if (this.successes >= this.recoveryThreshold) {
        this.move('closed');
        this.failures = 0;
      }

      return true;
    }

    if (ok) {
      this.failures = 0;
      return true;
    }

    this.failures += 1;
    if (this.failures >= this.threshold) {
      this.move('open');
      this.failures = 0;
      this.retryAt = now + this.coolOff;
    }

    return true;
  }

  reported(now: number): string {
    return this.state === 'open' && now >= this.retryAt ? 'half-open' : this.state;
  }

  move(to: 'closed' | 'open' | 'half-open'): void {
    this.transitions.push(`${this.state}>${to}`);
    this.state = to;
  }
}

describe('breaker transitions under random traffic', () => {
  it('match the model, are legal, and are each notified once (threshold rule)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(stepArbitrary, { maxLength: 80 }),
        async (threshold, recoveryThreshold, steps) => {
          const clock = new FakeClock();
          const events: BreakerEvent[] = [];
          const breaker = new CircuitBreaker('stripe:get_customer', {
            threshold,
            recoveryThreshold,
            coolOff: 1_000,
            store: new MemoryStore({ clock }),
            clock,
            notifiers: [{ notify: (event) => events.push(event) }],
          });
          const model = new Model(threshold, 1_000, recoveryThreshold);

          for (const step of steps) {
            if (step.kind === 'advance') {
              clock.advance(step.ms);
            } else {
              let ran = false;
              await breaker
                .run(() => {
                  ran = true;
                  return step.ok ? 'ok' : Promise.reject(new Error('503'));
                })
                .catch((error: unknown) => {
                  if (!ran) expect(error).toBeInstanceOf(CircuitOpenError);
                });
              expect(ran).toBe(model.call(step.ok, clock.now()));
            }

            expect(await breaker.state()).toBe(model.reported(clock.now()));
          }

          const notified = events.flatMap((event) =>
            event.type === 'transition' ? [`${event.from}>${event.to}`] : [],
          );
          expect(notified).toEqual(model.transitions);
          notified.forEach((transition, index) => {
            expect(legal.has(transition)).toBe(true);
            if (index > 0) {
              expect(transition.split('>')[0]).toBe(notified[index - 1]!.split('>')[1]);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('only makes legal, chained transitions with the error-rate rule and concurrent probes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(stepArbitrary, fc.constant({ kind: 'burst' as const })), {
          maxLength: 60,
        }),
        async (steps) => {
          const clock = new FakeClock();
          const events: BreakerEvent[] = [];
          const breaker = new CircuitBreaker('twilio:send_sms', {
            errorRate: 0.5,
            minimumCalls: 4,
            window: 5_000,
            coolOff: 1_000,
            probes: 2,
            store: new MemoryStore({ clock }),
            notifiers: [{ notify: (event) => events.push(event) }],
          });

          for (const step of steps) {
            if (step.kind === 'advance') clock.advance(step.ms);
            else if (step.kind === 'call') {
              await breaker
                .run(() => (step.ok ? 'ok' : Promise.reject(new Error('x'))))
                .catch(() => 0);
            } else {
              const before = await breaker.state();
              let running = 0;
              let peak = 0;
              await Promise.all(
                Array.from({ length: 6 }, (_, i) =>
                  breaker
                    .run(async () => {
                      running += 1;
                      peak = Math.max(peak, running);
                      await Promise.resolve();
                      running -= 1;
                      if (i % 2 === 0) throw new Error('x');
                    })
                    .catch(() => 0),
                ),
              );
              // Half-open admits at most `probes` (2) calls at once; closed admits all six.
              if (before === 'half-open') expect(peak).toBeLessThanOrEqual(2);
              if (before === 'closed') expect(peak).toBe(6);
            }
          }

          const notified = events.flatMap((event) =>
            event.type === 'transition' ? [`${event.from}>${event.to}`] : [],
          );
          notified.forEach((transition, index) => {
            expect(legal.has(transition)).toBe(true);
            const previous = notified[index - 1];
            expect(transition.split('>')[0]).toBe(previous?.split('>')[1] ?? 'closed');
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
