/** Human output of `postmortem gaps`: a table per gap, an incident summary, late runs. */
import { NOT_IN_CONFIG } from '../analysis/cause.js';
import type { GapReport } from '../analysis/gaps.js';
import type { JudgingBasis } from '../analysis/judging.js';
import type { Incident } from '../analysis/incidents.js';
import { formatDuration } from '../time.js';
import { printableDeep } from './columns.js';
import { boxed, rendered, tableLook } from './table-look.js';
import { DisplayTimes } from './time-format.js';
import { outOfConfigLine } from './out-of-config-line.js';

export interface ViewOptions {
  color: boolean;
  /** Box-drawn tables (default: when stdout is a terminal). */
  boxed?: boolean;
  /** Terminal width for the timeline (default 80). */
  width?: number;
  /** How times print (default: UTC, the report's `until` as now). */
  times?: DisplayTimes;
}

export async function renderGapReport(raw: GapReport, opts: ViewOptions): Promise<string> {
  const report = printableDeep(raw);
  const [{ Chalk }, { default: Table }] = await Promise.all([import('chalk'), import('cli-table3')]);
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const times = opts.times ?? new DisplayTimes(Date.parse(report.until));
  const at = (iso: string | null, job?: string) => (iso === null ? 'open' : times.at(iso, job));
  // no rule between body rows: compact, and easy to grep
  const compact = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
  const table = (head?: string[]) => {
    const look = tableLook(head ? {} : compact, opts.boxed ?? boxed());
    return new Table({
      ...(head ? { head: head.map((h) => c.bold(h)) } : {}),
      ...look,
      style: { ...look.style, border: opts.color ? ['grey'] : [] },
      wordWrap: true,
    });
  };
  const out: string[] = [];
  const slotsTotal = report.jobs.reduce((n, j) => n + j.slots, 0);
  out.push(
    c.bold(`Gaps from ${times.full(report.since)} to ${times.full(report.until)}`) +
      c.dim(
        `  ·  ${report.jobs.length} job(s), ${slotsTotal} slot(s)  ·  ${report.linesRead} line(s) read, ${report.skippedLines} skipped`,
      ),
  );
  out.push(c.dim(judgingLine(report, times)));
  const outOfConfig = outOfConfigLine(report, times);
  if (outOfConfig) out.push(c.dim(outOfConfig));
  out.push('');

  if (report.timeline) {
    const { renderTimeline } = await import('./timeline-view.js');
    out.push(
      renderTimeline(report.timeline, {
        width: opts.width ?? 80,
        times,
        until: report.until,
        c,
      }),
    );
  }

  if (report.gaps.length === 0) {
    const pending = report.jobs.reduce((n, j) => n + j.pending, 0);
    // slots of a job while it was out of the config were not judged: "every slot" would overstate it
    const notJudged = report.jobs.reduce((n, j) => n + (j.notJudgedOutOfConfig ?? 0), 0);
    const byFallback = report.degraded.reduce((n, d) => n + d.slots, 0);
    // the fallback count belongs to the served slots: said beside them, not after the unjudged ones
    const fallback = byFallback > 0 ? c.yellow(` (${byFallback} by a fallback, below)`) : '';
    out.push(
      (notJudged > 0
        ? c.green('No gaps: every judged slot was served') +
          fallback +
          c.green(`; ${notJudged} not judged (out of the config).`)
        : c.green('No gaps: every slot was served') + fallback + c.green('.')) +
        (pending ? c.dim(` (${pending} recent slot(s) not judged yet)`) : ''),
      '',
    );
  }

  for (const gap of report.gaps) {
    const heading = `${c.bold(gap.job)}  ${at(gap.start, gap.job)} → ${gap.open ? c.red('still open') : at(gap.end, gap.job)}  (${formatDuration(gap.durationMs)}, ${gap.slots} slot(s))`;
    const t = table();
    t.push(
      {
        unserved: `${gap.slots}: ${colorCount(c.red, gap.failed, 'failed')}, ${colorCount(c.yellow, gap.missing, 'missing')}`,
      },
      { 'first slot': at(gap.start, gap.job) },
      { 'last slot': at(gap.lastSlot, gap.job) },
      { resumed: gap.open ? c.red('not yet') : at(gap.end, gap.job) },
      {
        cause:
          gap.cause ??
          (gap.failed === 0 ? c.yellow('no records at all: the job never started (or never logged)') : 'unknown'),
      },
    );
    out.push(heading, rendered(t), '');
  }

  if (report.incidents.length > 0) {
    out.push(c.bold(`Incidents (${report.incidents.length})`));
    const t = table(['when', 'duration', 'jobs', 'slots', 'cause']);
    for (const incident of report.incidents) t.push(incidentRow(incident, c, times));
    out.push(rendered(t), '');
  }

  if (report.degraded.length > 0) {
    const slots = report.degraded.reduce((n, d) => n + d.slots, 0);
    out.push(c.bold(`Served by a fallback (${report.degraded.length} stretch(es), ${slots} slot(s))`));
    const t = table(['job', 'from', 'until', 'slots', 'served by']);
    for (const d of report.degraded)
      t.push([
        d.job,
        at(d.start, d.job),
        d.open ? c.yellow('still degraded') : at(d.end, d.job),
        String(d.slots),
        d.providers.map((p) => (d.notInConfig?.includes(p) ? `${p}${NOT_IN_CONFIG}` : p)).join(', '),
      ]);
    out.push(rendered(t), c.dim('Served, so not gaps: the primary was down and a fallback kept each slot.'), '');
  }

  if (report.late.length > 0) {
    out.push(c.bold(`Late but served (${report.late.length})`));
    const t = table(['job', 'slot', 'late by', 'trigger']);
    for (const late of report.late.slice(0, 50))
      t.push([late.job, at(late.slot, late.job), formatDuration(late.lateMs), lateTrigger(late)]);
    out.push(rendered(t));
    const byFallback = report.late.filter((l) => l.fallback !== undefined).length;
    if (byFallback > 0)
      out.push(
        c.dim(
          `${byFallback} of them filled later by a fallback: unserved at their time, so in no "Served by a fallback" stretch.`,
        ),
      );
    if (report.late.length > 50) out.push(c.dim(`… and ${report.late.length - 50} more (see --json)`));
    out.push('');
  }

  if (report.doubles.length > 0) {
    const shown = report.doubles.slice(0, 20).map((d) => `${d.job} ${at(d.slot, d.job)} ×${d.runs}`);
    const more = report.doubles.length > 20 ? ` … and ${report.doubles.length - 20} more (see --json)` : '';
    out.push(c.yellow(`Served more than once (${report.doubles.length}): ${shown.join(', ')}${more}`), '');
  }
  const elsewhere = report.jobs.reduce((n, j) => n + j.servedElsewhere, 0);
  if (elsewhere > 0)
    out.push(
      c.dim(`${elsewhere} slot(s) served on another host (counted as served; runs here found them served there).`),
    );
  // only a skip line here says so: shown as such, never paged (it is all the record holds)
  const unverified = report.servedElsewhere.filter((e) => e.unverified);
  if (unverified.length > 0) {
    const shown = unverified
      .slice(0, 20)
      .map((e) => `${e.job} ${at(e.slot, e.job)} served on ${e.host || 'another host'} (its run not in the logs read)`);
    const more = unverified.length > 20 ? `; … and ${unverified.length - 20} more (see --json)` : '';
    out.push(
      c.yellow(`Served elsewhere, unverified (${unverified.length}): ${shown.join('; ')}${more}.`),
      c.dim(
        'Only a skip line of this host says so, and the shared ledger does not name the run: read that host’s log too (--log) to check.',
      ),
    );
  }
  if (report.skippedLines > 0)
    out.push(
      c.dim(
        `${report.skippedLines} line(s) were not job records (not JSON, truncated, or missing fields) and were skipped.`,
      ),
    );
  out.push(c.dim(times.note(report.jobs.map((j) => j.job))));
  return out.join('\n').replace(/\n*$/, '\n');
}

