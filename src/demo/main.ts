/**
 * `npm start`: a live demo of an outage and a recovery. Fake Vapi, Twilio and Stripe servers on
 * loopback, steady traffic through the real clients, a scripted story, a live summary, and the
 * admin page to watch it in a browser. Run `npm start -- --help`.
 *
 * Exit codes: 0 when the story ends, and also when Ctrl-C (SIGINT) or SIGTERM stops it (the demo
 * was asked to stop and stopped cleanly, so npm reports no error); 1 when Redis or a worker
 * fails; 2 for a bad option. A second Ctrl-C exits at once with 130.
 */
import { isBreakwaterError } from '../breakwater-error.js';
import { DemoError } from './demo-error.js';
import { demoHelp } from './demo-help.js';
import { DemoScreen } from './demo-screen.js';
import { parseDemoArgs, type DemoArgs } from './parse-demo-args.js';
import { runStory } from './run-story.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
  });
}

// A closed pipe (`npm start | head`) ends the demo rather than crashing it.
process.stdout.on('error', () => stop.abort());

const code = await main(process.argv.slice(2));
process.exitCode = code;
if (code === 0) {
  // Everything is closed by now, so the process ends by itself; should a library still hold a
  // handle, this timer (which alone keeps nothing alive) ends it anyway.
  setTimeout(() => process.exit(), 2_000).unref();
} else {
  // After a refused connection ioredis keeps its connect timer for a while: exit once the
  // output is out.
  process.stderr.write('', () => process.exit(code));
}

async function main(argv: readonly string[]): Promise<number> {
  let args: DemoArgs;
  try {
    args = parseDemoArgs(argv);
  } catch (error) {
    return fail(error);
  }

  if (args.help) {
    process.stdout.write(demoHelp);
    return 0;
  }

  const live = process.stdout.isTTY && !args.plain;
  const noColor = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  const screen = new DemoScreen({
    write: (text) => {
      if (process.stdout.writable) process.stdout.write(text);
    },
    live,
    columns: process.stdout.columns || 100,
  });

  try {
    const record = await runStory({
      screen,
      speed: args.speed,
      forever: args.forever,
      color: live && !noColor,
      signal: stop.signal,
      ...(args.redis === undefined ? {} : { redisUrl: args.redis }),
    });
    if (record.lostWorkers.length === 0) return 0;

    return fail(
      new DemoError(
        'ERR_DEMO_WORKER',
        `worker ${record.lostWorkers.join(' and ')} exited before the end of the story`,
      ),
    );
  } catch (error) {
    return fail(error);
  }
}

function fail(error: unknown): number {
  const message =
    isBreakwaterError(error) || error instanceof Error ? error.message : String(error);
  process.stderr.write(`breakwater demo: ${message}\n`);
  if (error instanceof DemoError && error.code === 'ERR_DEMO_USAGE') {
    process.stderr.write('Run with --help for the options.\n');
  }

  return error instanceof DemoError ? error.exitCode : 1;
}
