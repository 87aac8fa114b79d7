/**
 * How human tables look. On a terminal: cli-table3's box drawing. Piped or redirected (a cron mail,
 * `| grep`, `> file`): plain columns two spaces apart, no border characters, so every line greps
 * and `awk '{print $1}'` gives the first column. (CONTRACT: tables and colour when stdout is a TTY.)
 */
import type { TableConstructorOptions } from 'cli-table3';

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

/** A rendered table without the trailing spaces plain columns leave. */
export function rendered(table: { toString(): string }): string {
  return table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}
