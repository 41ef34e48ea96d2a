import type { BreakerState } from '../breaker/events.js';
import type { BreakerRow } from './breaker-tally.js';

/** Options of {@link renderSummary}. */
export interface SummaryStyle {
  /**
   * Colours each state (closed green, open red, half-open yellow) with ANSI codes.
   * @default false
   */
  readonly color?: boolean;
  /**
   * Spaces before each line.
   * @default 2
   */
  readonly indent?: number;
}

const columns = [
  ['calls', 'calls'],
  ['failures', 'failed'],
  ['refusals', 'refused'],
  ['fallbacks', 'fallback'],
  ['requests', 'requests'],
  ['throttled', '429s'],
] as const;

const colors: Record<BreakerState, string> = {
  closed: '\u001b[32m',
  open: '\u001b[31m',
  'half-open': '\u001b[33m',
};
const reset = '\u001b[0m';

/**
 * The summary table: one line per breaker with its state and counts, under a header line. Plain
 * text unless `color` is set, so it reads the same in a terminal and in a CI log.
 *
 * @example
 * ```text
 *   breaker                          state      calls  failed  refused  fallback  requests  429s
 *   twilio:send_sms                  open          12       1        8         0         4     0
 * ```
 */
export function renderSummary(rows: readonly BreakerRow[], style: SummaryStyle = {}): string[] {
  const pad = ' '.repeat(style.indent ?? 2);
  const nameWidth = Math.max(8, ...rows.map((row) => row.breaker.length)) + 2;
  const header =
    pad +
    'breaker'.padEnd(nameWidth) +
    'state'.padEnd(9) +
    columns.map(([, title]) => title.padStart(title.length + 1)).join('');
  const lines = rows.map((row) => {
    const state = (row.state ?? '-').padEnd(9);
    const shown =
      style.color === true && row.state !== undefined
        ? `${colors[row.state]}${state.trimEnd()}${reset}${' '.repeat(9 - row.state.length)}`
        : state;
    const counts = columns
      .map(([key, title]) => String(row[key]).padStart(title.length + 1))
      .join('');
    return pad + row.breaker.padEnd(nameWidth) + shown + counts;
  });
  return [header, ...lines];
}