/**
 * Whence a job with no record of its own is judged when that is before the window (its
 * JudgingBasis); beside jobs with records only `log` and `added` occur, the others for completeness.
 */
const WHENCE: Record<Exclude<JudgingBasis, 'job'>, string> = {
  log: 'judged from the first record of any job, before the window',
  added: 'judged from when the watchdog first saw it in the config, before the window',
  config: 'judged from when the config file was last written, before the window',
  window: 'no records at all',
};

/** When judging began per job: slots before a job's first record (or the log's) are not gaps. */
export function judgingLine(report: Pick<GapReport, 'since' | 'jobs'>, times: DisplayTimes): string {
  const sinceMs = Date.parse(report.since);
  const why = {
    job: 'its first record',
    log: 'no record of its own: the first record of any job',
    config: 'no records at all: when the config file was last written',
    window: '',
    added: 'no record of its own: when the watchdog first saw it in the config',
  };
  if (report.jobs.length > 0 && report.jobs.every((j) => j.judgedBy === 'window'))
    return 'Judged from the start of the window: the logs read have no job records at all.';
  if (report.jobs.length > 0 && report.jobs.every((j) => j.judgedBy === 'config')) {
    const from = report.jobs[0].judgedFrom;
    return Date.parse(from) > sinceMs
      ? `Judged from ${times.at(from)}, when the config file was last written: the logs read have no job records yet (nothing ran before the config existed).`
      : 'Judged from the start of the window: the logs read have no job records at all, and the config is older than the window.';
  }
  const later = report.jobs.filter((j) => Date.parse(j.judgedFrom) > sinceMs);
  if (later.length === 0) {
    // only a job with records of its own has them from before the window: the others say whence
    const own = report.jobs.filter((j) => j.judgedBy === 'job');
    if (own.length === report.jobs.length)
      return 'Judged from the start of the window: every job has records from before it.';
    const none = report.jobs.flatMap((j) =>
      j.judgedBy === 'job' ? [] : [`${j.job} has no record of its own (${WHENCE[j.judgedBy]})`],
    );
    const names = own.map((j) => j.job).join(', ');
    const have = own.length === 0 ? '' : `${names} ${own.length === 1 ? 'has' : 'have'} records from before it; `;
    return `Judged from the start of the window: ${have}${none.join('; ')}.`;
  }
  const each = later.map((j) => `${j.job} from ${times.at(j.judgedFrom, j.job)} (${why[j.judgedBy]})`);
  const rest = report.jobs.length - later.length;
  return `Judged from when lucy-ops began: ${each.join('; ')}${rest > 0 ? `; ${rest} other job(s) from the start of the window` : ''}.`;
}

