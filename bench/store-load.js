/**
 * A shared store under load: the commands each path of a guarded call sends (counted on the
 * client, not assumed), and calls per second at several concurrencies beside the raw floor of
 * one trivial command at the same concurrency.
 */
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { CircuitBreaker } from 'breakwater';
import { summarize } from './measure.js';

const call = async () => 1;
const failing = async () => {
  throw new Error('down');
};

/** How long a probe-path breaker stays open; the store's own clock has to see it pass. */
const shortCoolOff = 30;

/**
 * Commands seen on the wire, counted by an instrumented client.
 *
 * @typedef {object} WireCounter
 * @property {number} count
 * @property {string[] | undefined} names the commands since the last reset, while recording
 */

/** @returns {WireCounter} */
export function wireCounter() {
  return { count: 0, names: undefined };
}

/**
 * @typedef {object} PathCount
 * @property {'success' | 'failure' | 'trip' | 'refusal' | 'probe'} path
 * @property {number} perCall commands per guarded call
 * @property {string[]} commands the commands of one such call
 */

/**
 * Counts the commands of each path over `repeats` calls: a success on a closed breaker with
 * nothing counted; a failure that does not trip; a failure that trips; a refusal while open; a
 * half-open probe that succeeds (and closes the breaker).
 *
 * @param {object} options
 * @param {import('breakwater').BreakerStore} options.store
 * @param {WireCounter} options.wire
 * @param {string} options.prefix a breaker-name prefix no other run uses
 * @param {number} options.repeats
 * @returns {Promise<PathCount[]>}
 */
export async function countRoundTrips({ store, wire, prefix, repeats }) {
  /** @type {PathCount[]} */
  const counts = [];

  /**
   * @param {PathCount['path']} path
   * @param {() => Promise<unknown>} guarded one guarded call of this path
   * @param {() => Promise<unknown>} [between] uncounted set-up before each call
   */
  async function count(path, guarded, between) {
    let total = 0;
    let commands = /** @type {string[]} */ ([]);
    for (let i = 0; i < repeats; i += 1) {
      if (between !== undefined) await between();
      wire.count = 0;
      wire.names = [];
      await guarded().catch(() => undefined);
      total += wire.count;
      commands = wire.names;
      wire.names = undefined;
    }

    counts.push({ path, perCall: total / repeats, commands });
  }

  const closed = new CircuitBreaker(`${prefix}:success`, { store, threshold: 5 });
  await closed.run(call);
  await count('success', () => closed.run(call));

  const failingBreaker = new CircuitBreaker(`${prefix}:failure`, {
    store,
    threshold: repeats + 10,
  });
  await failingBreaker.run(failing).catch(() => undefined);
  await count('failure', () => failingBreaker.run(failing));

  let trips = 0;
  /** @type {CircuitBreaker | undefined} */
  let tripping;
  await count(
    'trip',
    () => /** @type {CircuitBreaker} */ (tripping).run(failing),
    async () => {
      trips += 1;
      tripping = new CircuitBreaker(`${prefix}:trip:${trips}`, { store, threshold: 1 });
      await tripping.run(call);
    },
  );

  const open = new CircuitBreaker(`${prefix}:refusal`, { store, threshold: 1 });
  await open.run(failing).catch(() => undefined);
  await count('refusal', () => open.run(call));

  const probed = new CircuitBreaker(`${prefix}:probe`, {
    store,
    threshold: 1,
    coolOff: shortCoolOff,
  });
  await count(
    'probe',
    () => probed.run(call),
    async () => {
      await probed.run(failing).catch(() => undefined);
      await sleep(shortCoolOff + 10);
    },
  );

  const state = await probed.state();
  if (state !== 'closed') throw new Error(`the probe did not close the breaker: ${state}`);
  return counts;
}

/**
 * @typedef {object} LoadSample
 * @property {number} rate calls per second
 * @property {number} nodeCpu this process's CPU time per call, in microseconds
 * @property {number | undefined} serverCpu the server's CPU time per call, in microseconds
 */

