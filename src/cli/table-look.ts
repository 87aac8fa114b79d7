/**
 * How human tables look. On a terminal: cli-table3's box drawing. Piped or redirected (a cron mail,
 * `| grep`, `> file`): plain columns two spaces apart, no border characters, so every line greps
 * and `awk '{print $1}'` gives the first column.
 */
import type { TableConstructorOptions } from 'cli-table3';
import { terminalWidth } from './columns.js';

type Chars = NonNullable<TableConstructorOptions['chars']>;

const NO_BORDERS: Chars = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
};

/** Whether human tables get borders: stdout is a terminal. */
export const boxed = (): boolean => Boolean(process.stdout.isTTY);

/**
 * Options to spread into `new Table(...)`: `chars` and `style` (no cli-table3 colours: colour comes
 * from chalk). `onTerminal`: extra chars for the boxed look (e.g. no rule between body rows).
 */
export function tableLook(
  onTerminal: Partial<Chars> = {},
  tty = boxed(),
): Pick<TableConstructorOptions, 'chars' | 'style'> {
  if (tty) return { chars: onTerminal, style: { head: [], border: [] } };
  return { chars: NO_BORDERS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } };
}

/**
 * A rendered table without the trailing spaces plain columns leave, no wider than `width` (default:
 * the terminal's): when its natural width is more, the widest columns are narrowed and their cells
 * wrap at word boundaries (a word longer than its column is cut with "…").
 */
export function rendered(table: { toString(): string }, width = terminalWidth()): string {
  if (width !== undefined) fitTo(table as unknown as FittableTable, width);
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

type Cell = string | number | { content?: unknown } | null | undefined;
interface FittableTable extends Array<Cell[] | Record<string, Cell>> {
  options: {
    head: Cell[];
    colWidths: Array<number | null>;
    wordWrap: boolean;
    wrapOnWordBoundary: boolean;
    chars: Record<string, string>;
    style: { 'padding-left': number; 'padding-right': number };
  };
}

/** Narrowest a column is made (padding included), unless its content is narrower. */
const MIN_COLUMN = 6;
const ANSI = /\u001b\[[0-9;]*m/g;

const plain = (cell: Cell): string =>
  String(cell !== null && typeof cell === 'object' ? (cell.content ?? '') : (cell ?? '')).replace(ANSI, '');
const longest = (parts: string[]): number => Math.max(0, ...parts.map((p) => [...p].length));

function fitTo(table: FittableTable, width: number): void {
  const { options } = table;
  // a row is an array of cells, or { key: value } in a two-column (vertical) table
  const rows = [options.head, ...table].map((row) => (Array.isArray(row) ? row : Object.entries(row).flat()));
  const columns = Math.max(0, ...rows.map((row) => row.length));
  if (columns === 0) return;
  const padding = options.style['padding-left'] + options.style['padding-right'];
  const widest = (i: number, split: RegExp) =>
    Math.max(...rows.map((row) => (i < row.length ? longest(plain(row[i]).split(split)) : 0))) + padding;
  const natural = Array.from({ length: columns }, (_, i) => widest(i, /\n/));
  const borders = options.chars.left.length + options.chars.right.length + (columns - 1) * options.chars.middle.length;
  const room = width - borders;
  const sum = (ws: number[]) => ws.reduce((a, b) => a + b, 0);
  if (sum(natural) <= room) return;
  // wrap between words where that is enough (no word cut); else cut words too
  const words = natural.map((w, i) => Math.min(w, Math.max(MIN_COLUMN, widest(i, /\s+/))));
  const floor = sum(words) <= room ? words : natural.map((w) => Math.min(w, MIN_COLUMN));
  // the widest columns give way first: the largest cap under which everything fits
  const at = (cap: number) => natural.map((w, i) => Math.max(floor[i], Math.min(w, cap)));
  let cap = Math.max(...natural);
  while (cap > MIN_COLUMN && sum(at(cap)) > room) cap--;
  options.colWidths = at(cap);
  options.wordWrap = true;
  options.wrapOnWordBoundary = true;
}