function incidentRow(incident: Incident, c: InstanceType<typeof import('chalk').Chalk>, times: DisplayTimes): string[] {
  // an incident spans jobs: its times are in the one zone of the view
  const when = `${times.at(incident.start)} → ${incident.open || incident.end === null ? c.red('open') : times.at(incident.end)}`;
  // over, but a job of it has not been served since (its next slot has not come): said beside it,
  // as the report says it, so the open gap above is not read as part of an incident that goes on
  const owes = incident.owing.map(
    (o) =>
      `${o.job} still owes ${o.slots === 1 ? times.at(o.start, o.job) : `${times.at(o.start, o.job)}–${times.at(o.lastSlot, o.job)} (${o.slots} slots)`}`,
  );
  const parts = [
    incident.failed ? `${incident.failed} failed` : '',
    incident.missing ? `${incident.missing} missing` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return [
    owes.length > 0 ? `${when} ${c.yellow(`(${owes.join(', ')})`)}` : when,
    formatDuration(incident.durationMs),
    `${incident.jobs.length}: ${incident.jobs.join(', ')}`,
    `${incident.slots} (${parts})`,
    incident.cause ?? '—',
  ];
}

function colorCount(paint: (s: string) => string, n: number, label: string): string {
  return n > 0 ? paint(`${n} ${label}`) : `0 ${label}`;
}

/** "backfill", or "filled later by backfill via llama (fallback)" when a fallback filled the slot. */
function lateTrigger(late: GapReport['late'][number]): string {
  if (late.fallback === undefined) return late.trigger;
  const by = late.trigger === 'backfill' ? 'backfill' : `a ${late.trigger} run`;
  return `filled later by ${by} via ${late.fallback} (fallback)`;
}