/**
 * Calls per second of `run`, `concurrency` callers at once, `calls` calls in all, and the CPU time
 * each call cost this process and, where it can be read, the server.
 *
 * @param {() => Promise<unknown>} run
 * @param {number} concurrency
 * @param {number} calls
 * @param {(() => Promise<number>) | undefined} serverCpu the server's CPU seconds so far
 * @returns {Promise<LoadSample>}
 */
async function measureLoad(run, concurrency, calls, serverCpu) {
  let started = 0;
  const caller = async () => {
    while (started < calls) {
      started += 1;
      await run();
    }
  };

  const serverBefore = await serverCpu?.();
  const cpuBefore = process.cpuUsage();
  const begin = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu?.();
  return {
    rate: calls / seconds,
    nodeCpu: (cpu.user + cpu.system) / calls,
    serverCpu:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : ((serverAfter - serverBefore) * 1e6) / calls,
  };
}

/**
 * @typedef {object} CpuPerCall medians, in microseconds of CPU time per call
 * @property {number} node
 * @property {number | undefined} server
 */

/**
 * @typedef {object} Throughput
 * @property {number} concurrency
 * @property {import('./measure.js').Summary} store calls per second of the guarded success path
 * @property {import('./measure.js').Summary} floor calls per second of the raw command
 * @property {number} ratio store median / floor median
 * @property {CpuPerCall} storeCpu
 * @property {CpuPerCall} floorCpu
 */

/**
 * Calls per second of the guarded success path and of the floor at each concurrency, in
 * interleaved rounds (floor, store, floor, store, ...), after one untimed round.
 *
 * The breaker has one notifier, which counts `store-error` events: a store that fell back to
 * memory during the load would make its figures meaningless, so they are reported.
 *
 * @param {object} options
 * @param {import('breakwater').BreakerStore} options.store
 * @param {() => Promise<unknown>} options.floor one raw command
 * @param {string} options.name the breaker's name
 * @param {number[]} options.concurrencies
 * @param {number} options.calls calls per measurement
 * @param {number} options.rounds
 * @param {() => Promise<number>} [options.serverCpu] the server's CPU seconds so far
 * @returns {Promise<{ throughput: Throughput[], storeErrors: number }>}
 */
export async function throughput({ store, floor, name, concurrencies, calls, rounds, serverCpu }) {
  let storeErrors = 0;
  const breaker = new CircuitBreaker(name, {
    store,
    notifiers: [
      {
        notify: (event) => {
          if (event.type === 'store-error') storeErrors += 1;
        },
      },
    ],
  });
  const guarded = () => breaker.run(call);

  /** @type {Map<number, { store: LoadSample[], floor: LoadSample[] }>} */
  const samples = new Map(concurrencies.map((c) => [c, { store: [], floor: [] }]));
  for (let round = -1; round < rounds; round += 1) {
    for (const concurrency of concurrencies) {
      const floorSample = await measureLoad(floor, concurrency, calls, serverCpu);
      const storeSample = await measureLoad(guarded, concurrency, calls, serverCpu);
      if (round < 0) continue;

      samples.get(concurrency)?.floor.push(floorSample);
      samples.get(concurrency)?.store.push(storeSample);
    }
  }

  return {
    throughput: concurrencies.map((concurrency) => {
      const taken = samples.get(concurrency) ?? { store: [], floor: [] };
      const storeSummary = summarize(
        taken.store.map((sample) => sample.rate),
        calls,
      );
      const floorSummary = summarize(
        taken.floor.map((sample) => sample.rate),
        calls,
      );
      return {
        concurrency,
        store: storeSummary,
        floor: floorSummary,
        ratio: storeSummary.median / floorSummary.median,
        storeCpu: cpuPerCall(taken.store, calls),
        floorCpu: cpuPerCall(taken.floor, calls),
      };
    }),
    storeErrors,
  };
}

/**
 * @param {LoadSample[]} taken
 * @param {number} calls
 * @returns {CpuPerCall}
 */
function cpuPerCall(taken, calls) {
  const server = taken.map((sample) => sample.serverCpu);
  return {
    node: summarize(
      taken.map((sample) => sample.nodeCpu),
      calls,
    ).median,
    server: server.every((value) => value !== undefined)
      ? summarize(/** @type {number[]} */ (server), calls).median
      : undefined,
  };
}
