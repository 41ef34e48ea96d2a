/** Helpers of the demo's tests: reading a run's record and checking that its ports are closed. */
import net from 'node:net';
import type { DemoEvent } from '../../src/demo/demo-event.js';

export type Transition = Extract<DemoEvent, { type: 'transition' }>;

/** The transitions of one breaker, oldest first. */
export function transitionsOf(events: readonly DemoEvent[], breaker: string): Transition[] {
  return events.filter(
    (event): event is Transition => event.type === 'transition' && event.breaker === breaker,
  );
}

/**
 * The spells a breaker spent open: from each move to `open` to the next move to `half-open` (or
 * `Infinity` when it never came).
 */
export function openSpells(transitions: readonly Transition[]): { from: number; to: number }[] {
  const spells: { from: number; to: number }[] = [];
  for (const [index, transition] of transitions.entries()) {
    if (transition.to !== 'open') continue;
    const next = transitions.slice(index + 1).find((item) => item.to === 'half-open');
    spells.push({ from: transition.at, to: next?.at ?? Infinity });
  }

  return spells;
}

/** `from -> to` of each transition, to compare with an expected sequence. */
export function moves(transitions: readonly Transition[]): string[] {
  return transitions.map((event) => `${event.from} -> ${event.to}`);
}

/** Resolves to the error code of a connection to 127.0.0.1:port, or `connected`. */
export function connectTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

/** The ports in `http://127.0.0.1:PORT` addresses in `text`. */
export function printedPorts(text: string): number[] {
  return [...text.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
}

/** Escape sequences that move the cursor or colour text. */
// eslint-disable-next-line no-control-regex
export const ansiEscape = /\u001b\[/;

/**
 * A terminal that understands what the screen sends: text, newlines, "cursor to the start of
 * the line n lines up" (CSI n F), "clear to the end of the screen" (CSI J) and colours (dropped).
 */
export class Terminal {
  readonly lines: string[] = [''];
  #row = 0;

  write(text: string): void {
    // eslint-disable-next-line no-control-regex
    for (const part of text.split(/(\u001b\[[0-9;]*[A-Za-z]|\n)/)) {
      if (part === '') continue;
      if (part === '\n') {
        this.#row += 1;
        this.lines[this.#row] ??= '';
        continue;
      }

      // eslint-disable-next-line no-control-regex
      const command = /^\u001b\[([0-9;]*)([A-Za-z])$/.exec(part);
      if (command === null) {
        this.lines[this.#row] = (this.lines[this.#row] ?? '') + part;
      } else if (command[2] === 'F') {
        this.#row = Math.max(0, this.#row - Number(command[1] || 1));
      } else if (command[2] === 'J') {
        this.lines.length = this.#row + 1;
        this.lines[this.#row] = '';
      }
    }
  }

  get text(): string {
    return this.lines.join('\n');
  }
}
