import { describe, expect, it } from 'vitest';
import { CircuitBreaker, MemoryStore } from 'breakwater';

const make = (options: unknown, name: unknown = 'vapi:create_assistant'): CircuitBreaker =>
  new CircuitBreaker(name as string, options as never);

describe('CircuitBreaker options', () => {
  it.each([
    [{ threshold: 0 }, RangeError, 'threshold must be an integer of at least 1, received 0'],
    [{ threshold: 1.5 }, RangeError, 'threshold must be an integer of at least 1, received 1.5'],
    [{ threshold: '3' }, TypeError, 'threshold must be a number, received "3"'],
    [{ threshold: Number.NaN }, TypeError, 'threshold must be a number, received NaN'],
    [
      { coolOff: -1 },
      RangeError,
      'coolOff must be between 0 and 2147483647 milliseconds, received -1',
    ],
    [
      { coolOff: Number.POSITIVE_INFINITY },
      RangeError,
      'coolOff must be between 0 and 2147483647 milliseconds, received Infinity',
    ],
    [{ window: 0 }, RangeError, 'window must be between 1 and 2147483647 milliseconds, received 0'],
    [{ recoveryThreshold: 0 }, RangeError, 'recoveryThreshold must be an integer of at least 1'],
    [{ probes: -2 }, RangeError, 'probes must be an integer of at least 1, received -2'],
    [
      { minimumCalls: 2.5 },
      RangeError,
      'minimumCalls must be an integer of at least 1, received 2.5',
    ],
    [{ errorRate: 0 }, RangeError, 'errorRate must be a fraction in (0, 1], received 0'],
    [{ errorRate: 1.01 }, RangeError, 'errorRate must be a fraction in (0, 1], received 1.01'],
    [{ errorRate: 0.5 }, TypeError, 'window is required with errorRate, received undefined'],
    [{ isFailure: true }, TypeError, 'isFailure must be a function, received true'],
    [{ trackedErrors: Error }, TypeError, 'trackedErrors must be an array of error classes'],
    [{ skippedErrors: ['x'] }, TypeError, 'skippedErrors[0] must be a function, received "x"'],
    [{ store: {} }, TypeError, 'store must implement admit(), received undefined'],
    [{ notifiers: [{}] }, TypeError, 'notifiers[0].notify must be a function, received undefined'],
    [{ treshold: 3 }, TypeError, 'options.treshold is not a breaker option'],
    [5, TypeError, 'options must be an object, received 5'],
  ])('rejects %j', (options, type, message) => {
    expect(() => make(options)).toThrow(type);
    expect(() => make(options)).toThrow(message);
  });

  it.each([
    ['', RangeError, 'name must be 1 to 256 characters long, received 0 characters'],
    ['x'.repeat(257), RangeError, 'name must be 1 to 256 characters long, received 257 characters'],
    ['bad\nname', RangeError, 'name must not contain control characters'],
    ['..', RangeError, 'name must not be "." or "..", received ".."'],
    [42, TypeError, 'name must be a string, received 42'],
  ])('rejects the name %j', (name, type, message) => {
    expect(() => make({}, name)).toThrow(type);
    expect(() => make({}, name)).toThrow(message);
  });

  it('accepts names with colons, spaces and unicode', () => {
    expect(make({}, 'stripe: create checkout · ünïcode ☎').name).toBe(
      'stripe: create checkout · ünïcode ☎',
    );
  });

  it('lets errorRate replace threshold', () => {
    const breaker = make({ errorRate: 0.5, window: 10_000, store: new MemoryStore() });
    expect(breaker.settings.errorRate).toBe(0.5);
    expect(breaker.settings.window).toBe(10_000);
  });
});
