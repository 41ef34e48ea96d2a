import { describe, expect, it } from 'vitest';
import { DemoScreen } from '../../src/demo/demo-screen.js';
import { renderSummary } from '../../src/demo/render-summary.js';
import type { BreakerRow } from '../../src/demo/breaker-tally.js';
import { Terminal, ansiEscape } from './demo-harness.js';

const row = (breaker: string, state: BreakerRow['state'], calls: number): BreakerRow => ({
  breaker,
  state,
  calls,
  successes: calls,
  failures: 0,
  refusals: 0,
  fallbacks: 0,
  requests: calls,
  throttled: 0,
  serverErrors: 0,
  opened: 0,
});

describe('DemoScreen', () => {
  it('keeps the live block below the printed lines, redrawn in place', () => {
    const terminal = new Terminal();
    const screen = new DemoScreen({ write: (text) => terminal.write(text), live: true });

    screen.print('first');
    screen.show(['status 1', 'table 1']);
    screen.print('second', 'third');
    screen.show(['status 2', 'table 2', 'more']);
    screen.show(['status 3']);
    screen.print('fourth');

    expect(terminal.text).toBe('first\nsecond\nthird\nfourth\nstatus 3\n');
    screen.clear();
    expect(terminal.text).toBe('first\nsecond\nthird\nfourth\n');
  });

  it('cuts live lines to the terminal width so the block height stays right', () => {
    const terminal = new Terminal();
    const screen = new DemoScreen({
      write: (text) => terminal.write(text),
      live: true,
      columns: 30,
    });

    screen.show(['x'.repeat(80), `\u001b[31m${'y'.repeat(80)}\u001b[0m`]);
    screen.print('after');

    expect(terminal.lines.slice(0, 3)).toEqual(['after', 'x'.repeat(29), 'y'.repeat(29)]);
  });

  it('writes only plain lines when it is not live', () => {
    let written = '';
    const screen = new DemoScreen({ write: (text) => (written += text) });

    screen.print('one');
    screen.show(['never drawn']);
    screen.print('two');
    screen.clear();

    expect(written).toBe('one\ntwo\n');
  });
});

describe('renderSummary', () => {
  const rows = [row('twilio:send_sms', 'open', 12), row('stripe:get_customer', 'half-open', 3)];

  it('lines up a header and one row per breaker', () => {
    expect(renderSummary(rows)).toEqual([
      '  breaker              state     calls failed refused fallback requests 429s',
      '  twilio:send_sms      open         12      0       0        0       12    0',
      '  stripe:get_customer  half-open     3      0       0        0        3    0',
    ]);
  });

  it('colours states only when asked, keeping the columns aligned', () => {
    expect(renderSummary(rows).join('\n')).not.toMatch(ansiEscape);
    const colored = renderSummary(rows, { color: true });
    expect(colored[1]).toContain('\u001b[31mopen\u001b[0m');
    // eslint-disable-next-line no-control-regex
    expect(colored.map((line) => line.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(
      renderSummary(rows),
    );
  });
});
