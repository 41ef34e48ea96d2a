import type { BreakerRow } from './breaker-tally.js';
import type { DemoEvent } from './demo-event.js';
import type { StoryPhase, Vendor } from './demo-story.js';

const vendorNames: Record<Vendor, string> = { vapi: 'Vapi', twilio: 'Twilio', stripe: 'Stripe' };

/** `  6.1s`: seconds since the story started, right-aligned. */
export function clockText(elapsed: number): string {
  return `${(elapsed / 1000).toFixed(1)}s`.padStart(6);
}

/** `worker A` style prefix for lines heard from a worker; empty in one process. */
function who(worker: string): string {
  return worker === '' ? '' : `[${worker}] `;
}

/** The two lines that open a phase. */
export function phaseLines(
  phase: StoryPhase,
  index: number,
  count: number,
  elapsed: number,
): string[] {
  return [
    `${clockText(elapsed)}  --- ${index + 1}/${count} ${phase.title}`,
    `${' '.repeat(6)}      watch: ${phase.watch}`,
  ];
}

/** A line the clients logged (a breaker's transition), as printed. */
export function logLine(event: Extract<DemoEvent, { type: 'log' }>, elapsed: number): string {
  const level = event.level === 'warn' ? 'WARN' : 'info';
  return `${clockText(elapsed)}  ${who(event.worker)}${level} ${event.line}`;
}

/** Said once per open spell of a breaker, at its first refusal. */
export function refusalLine(
  event: Extract<DemoEvent, { type: 'call' }>,
  openedBy: string | undefined,
  vendor: Vendor,
  elapsed: number,
): string {
  const because =
    openedBy !== undefined && openedBy !== '' && openedBy !== event.worker
      ? `: worker ${openedBy}'s failure opened it for every process`
      : '';
  return (
    `${clockText(elapsed)}  ${who(event.worker)}     ` +
    `${event.breaker} refused a call at once, nothing sent to ${vendorNames[vendor]}${because}`
  );
}

/** The closing lines: what each vendor's trouble cost, from the final counts. */
export function outcomeLines(rows: readonly BreakerRow[]): string[] {
  const lines: string[] = [];
  for (const vendor of ['vapi', 'twilio', 'stripe'] as const) {
    const name = vendorNames[vendor];
    const mine = rows.filter((row) => row.breaker.startsWith(`${vendor}:`));
    const sum = (key: 'calls' | 'refusals' | 'opened' | 'throttled' | 'serverErrors'): number =>
      mine.reduce((total, row) => total + row[key], 0);
    const failed = sum('serverErrors');
    const throttled = sum('throttled');
    if (failed > 0) {
      lines.push(
        `${name}: ${count(failed, 'request')} failed; ` +
          `its breakers opened ${count(sum('opened'), 'time')} ` +
          `and refused ${count(sum('refusals'), 'call')} without sending them.`,
      );
    }

    if (throttled > 0) {
      const opened = sum('opened') === 0 ? `no ${name} breaker opened` : `a ${name} breaker opened`;
      lines.push(
        `${name}: ${count(throttled, 'request')} answered 429; ` +
          `the client waited the Retry-After and tried again; ${opened}.`,
      );
    }

    if (failed === 0 && throttled === 0 && sum('calls') > 0) {
      lines.push(`${name}: ${count(sum('calls'), 'call')}, no trouble.`);
    }
  }

  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
