/** Checks the built package as npm users get it: both module systems, and no runtime deps. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
};

function node(code: string): string {
  return execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' }).trim();
}

/** Every module specifier the built file imports, followed through relative imports. */
function importGraph(file: string, seen = new Set<string>()): Set<string> {
  const bare = new Set<string>();
  if (seen.has(file)) return bare;
  seen.add(file);
  const source = readFileSync(file, 'utf8');
  for (const match of source.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('.')) {
      for (const dep of importGraph(path.resolve(path.dirname(file), specifier), seen))
        bare.add(dep);
    } else {
      bare.add(specifier);
    }
  }

  return bare;
}

describe('the published entry point', () => {
  it('works with require() on Node 20.19+', () => {
    const out = node(
      "const b = require('breakwater'); const e = b.CircuitOpenError.refusal('x', undefined, 'open', true);" +
        'console.log(typeof b.CircuitBreaker, e instanceof b.CircuitOpenError, b.isCircuitOpenError(e))',
    );
    expect(out).toBe('function true true');
  });

  it('works with import', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { retry } from 'breakwater'; console.log(typeof retry)",
      ],
      { cwd: root, encoding: 'utf8' },
    ).trim();
    expect(out).toBe('function');
  });

  it('has no runtime dependencies, and its core imports only node built-ins', () => {
    expect(packageJson.dependencies ?? {}).toEqual({});
    const imported = [...importGraph(path.join(root, 'dist/index.js'))];
    expect(imported.filter((specifier) => !specifier.startsWith('node:'))).toEqual([]);
  });

  it('lists types first in every subpath export', () => {
    for (const [subpath, target] of Object.entries(packageJson.exports)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target)[0], subpath).toBe('types');
    }
  });
});
