import { describe, expect, it } from 'vitest';
import { CircuitBreaker, MemoryStore, loggerNotifier } from 'breakwater';
import { FakeClock } from '../helpers/fake-clock.js';

class ApiError extends Error {
  override name = 'ApiError';
}

describe('loggerNotifier', () => {
  it('writes one line per transition: warn when opening, info otherwise', async () => {
    const lines: string[] = [];
    const logger = {
      warn: (line: string) => lines.push(`warn ${line}`),
      info: (line: string) => lines.push(`info ${line}`),
    };
    const clock = new FakeClock();
    const breaker = new CircuitBreaker('twilio:send_sms', {
      threshold: 1,
      coolOff: 1_000,
      store: new MemoryStore({ clock }),
      notifiers: [loggerNotifier(logger)],
    });
    await breaker
      .run(() => Promise.reject(new ApiError('Twilio 503 Service Unavailable')))
      .catch(() => undefined);
    clock.advance(1_000);
    await breaker.run(() => 'ok');
    await breaker.lock('open');
    await breaker.unlock();
    expect(lines).toEqual([
      'warn breaker twilio:send_sms closed -> open after ApiError: Twilio 503 Service Unavailable',
      'info breaker twilio:send_sms open -> half-open',
      'info breaker twilio:send_sms half-open -> closed',
      'info breaker twilio:send_sms locked open',
      'info breaker twilio:send_sms unlocked',
    ]);
  });

  it('ignores event types it does not know', () => {
    const lines: string[] = [];
    const notifier = loggerNotifier({
      warn: (l: string) => lines.push(l),
      info: (l: string) => lines.push(l),
    });
    notifier.notify({ type: 'something-new' } as never);
    expect(lines).toEqual([]);
  });

  it('needs warn and info', () => {
    expect(() => loggerNotifier({ log: () => undefined } as never)).toThrow(
      'logger must have warn() and info() methods',
    );
  });
});
