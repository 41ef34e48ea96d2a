import { DemoError } from './demo-error.js';

/** The demo's command line, checked. */
export interface DemoArgs {
  /** Print the usage and exit. */
  readonly help: boolean;
  /** How many times faster the story plays, from 0.1 to 50. */
  readonly speed: number;
  readonly forever: boolean;
  /** Run two workers sharing breakers in Redis at this URL. */
  readonly redis: string | undefined;
  /** Plain lines even in a terminal. */
  readonly plain: boolean;
}

const minSpeed = 0.1;
const maxSpeed = 50;

/**
 * Reads the demo's options: `--speed N`, `--forever`, `--redis URL`, `--plain`, `--help`; a value
 * may also follow `=` (`--speed=5`).
 *
 * @throws {DemoError} `ERR_DEMO_USAGE` naming the option and the value received.
 */
export function parseDemoArgs(argv: readonly string[]): DemoArgs {
  let help = false;
  let speed = 1;
  let forever = false;
  let redis: string | undefined;
  let plain = false;

  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw usage(`${name} needs a value`);
      index += 1;
      return next;
    };
    const flag = (): true => {
      if (inline !== undefined) throw usage(`${name} takes no value, received "${inline}"`);
      return true;
    };

    switch (name) {
      case '-h':
      case '--help':
        help = flag();
        break;
      case '--speed':
        speed = checkSpeed(value());
        break;
      case '--forever':
        forever = flag();
        break;
      case '--redis':
        redis = checkRedisUrl(value());
        break;
      case '--plain':
        plain = flag();
        break;
      default:
        throw usage(
          arg.startsWith('-') ? `unknown option ${name}` : `unexpected argument "${arg}"`,
        );
    }
  }

  return { help, speed, forever, redis, plain };
}

function checkSpeed(text: string): number {
  const speed = Number(text);
  if (text.trim() === '' || !Number.isFinite(speed)) {
    throw usage(`--speed must be a number, received "${text}"`);
  }

  if (speed < minSpeed || speed > maxSpeed) {
    throw usage(`--speed must be from ${minSpeed} to ${maxSpeed}, received ${text}`);
  }

  return speed;
}

function checkRedisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage('--redis must be a URL such as redis://127.0.0.1:6379');
  }

  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw usage(`--redis must be a redis:// or rediss:// URL, received ${url.protocol}//...`);
  }

  return text;
}

function usage(message: string): DemoError {
  return new DemoError('ERR_DEMO_USAGE', message);
}
