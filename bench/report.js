/**
 * One run's figures, as a plain-text report (tables a reader can paste into Markdown).
 */
import { mb, ns, rate } from './targets.js';

/**
 * @typedef {object} GuardRow
 * @property {string} id
 * @property {string} library
 * @property {string} path
 * @property {number} median nanoseconds per call
 * @property {number} min
 * @property {number} max
 * @property {number} ratio median / the bare call's median
 * @property {number[]} rounds
 * @property {number} calls
 * @property {import('./measure.js').Summary} cpu CPU time per call
 * @property {number} cpuRatio CPU median / the bare call's CPU median
 */

/**
 * @typedef {object} Machine
 * @property {string} cpu the model, as the OS names it
 * @property {number} cores
 * @property {string} memory
 * @property {string} node
 * @property {string} platform
 * @property {string} date
 * @property {{ start: number, end: number }} load the 1-minute load average
 */

/**
 * @typedef {object} HeapFigures
 * @property {import('./heap.js').HeapGrowth[]} growth
 * @property {import('./heap.js').IdleBreakers} idle
 */

/**
 * @typedef {object} Figures
 * @property {Machine} machine
 * @property {{ quick: boolean, rounds: number, calls: number, heapCalls: number }} plan
 * @property {GuardRow[]} [guards]
 * @property {HeapFigures} [heap]
 * @property {import('./shared-stores.js').StoreFigures[]} [stores]
 * @property {import('./targets.js').TargetResult[]} [targets]
 */

const labels = /** @type {Record<string, string>} */ ({
  'bare.bare': 'bare `await fn()`',
  'breakwater.success': 'Breakwater breaker, memory store',
  'breakwater.logged': 'Breakwater breaker, with loggerNotifier',
  'opossum.success': 'opossum breaker (defaults)',
  'cockatiel.success': 'cockatiel breaker (ConsecutiveBreaker)',
  'breakwater.retry': 'Breakwater breaker + retry',
  'cockatiel.retry': 'cockatiel retry + breaker (wrap)',
  'breakwater.refusal': 'Breakwater refusal while open',
  'opossum.refusal': 'opossum refusal while open',
  'cockatiel.refusal': 'cockatiel refusal while open',
});

/**
 * @param {string[]} header
 * @param {string[][]} rows
 */
function table(header, rows) {
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (/** @type {string[]} */ cells) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

/** @param {number} value */
function count(value) {
  return value.toLocaleString('en-US');
}

/**
 * Node's CPU per call, and the server's where it was read, e.g. `node 14.2 + server 9.1`.
 *
 * @param {import('./store-load.js').CpuPerCall} cpu
 */
function cpuCell(cpu) {
  const node = `node ${cpu.node.toFixed(1)}`;
  return cpu.server === undefined ? node : `${node} + server ${cpu.server.toFixed(1)}`;
}

/**
 * @param {Figures} figures
 * @returns {string}
 */
export function renderReport(figures) {
  const { machine, plan } = figures;
  const parts = [
    `Breakwater benchmark, ${machine.date}`,
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory}, Node ${machine.node} ` +
      `(${machine.platform}); load average ${machine.load.start.toFixed(1)} at the start, ` +
      `${machine.load.end.toFixed(1)} at the end` +
      (plan.quick ? ' -- quick run: figures are indicative only' : ''),
  ];

  if (figures.guards !== undefined) {
    parts.push(
      `\nIn-process guarded calls: wall-clock ns per call, median and min-max of ${plan.rounds} ` +
        `interleaved rounds of ${count(plan.calls)} calls each; x bare = median / bare median; ` +
        'CPU = the process CPU time per call over the same rounds',
      table(
        ['case', 'median', 'min-max', 'x bare', 'CPU', 'CPU x bare'],
        figures.guards.map((row) => [
          labels[row.id] ?? row.id,
          ns(row.median),
          `${ns(row.min)} - ${ns(row.max)}`,
          `${row.ratio.toFixed(2)}x`,
          ns(row.cpu.median),
          `${row.cpuRatio.toFixed(2)}x`,
        ]),
      ),
    );
  }

  if (figures.heap !== undefined) {
    const { growth, idle } = figures.heap;
    parts.push(
      `\nHeap growth over ${count(growth[0]?.calls ?? 0)} successful calls ` +
        '(heap used after gc(), after minus before)',
      table(
        ['library', 'growth', 'bytes per call'],
        growth.map((row) => [row.library, mb(row.bytes), (row.bytes / row.calls).toFixed(2)]),
      ),
      `\n${count(idle.breakers)} idle breakers in one MemoryStore (each ran one success): ` +
        `${mb(idle.bytes)}, ${Math.round(idle.bytes / idle.breakers)} bytes per breaker (their ` +
        `names, strings the caller holds anyway, another ${mb(idle.nameBytes)})`,
    );
  }

  for (const store of figures.stores ?? []) {
    if (store.skipped !== undefined) {
      parts.push(`\n${store.store}: skipped (${store.skipped})`);
      continue;
    }

    parts.push(
      `\n${store.store} (${store.server ?? 'server unknown'}): commands on the wire per guarded ` +
        'call (counted on the client)',
      table(
        ['path', 'per call', 'commands of one call'],
        (store.roundTrips ?? []).map((row) => [
          row.path,
          String(row.perCall),
          row.commands.join(', '),
        ]),
      ),
      `\n${store.store}: calls per second, success path vs floor (${store.floor ?? ''}); ` +
        `median and min-max of ${store.throughput?.[0]?.store.rounds.length ?? 0} rounds of ` +
        `${count(store.throughput?.[0]?.store.calls ?? 0)} calls`,
      table(
        [
          'concurrency',
          'guarded call',
          'min-max',
          'floor',
          'min-max',
          'share of floor',
          'CPU µs per call, guarded',
          'CPU µs per call, floor',
        ],
        (store.throughput ?? []).map((row) => [
          String(row.concurrency),
          rate(row.store.median),
          `${rate(row.store.min)} - ${rate(row.store.max)}`,
          rate(row.floor.median),
          `${rate(row.floor.min)} - ${rate(row.floor.max)}`,
          `${Math.round(row.ratio * 100)}%`,
          cpuCell(row.storeCpu),
          cpuCell(row.floorCpu),
        ]),
      ),
    );
    if (store.storeErrors) {
      parts.push(`${store.storeErrors} store errors during the load: these figures are void`);
    }
  }

  if (figures.targets !== undefined) {
    parts.push(
      '\nTargets',
      table(
        ['target', 'this run', 'status'],
        figures.targets.map((row) => [
          row.target,
          row.measured,
          row.met === undefined ? 'not measured' : row.met ? 'met' : 'NOT MET',
        ]),
      ),
    );
  }

  return `${parts.join('\n')}\n`;
}
