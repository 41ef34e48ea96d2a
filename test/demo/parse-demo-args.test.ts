import { describe, expect, it } from 'vitest';
import { DemoError } from '../../src/demo/demo-error.js';
import { parseDemoArgs } from '../../src/demo/parse-demo-args.js';

function usageError(argv: string[]): DemoError {
  try {
    parseDemoArgs(argv);
  } catch (error) {
    if (error instanceof DemoError) return error;
    throw error;
  }

  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseDemoArgs', () => {
  it('defaults to one pass at speed 1 in memory', () => {
    expect(parseDemoArgs([])).toEqual({
      help: false,
      speed: 1,
      forever: false,
      redis: undefined,
      plain: false,
    });
  });

  it('reads every option, with the value apart or after =', () => {
    expect(
      parseDemoArgs(['--speed', '2.5', '--forever', '--redis=redis://127.0.0.1:6379', '--plain']),
    ).toEqual({
      help: false,
      speed: 2.5,
      forever: true,
      redis: 'redis://127.0.0.1:6379',
      plain: true,
    });
    expect(parseDemoArgs(['--speed=20']).speed).toBe(20);
    expect(parseDemoArgs(['-h']).help).toBe(true);
    expect(parseDemoArgs(['--help']).help).toBe(true);
  });

  it.each([
    [['--fast'], 'unknown option --fast'],
    [['now'], 'unexpected argument "now"'],
    [['--speed'], '--speed needs a value'],
    [['--speed', '--forever'], '--speed needs a value'],
    [['--speed', 'fast'], '--speed must be a number, received "fast"'],
    [['--speed', ''], '--speed must be a number, received ""'],
    [['--speed', '0'], '--speed must be from 0.1 to 50, received 0'],
    [['--speed', '51'], '--speed must be from 0.1 to 50, received 51'],
    [['--speed=-3'], '--speed must be from 0.1 to 50, received -3'],
    [['--forever=yes'], '--forever takes no value, received "yes"'],
    [['--redis', 'localhost'], '--redis must be a URL such as redis://127.0.0.1:6379'],
    [['--redis', 'http://127.0.0.1:6379'], '--redis must be a redis:// or rediss:// URL'],
  ])('refuses %j: %s', (argv, message) => {
    const error = usageError(argv);
    expect(error.code).toBe('ERR_DEMO_USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
  });

  it('never shows a Redis password in an error', () => {
    const error = usageError(['--redis', 'http://user:s3cret-pass@127.0.0.1:6379']);
    expect(error.message).not.toContain('s3cret-pass');
  });
});
