/** Human output of `lucy-ops status`: jobs, then providers, then where the state lives. Fits `width`. */
import type { StatusReport } from '../jobs/status-report.js';
import type { JobStatus } from '../analysis/status.js';
import { formatDuration } from '../time.js';
import { columns, wrap } from './columns.js';
import { sinceLabel, untilLabel, wallClock, zoneNote } from './time-format.js';

type Paint = (s: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
}

export function renderStatus(report: StatusReport, opts: { width: number; c: Palette }): string {
  const { c, width } = opts;
  const now = Date.parse(report.now);
  const out: string[] = [];
  out.push(
    wrap(
      c.bold('lucy-ops status') +
        c.dim(
          ` · now ${wallClock(now, now)} · log read from ${wallClock(report.since, now)} (${formatDuration(now - Date.parse(report.since))})`,
        ),
      width,
    ),
    '',
  );

  const jobRows = report.jobs.map((j) => jobRow(j, now, c));
  out.push(
    columns(['job', 'last slot', 'outcome', 'in a row', 'next slot'], jobRows, { width, shrink: [2, 0], head: c.bold }),
  );

  const providerRows = report.providers.map((p) => [
    p.provider,
    (p.state === 'closed' ? c.green(p.state) : p.state === 'open' ? c.red(p.state) : c.yellow(p.state)) +
      (p.by === 'manual' ? c.yellow(' by hand') : ''),
    p.downSince ? sinceLabel(p.downSince, now) : '',
    p.retryAt ? `${wallClock(p.retryAt, now)} (${untilLabel(p.retryAt, now)})` : '',
    p.lastError ?? '',
  ]);
  out.push(
    columns(['provider', 'breaker', 'down since', 'retry', 'last error'], providerRows, {
      width,
      shrink: [4, 0, 3],
      head: c.bold,
    }),
  );

  const notes: string[] = [];
  for (const p of report.providers) {
    if (p.by === 'manual' && p.state === 'open')
      notes.push(
        c.yellow(`${p.provider} was tripped by hand (by: manual); \`lucy-ops breaker reset ${p.provider}\` closes it`),
      );
  }
  if (!report.log.found) notes.push(c.yellow(`no job log at ${report.log.path} yet: no run has been recorded`));
  if (report.log.skippedLines > 0)
    notes.push(c.dim(`${report.log.skippedLines} log line(s) were not records and were skipped`));
  const store =
    `state: ${report.store.kind} store (${report.store.where})` +
    (report.store.fallback ? c.yellow(` — fallback: ${report.store.fallback}`) : '');
  notes.push(c.dim(`${store} · ${zoneNote()}`));
  out.push(notes.map((n) => wrap(n, width)).join('\n'));
  return out.join('\n').replace(/\n*$/, '\n');
}

function jobRow(j: JobStatus, now: number, c: Palette): string[] {
  const last = j.last;
  let outcome: string;
  if (!last) outcome = c.dim('no run in the window');
  else if (last.outcome === 'ok')
    outcome = last.degraded
      ? c.yellow(`ok by ${last.provider ?? '?'} (fallback)`)
      : c.green(`ok`) + (last.provider ? ` by ${last.provider}` : '');
  else if (last.outcome === 'running') outcome = c.dim('running');
  else outcome = c.red(last.outcome === 'failed' ? 'FAILED' : 'MISSING');
  const row: string[] = [];
  if (j.failuresInARow > 0) row.push(c.red(`${j.failuresInARow} unserved`));
  if (j.degradedInARow > 0) row.push(c.yellow(`${j.degradedInARow} degraded`));
  return [
    j.job,
    last ? wallClock(last.slot, now) : '—',
    outcome,
    row.join(', '),
    j.nextSlot ? `${wallClock(j.nextSlot, now)} (${untilLabel(j.nextSlot, now)})` : '—',
  ];
}
