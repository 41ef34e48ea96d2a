#!/usr/bin/env node
/**
 * The `breakwater` command: see and steer the breakers in a shared Redis or PostgreSQL store.
 * Run `breakwater --help`.
 */
import { runCli } from './run-cli.js';

const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => stop.abort());
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: stop.signal,
});
process.exitCode = code;
// Every client is closed by now, but a client library may still hold a timer (ioredis keeps its
// connect timeout after a refused connection): exit once the output is flushed.
process.stdout.write('', () => {
  process.stderr.write('', () => process.exit(code));
});
