/**
 * A worker of `npm start -- --redis URL`: a process of its own with its own Vapi, Twilio and
 * Stripe clients, whose breakers live in Redis under the run's prefix. The main process sends it
 * calls over IPC; it sends back what its breakers did. It stops when told to, or when the main
 * process goes away.
 */
import { setMaxListeners } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisStore } from '../stores/redis/index.js';
import { closeRedis, connectRedis } from './connect-redis.js';
import { createDemoClients } from './demo-clients.js';
import type { DemoEvent } from './demo-event.js';
import { demoOperations, type DemoClients } from './demo-operations.js';
import type { FromWorker, ToWorker, WorkerSetup } from './worker-messages.js';

interface Running {
  readonly redis: Redis;
  readonly store: RedisStore;
  readonly clients: DemoClients;
}

let running: Running | undefined;
let stopping: Promise<void> | undefined;
const stop = new AbortController();
// Every call in flight listens to this one signal, at several layers (fetch, retry waits).
setMaxListeners(100, stop.signal);
const calls = new Set<Promise<unknown>>();

function send(message: FromWorker): void {
  if (!process.connected) return;
  process.send?.(message, undefined, undefined, () => {
    // A message to a main process that is already gone is dropped.
  });
}

async function setUp(setup: WorkerSetup): Promise<void> {
  try {
    const redis = await connectRedis(setup.redisUrl);
    const store = new RedisStore({ client: redis, prefix: setup.prefix });
    const emit = (event: DemoEvent): void => send({ type: 'event', event });
    const clients = createDemoClients(setup.config, setup.label, emit, store);
    running = { redis, store, clients };
    send({ type: 'ready' });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    await shutDown();
  }
}

function call(id: number, message: Extract<ToWorker, { type: 'call' }>): void {
  const made =
    running === undefined || stop.signal.aborted
      ? Promise.resolve(undefined)
      : demoOperations[message.operation]
          .invoke(running.clients, message.args, stop.signal)
          .catch(() => undefined);
  calls.add(made);
  void made.then((value) => {
    calls.delete(made);
    send({ type: 'reply', id, made: value });
  });
}

function shutDown(): Promise<void> {
  stopping ??= (async () => {
    stop.abort();
    await Promise.all(calls);
    if (running !== undefined) {
      await running.store.close();
      await closeRedis(running.redis);
    }

    send({ type: 'stopped' });
    if (process.connected) process.disconnect();
  })();
  return stopping;
}

process.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'setup':
      void setUp(message.setup);
      return;
    case 'call':
      call(message.id, message);
      return;
    case 'stop':
      void shutDown();
      return;
  }
});

// The main process stops the workers itself; Ctrl-C reaches the whole process group, so a worker
// must not die of it before it has closed its Redis connection.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => void shutDown());
