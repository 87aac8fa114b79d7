/**
 * The picture of an afternoon, in text: per job a row of cells on one time axis, a legend, and
 * whether each cell is one slot or the worst of several. Every outcome has its own character, so
 * it reads the same without colour (a cron mail, NO_COLOR); colour only adds to it on a terminal.
 */
import type { CellStatus, Timeline } from '../analysis/timeline.js';
import { formatDuration } from '../time.js';
import { offsetAt } from '../schedule/zone-offset.js';
import { truncate, visibleWidth, wrap } from './columns.js';
import type { DisplayTimes } from './time-format.js';

type Paint = (s: string) => string;
export interface TimelinePalette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
  magenta: Paint;
}

const LOOK: Record<CellStatus, { char: string; label: string; paint: keyof TimelinePalette }> = {
  served: { char: '#', label: 'served', paint: 'green' },
  degraded: { char: '~', label: 'served by a fallback', paint: 'yellow' },
  failed: { char: 'X', label: 'failed', paint: 'red' },
  missing: { char: '?', label: 'missing (nothing ran)', paint: 'magenta' },
  pending: { char: '.', label: 'pending (not judged yet)', paint: 'dim' },
  // a slot due while the job was out of the config: not judged, where a blank would read as "no
  // slot due"; the report's text timeline marks it with the same '-'
  'out-of-config': { char: '-', label: 'out of the config (not judged)', paint: 'dim' },
};

/** How many columns the cells may use on a line `width` wide with these job names. */
export function cellColumns(jobs: readonly string[], width: number): number {
  return Math.max(10, width - labelWidth(jobs));
}

const labelWidth = (jobs: readonly string[]) => Math.min(16, Math.max(3, ...jobs.map((j) => j.length))) + 2;

/** Label intervals the axis may use, smallest first. */
const TICKS = [15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * 60_000);

export function renderTimeline(
  t: Timeline,
  opts: { width: number; times: DisplayTimes; until: string; c: TimelinePalette },
): string {
  const { c, width, times } = opts;
  // one axis for every job: in the zone --tz chose, else UTC
  const zone = times.zone();
  const jobs = t.jobs.map((j) => j.job);
  const left = labelWidth(jobs);
  const sinceMs = Date.parse(t.since);

  // few slots on a wide terminal: each cell gets more than one column (the char repeated, then a space)
  const cw = Math.max(1, Math.min(4, Math.floor((width - left) / t.columns)));
  const paintCell = (look: { char: string; paint: keyof TimelinePalette }) =>
    c[look.paint](look.char.repeat(cw > 1 ? cw - 1 : 1)) + (cw > 1 ? ' ' : '');
  const cellOf = (s: CellStatus | null) => (s === null ? ' '.repeat(cw) : paintCell(LOOK[s]));

  // an axis label every `tick` of the zone's wall clock, where there is room (5 characters and a space)
  const offset = zone === 'UTC' ? 0 : offsetAt(zone, sinceMs);
  const label = (ms: number, tick: number) => {
    const wall = new Date(ms + offset).toISOString();
    return tick >= 1440 * 60_000 ? wall.slice(5, 10) : wall.slice(11, 16);
  };
  const tick = TICKS.find((ms) => (ms / t.stepMs) * cw >= 6) ?? TICKS[TICKS.length - 1];
  const span = t.columns * cw;
  const axis: string[] = new Array(span).fill(' ');
  const marks: string[] = new Array(span).fill(' ');
  let free = 0;
  for (let i = 0; i < t.columns; i++) {
    const start = sinceMs + i * t.stepMs;
    const boundary = Math.ceil((start + offset) / tick) * tick - offset;
    const at = i * cw;
    if (boundary >= start + t.stepMs || at < free) continue;
    const text = label(boundary, tick);
    if (at + text.length > span + cw) break;
    for (let k = 0; k < text.length; k++) axis[at + k] = text[k];
    marks[at] = '|';
    free = at + text.length + 1;
  }

  const per = formatDuration(t.stepMs);
  const [since, until] = times.window(t.since, opts.until);
  const head =
    c.bold('Timeline') +
    c.dim(
      ` · ${since} → ${until} · one cell = ${per}` +
        (t.slotsPerCell > 1 ? ` (up to ${t.slotsPerCell} slots: the worst shown)` : ' (one slot)'),
    );
  const lines = [
    wrap(head, width),
    ' '.repeat(left) + axis.join('').trimEnd(),
    ' '.repeat(left) + c.dim(marks.join('').trimEnd()),
  ];
  let anyOut = false;
  for (const row of t.jobs) {
    const name = truncate(row.job, left - 2);
    if (row.cells.includes('out-of-config')) anyOut = true;
    lines.push((name + ' '.repeat(left - name.length) + row.cells.map(cellOf).join('')).trimEnd());
  }
  // the legend, broken between its items (never inside one)
  let legend = '';
  // the out-of-config mark is explained only where it is drawn, as in the report
  const { 'out-of-config': out, ...judged } = LOOK;
  const looks = [...Object.values(judged), ...(anyOut ? [out] : [])];
  for (const look of looks) {
    const item = `${c[look.paint](look.char)} ${look.label}`;
    const line = legend.slice(legend.lastIndexOf('\n') + 1);
    if (line && visibleWidth(line) + 3 + visibleWidth(item) > width) legend += '\n' + item;
    else legend += (line ? '   ' : '') + item;
  }
  lines.push(legend);
  return lines.join('\n') + '\n';
}
