/** Options of {@link DemoScreen}. */
export interface DemoScreenOptions {
  /** Where text goes, e.g. `(text) => process.stdout.write(text)`. */
  readonly write: (text: string) => void;
  /**
   * Keeps a live block (the summary) at the bottom, redrawn in place with ANSI cursor moves: for
   * a terminal only. Off, the screen prints plain lines and the block is never drawn.
   * @default false
   */
  readonly live?: boolean;
  /**
   * The terminal's width; live lines are cut to it so the block's height stays known. A width
   * under 20 (a terminal that does not say) reads as 100.
   * @default 100
   */
  readonly columns?: number;
}

// Move to the start of the line `n` lines up, then clear to the end of the screen.
const up = (n: number): string => `\u001b[${n}F\u001b[J`;
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * The demo's terminal: lines that scroll, and in a terminal a live block below them that is
 * redrawn in place. Without `live` it writes plain lines only, which read well in a CI log.
 */
export class DemoScreen {
  /** True when the live block is drawn. */
  readonly live: boolean;
  readonly #write: (text: string) => void;
  readonly #columns: number;
  #block: readonly string[] = [];
  #shown = 0;

  constructor(options: DemoScreenOptions) {
    this.#write = options.write;
    this.live = options.live ?? false;
    const columns = options.columns ?? 0;
    this.#columns = columns >= 20 ? columns : 100;
  }

  /** Prints lines that stay, above the live block. */
  print(...lines: string[]): void {
    const erase = this.#shown > 0 ? up(this.#shown) : '';
    this.#shown = 0;
    this.#write(erase + lines.map((line) => `${line}\n`).join(''));
    this.#draw();
  }

  /** Replaces the live block; without `live` it is kept but never drawn. */
  show(block: readonly string[]): void {
    this.#block = block;
    if (!this.live) return;

    const erase = this.#shown > 0 ? up(this.#shown) : '';
    this.#shown = 0;
    this.#write(erase);
    this.#draw();
  }

  /** Removes the live block from the terminal, leaving the lines printed above it. */
  clear(): void {
    if (this.#shown > 0) this.#write(up(this.#shown));
    this.#shown = 0;
    this.#block = [];
  }

  #draw(): void {
    if (!this.live || this.#block.length === 0) return;

    const lines = this.#block.map((line) => fit(line, this.#columns - 1));
    this.#write(lines.map((line) => `${line}\n`).join(''));
    this.#shown = lines.length;
  }
}

/** Cuts `line` to `width` visible characters, keeping its colour codes. */
function fit(line: string, width: number): string {
  if (line.replace(ansi, '').length <= width) return line;

  let visible = 0;
  let out = '';
  // eslint-disable-next-line no-control-regex
  for (const part of line.split(/(\u001b\[[0-9;]*[A-Za-z])/)) {
    if (part.startsWith('\u001b[')) {
      out += part;
      continue;
    }

    const room = width - visible;
    out += part.slice(0, Math.max(0, room));
    visible += Math.min(part.length, Math.max(0, room));
  }

  return `${out}\u001b[0m`;
}
