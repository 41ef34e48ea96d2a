import type { BreakerView } from './breaker-view.js';

const rank: Readonly<Record<string, number>> = { open: 0, 'half-open': 1, closed: 2 };
const colours: Readonly<Record<string, string>> = {
  open: '\u001b[31m',
  'half-open': '\u001b[33m',
  closed: '\u001b[32m',
};
const reset = '\u001b[0m';
const MAX_ERROR = 60;
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;

/** Orders breakers as the page does: open, half-open, closed, then by name. */
export function sortBreakers(views: readonly BreakerView[]): BreakerView[] {
  return [...views].sort(
    (a, b) =>
      (rank[a.state] ?? 3) - (rank[b.state] ?? 3) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Replaces control characters (which could move a terminal's cursor or change its colours) with
 * visible escapes.
 */
export function printable(text: string): string {
  return text.replace(controlCharacters, (char) => {
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A short span of time: `42 s`, `3 min`, `2 h 5 min`, `4 d`. */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

function ago(iso: string | null, now: number): string {
  if (iso === null) return '-';
  return `${formatSpan(now - Date.parse(iso))} ago`;
}

function nextProbe(view: BreakerView, now: number): string {
  if (view.locked === 'open') return 'none (locked)';
  if (view.locked === 'closed' || view.state === 'closed') return '-';
  if (view.state === 'half-open') return 'probing';
  if (view.retryAt === null) return '?';
  const wait = Date.parse(view.retryAt) - now;
  return wait <= 500 ? 'due now' : `in ${formatSpan(wait)}`;
}

function lastError(view: BreakerView, now: number): string {
  const error = view.lastError;
  if (error === null) return '-';
  let text = printable(`${error.name}: ${error.message}`);
  if (text.length > MAX_ERROR) text = `${text.slice(0, MAX_ERROR - 1)}…`;
  return `${text} (${ago(error.at, now)})`;
}

/** The `status` table: one line per breaker, columns padded to fit. */
export function formatStatusTable(
  views: readonly BreakerView[],
  now: number,
  colour: boolean,
): string {
  if (views.length === 0)
    return 'No breakers in this store yet: a breaker appears from its first call.\n';

  const header = ['NAME', 'STATE', 'LOCK', 'FAILURES', 'NEXT PROBE', 'CHANGED', 'LAST ERROR'];
  const rows = sortBreakers(views).map((view) => [
    printable(view.name),
    view.state,
    view.locked ?? '-',
    String(view.failures),
    nextProbe(view, now),
    ago(view.changedAt, now),
    lastError(view, now),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[], state?: string): string =>
    cells
      .map((cell, column) => {
        const padded = column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
        return column === 1 && state !== undefined && colour
          ? `${colours[state] ?? ''}${padded}${reset}`
          : padded;
      })
      .join('  ')
      .trimEnd();

  return [line(header), ...rows.map((row) => line(row, row[1]))].join('\n') + '\n';
}
