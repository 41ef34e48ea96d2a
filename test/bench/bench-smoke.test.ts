/**
 * Keeps `npm run bench` working: a tiny run of its in-process and heap sections must finish and
 * print the documented JSON. The figures themselves are never judged here.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Summary {
  median: number;
  min: number;
  max: number;
  rounds: number[];
  calls: number;
}

interface Figures {
  machine: { cpu: string; cores: number; node: string };
  plan: { quick: boolean; rounds: number; calls: number };
  guards: (Summary & { id: string; library: string; path: string; ratio: number })[];
  heap: {
    growth: { library: string; calls: number; bytes: number }[];
    idle: { breakers: number; bytes: number; nameBytes: number };
  };
  stores: unknown[];
  targets: { target: string; measured: string; met: boolean | undefined }[];
}

describe('npm run bench', () => {
  it('prints every in-process figure as JSON', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--expose-gc',
        'bench/run.js',
        '--quick',
        '--json',
        '--only',
        'memory,heap',
        '--rounds',
        '1',
        '--calls',
        '2000',
      ],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    const figures = JSON.parse(stdout) as Figures;

    expect(figures.machine.cores).toBeGreaterThan(0);
    expect(figures.machine.node).toBe(process.version);
    expect(figures.plan).toMatchObject({ quick: true, rounds: 1, calls: 2000 });
    expect(figures.guards.map((row) => row.id)).toEqual([
      'bare.bare',
      'breakwater.success',
      'breakwater.logged',
      'opossum.success',
      'cockatiel.success',
      'breakwater.retry',
      'cockatiel.retry',
      'breakwater.refusal',
      'opossum.refusal',
      'cockatiel.refusal',
    ]);
    for (const row of figures.guards) {
      expect(row.median, row.id).toBeGreaterThan(0);
      expect(row.min, row.id).toBeLessThanOrEqual(row.max);
      expect(row.rounds, row.id).toHaveLength(1);
      expect(row.ratio, row.id).toBeCloseTo(row.median / figures.guards[0]!.median);
    }

    expect(figures.heap.growth.map((row) => row.library)).toEqual([
      'bare',
      'breakwater',
      'opossum',
      'cockatiel',
    ]);
    expect(figures.heap.idle.breakers).toBe(10_000);
    expect(figures.heap.idle.bytes).toBeGreaterThan(0);
    expect(figures.stores).toEqual([]);

    const judged = figures.targets.filter((row) => row.met !== undefined);
    expect(judged.map((row) => row.target)).toHaveLength(6);
    for (const row of judged) expect(typeof row.met).toBe('boolean');
  }, 30_000);
});
