/**
 * Plain columns (two spaces apart, no borders) that fit a terminal width: when the natural widths
 * do not fit, the columns marked `shrink` give up room, widest first, and their cells end in "…".
 * Colour codes do not count toward a width. Used by the on-call views (status, the timeline).
 */
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { printableDeep as printableValues } from '../text/printable-deep.js';
import { VIEW_MARK } from '../text/printable.js';

/**
 * Columns a cell takes on a terminal: colour codes take none, an emoji or an East Asian wide
 * character two, a whole emoji sequence (a pictograph with its selector, a joined family) one
 * glyph's width.
 */
export const visibleWidth = (s: string): number => stringWidth(s);

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The width to fit: the terminal's, else COLUMNS when set (a user asking a pipe for a width), else
 * undefined: a pipe or a cron mail has no width, and cutting what a script greps for loses facts.
 */
export function terminalWidth(
  stream: { isTTY?: boolean; columns?: number } = process.stdout,
  env: Record<string, string | undefined> = process.env,
): number | undefined {
  if (stream.isTTY && stream.columns && stream.columns > 20) return stream.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 20 ? fromEnv : undefined;
}

/**
 * A report for a terminal with every string made printable: text read from a log or a provider
 * (a job name, an error body) may hold terminal escapes, line breaks that forge a line of the
 * view, or bidi and zero-width characters that disguise one, and a human view must not replay
 * them. Each run of them becomes "?" (VIEW_MARK, as in the report's pages), line breaks and tabs included: the views draw their own
 * lines, and no value in a report (config values neither) needs one of its own.
 */
export function printableDeep<T>(value: T): T {
  return printableValues(value, VIEW_MARK);
}

/** `s` cut to `width` printable characters, ending in "…" when cut (colour is dropped from a cut cell). */
export function truncate(s: string, width: number): string {
  if (visibleWidth(s) <= width) return s;
  const room = width <= 1 ? width : width - 1;
  let kept = '';
  let used = 0;
  // whole graphemes only: a cut inside a surrogate pair or an emoji sequence prints as U+FFFD
  for (const { segment } of graphemes.segment(stripVTControlCharacters(s))) {
    const w = stringWidth(segment);
    if (used + w > room) break;
    kept += segment;
    used += w;
  }
  return width <= 1 ? kept : kept + '…';
}

const pad = (s: string, width: number) => s + ' '.repeat(Math.max(0, width - visibleWidth(s)));

export interface ColumnsOptions {
  width: number;
  /** Indexes of the columns that may be cut to fit (default: the last one). */
  shrink?: number[];
  /** Each column at least this wide when shrunk. Default 6. */
  minWidth?: number;
  /** Applied to the header cells (e.g. bold). */
  head?: (s: string) => string;
}

/** Each column's natural width (its widest cell, header included). */
function naturalWidths(head: string[], rows: string[][]): number[] {
  return head.map((h, i) => Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))));
}

/** Whether the columns fit `width` with the `shrink` columns cut down to `minWidth` at most. */
export function columnsFit(head: string[], rows: string[][], opts: ColumnsOptions): boolean {
  const widths = naturalWidths(head, rows);
  const floor = opts.minWidth ?? 6;
  const shrinkable = new Set(opts.shrink ?? [head.length - 1]);
  const least = widths.reduce((sum, w, i) => sum + (shrinkable.has(i) ? Math.min(w, floor) : w), 0);
  return least + 2 * (head.length - 1) <= opts.width;
}

export function columns(head: string[], rows: string[][], opts: ColumnsOptions): string {
  const n = head.length;
  const widths = naturalWidths(head, rows);
  const gap = 2 * (n - 1);
  const shrinkable = opts.shrink ?? [n - 1];
  const floor = opts.minWidth ?? 6;
  let over = widths.reduce((a, b) => a + b, 0) + gap - opts.width;
  while (over > 0) {
    const widest = shrinkable.filter((i) => widths[i] > floor).sort((a, b) => widths[b] - widths[a])[0];
    if (widest === undefined) break; // nothing left to give: the line overflows rather than lose columns
    const second = Math.max(floor, ...shrinkable.filter((i) => i !== widest).map((i) => widths[i]));
    const take = Math.min(over, widths[widest] - floor, Math.max(1, widths[widest] - second));
    widths[widest] -= take;
    over -= take;
  }
  const line = (cells: string[], style = (s: string) => s) =>
    cells
      .map((c, i) => {
        const cell = truncate(c ?? '', widths[i]);
        return i === n - 1 ? style(cell) : pad(style(cell), widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(head, opts.head), ...rows.map((r) => line(r))].join('\n') + '\n';
}

/** Plain text wrapped at spaces to `width` (a word longer than the width stays whole on its line). */
export function wrap(text: string, width: number): string {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line && visibleWidth(line) + 1 + visibleWidth(word) > width) {
        out.push(line);
        line = '  ' + word; // continuation lines are indented
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.join('\n');
}
