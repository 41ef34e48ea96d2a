/**
 * `npm run bench`: Breakwater beside opossum and cockatiel in one process, its heap, and the
 * shared stores under load, on the built package.
 *
 *   node --expose-gc bench/run.js [--quick] [--json] [--only memory,heap,redis,postgres]
 *                                 [--rounds N] [--calls N]
 *
 * --quick   a run under 30 seconds that keeps the script working; its figures are indicative only
 * --json    the same figures as JSON on stdout
 * --only    the sections to run (default: all)
 */
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import os from 'node:os';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { guardCases } from './guard-cases.js';
import { heapGrowth, idleBreakers } from './heap.js';
import { interleave } from './measure.js';
import { renderReport } from './report.js';
import { postgresFigures, redisFigures } from './shared-stores.js';
import { judgeTargets } from './targets.js';

const sections = ['memory', 'heap', 'redis', 'postgres'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    calls: { type: 'string' },
  },
});

// Heap figures need gc(): start again with it rather than print figures that mean nothing.
if (typeof globalThis.gc !== 'function') {
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.argv.slice(1)], {
    stdio: 'inherit',
  });
  process.exit(child.status ?? 1);
}

const only = args.only === undefined ? sections : args.only.split(',').map((s) => s.trim());
for (const section of only) {
  if (!sections.includes(section)) {
    console.error(`--only takes ${sections.join(', ')}; received ${JSON.stringify(section)}`);
    process.exit(2);
  }
}

const plan = {
  quick: args.quick,
  rounds: positive('rounds', args.rounds) ?? (args.quick ? 3 : 5),
  calls: positive('calls', args.calls) ?? (args.quick ? 50_000 : 1_000_000),
  heapCalls: args.quick ? 100_000 : 1_000_000,
};
const load = args.quick
  ? { concurrencies: [1, 16, 256], calls: 2_000, rounds: 2, repeats: 5 }
  : { concurrencies: [1, 16, 256], calls: 20_000, rounds: 5, repeats: 20 };

/** @type {import('./report.js').Figures} */
const figures = {
  machine: {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memory: `${Math.round(os.totalmem() / 1e9)} GB`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    // Other programs running meanwhile disturb the figures; the 1-minute load says how much.
    load: { start: os.loadavg()[0] ?? 0, end: 0 },
  },
  plan,
};

/** @param {string} message */
const progress = (message) => {
  if (!args.json) process.stderr.write(`${message}\n`);
};

if (only.includes('memory')) {
  progress(`in-process cases: ${plan.rounds} rounds of ${plan.calls} calls...`);
  const { cases, close } = await guardCases();
  const summaries = await interleave(cases, {
    rounds: plan.rounds,
    calls: plan.calls,
    warmup: Math.min(plan.calls, 100_000),
  });
  close();
  const bare = summaries.get('bare.bare')?.median ?? Number.NaN;
  const bareCpu = summaries.get('bare.bare')?.cpu.median ?? Number.NaN;
  figures.guards = cases.map(({ id, library, path }) => {
    const summary = /** @type {import('./measure.js').TimedSummary} */ (summaries.get(id));
    return {
      id,
      library,
      path,
      ...summary,
      ratio: summary.median / bare,
      cpuRatio: summary.cpu.median / bareCpu,
    };
  });
}

if (only.includes('heap')) {
  progress(`heap: ${plan.heapCalls} calls per library, 10,000 idle breakers...`);
  figures.heap = { growth: await heapGrowth(plan.heapCalls), idle: await idleBreakers(10_000) };
}

figures.stores = [];
if (only.includes('redis')) {
  progress('RedisStore...');
  figures.stores.push(await redisFigures(load));
}

if (only.includes('postgres')) {
  progress('PostgresStore...');
  figures.stores.push(await postgresFigures({ ...load, calls: load.calls / 4, poolSize: 16 }));
}

figures.machine.load.end = os.loadavg()[0] ?? 0;
figures.targets = judgeTargets(figures);
process.stdout.write(args.json ? `${JSON.stringify(figures, null, 2)}\n` : renderReport(figures));

/**
 * @param {string} option
 * @param {string | undefined} value
 */
function positive(option, value) {
  if (value === undefined) return undefined;

  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    console.error(`--${option} must be a positive integer, received ${JSON.stringify(value)}`);
    process.exit(2);
  }

  return number;
}
