import { describe, expect, it } from 'vitest';
import type { BreakerView } from 'breakwater/admin';
import { formatSpan, formatStatusTable, printable } from '../../src/admin/cli-table.js';

const now = Date.UTC(2026, 0, 1, 12);
const iso = (offset: number) => new Date(now + offset).toISOString();

function view(overrides: Partial<BreakerView> & Pick<BreakerView, 'name'>): BreakerView {
  return {
    state: 'closed',
    ruleState: 'closed',
    locked: null,
    failures: 0,
    calls: 0,
    lastError: null,
    retryAt: null,
    changedAt: null,
    settings: null,
    ...overrides,
  };
}

describe('status table', () => {
  it('lists open, half-open, then closed breakers, aligned', () => {
    const table = formatStatusTable(
      [
        view({ name: 'a:closed', failures: 2 }),
        view({
          name: 'b:half',
          state: 'half-open',
          ruleState: 'half-open',
          changedAt: iso(-90_000),
        }),
        view({
          name: 'c:open',
          state: 'open',
          ruleState: 'open',
          retryAt: iso(42_000),
          changedAt: iso(-18_000),
          lastError: { name: 'ApiError', message: 'x'.repeat(80), at: iso(-18_000) },
        }),
        view({ name: 'd:locked', state: 'open', locked: 'open' }),
      ],
      now,
      false,
    );
    expect(table.split('\n')).toEqual([
      'NAME      STATE      LOCK  FAILURES  NEXT PROBE     CHANGED    LAST ERROR',
      `c:open    open       -     0         in 42 s        18 s ago   ApiError: ${'x'.repeat(49)}… (18 s ago)`,
      'd:locked  open       open  0         none (locked)  -          -',
      'b:half    half-open  -     0         probing        1 min ago  -',
      'a:closed  closed     -     2         -              -          -',
      '',
    ]);
  });

  it('colours the state only when asked', () => {
    const table = formatStatusTable(
      [view({ name: 'x', state: 'open', ruleState: 'open' })],
      now,
      true,
    );
    expect(table).toContain('\u001b[31mopen \u001b[0m');
  });

  it('says so when there are no breakers', () => {
    expect(formatStatusTable([], now, false)).toBe(
      'No breakers in this store yet: a breaker appears from its first call.\n',
    );
  });

  it('never lets a name drive the terminal', () => {
    expect(printable('evil\u001b[2J\u0007name')).toBe('evil\\u001b[2J\\u0007name');
  });

  it('shows spans in the largest fitting unit', () => {
    expect([0, 59_400, 60_000, 3_599_000, 7_260_000, 2 * 86_400_000 + 5].map(formatSpan)).toEqual([
      '0 s',
      '59 s',
      '1 min',
      '59 min',
      '2 h 1 min',
      '2 d',
    ]);
  });
});
