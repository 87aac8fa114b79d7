/** Human output of `lucy-ops status`: jobs, then providers, then where the state lives. Fits `width`. */
import type { StatusReport } from '../jobs/status-report.js';
import type { JobStatus } from '../analysis/status.js';
import { columns, columnsFit, printableDeep, wrap } from './columns.js';
import type { DisplayTimes } from './time-format.js';
import { outOfConfigLine } from './out-of-config-line.js';
import { timeArg } from '../time.js';

type Paint = (s: string) => string;
export interface Palette {
  bold: Paint;
  dim: Paint;
  red: Paint;
  yellow: Paint;
  green: Paint;
}

export function renderStatus(raw: StatusReport, opts: { width: number; c: Palette; times: DisplayTimes }): string {
  const report = printableDeep(raw);
  const { c, width, times } = opts;
  const out: string[] = [];
  out.push(
    wrap(
      c.bold('lucy-ops status') + c.dim(` · now ${times.at(times.now)} · log read from ${times.since(report.since)}`),
      width,
    ),
    '',
  );

  // the outcome is never cut ("ok by llama-3.3-70b (fal…" hides the one word that matters): a
  // terminal too narrow for the table gets two lines per job instead
  const jobRows = report.jobs.map((j) => jobRow(j, times, c));
  const jobHead = ['job', 'last slot', 'outcome', 'in a row', 'next slot'];
  const jobColumns = { width, shrink: [0], head: c.bold };
  if (columnsFit(jobHead, jobRows, jobColumns)) out.push(columns(jobHead, jobRows, jobColumns));
  else out.push(jobRows.map((r) => stackedJob(r, width, c)).join('\n') + '\n');

  const providerRows = report.providers.map((p) => [
    p.provider,
    breakerCell(p, c),
    p.downSince ? times.since(p.downSince) : '',
    p.retryAt ? times.until(p.retryAt) : '',
    lastErrorCell(p, times, c),
  ]);
  const providerHead = ['provider', 'breaker', 'down since', 'retry', 'last error'];
  const providerColumns = { width, shrink: [] as number[], head: c.bold };
  if (columnsFit(providerHead, providerRows, providerColumns))
    out.push(columns(providerHead, providerRows, providerColumns));
  else out.push(providerRows.map((r) => stackedProvider(r, width, c)).join('\n') + '\n');

  const notes: string[] = [];
  const note = (text: string) => notes.push(wrap(text, width));
  for (const p of report.providers) {
    if (p.by === 'manual' && p.state === 'open')
      note(
        c.yellow(`${p.provider} was tripped by hand (by: manual); \`lucy-ops breaker reset ${p.provider}\` closes it`),
      );
  }
  for (const j of report.jobs) {
    const gap = j.lastGap;
    if (!gap) continue;
    const span =
      gap.slots === 1 ? times.at(gap.start, j.job) : `${times.at(gap.start, j.job)} → ${times.at(gap.lastSlot, j.job)}`;
    // older stretches still unserved: the command starts at the earliest, or it never fills them
    const since = j.unserved?.since ?? gap.start;
    const earlier = (j.unserved?.slots ?? gap.slots) - gap.slots;
    const older = earlier > 0 ? ` (and ${earlier} earlier, from ${times.at(since, j.job)})` : '';
    note(
      gap.end === null
        ? c.red(`${j.job}: ${gap.slots} slot(s) unserved since ${span}${older}; once it serves again, this fills them:`)
        : c.yellow(
            `${j.job}: ${gap.slots} slot(s) unserved ${span}, served again from ${times.at(gap.end, j.job)}${older}; this fills them:`,
          ),
    );
    // never wrapped: a command cut in two does not paste
    notes.push(`  lucy-ops backfill --job ${j.job} --since ${timeArg(since)}`);
    const failed = j.lastFailure;
    if (failed && j.last?.outcome === 'failed')
      note(c.red(`  its last run (${times.at(failed.slot, j.job)}) failed: ${failed.error}`));
  }
  // a double is no gap (every count above calls the slot served), but the watchdog pages for it
  const doubles = report.jobs
    .flatMap((j) => j.doubles.map((d) => ({ job: j.job, ...d })))
    .sort((a, b) => (a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0));
  if (doubles.length > 0) {
    // the latest ten, oldest first: what happened last is what the on-call is looking at
    const shown = doubles.slice(-10).map((d) => `${d.job} ${times.at(d.slot, d.job)} ×${d.runs}`);
    const more = doubles.length > 10 ? ` (and ${doubles.length - 10} earlier: see --json)` : '';
    note(
      c.yellow(
        `Served more than once (${doubles.length}): ${shown.join(', ')}${more}; see the runbook, "A slot was served more than once"`,
      ),
    );
  }
  // a job's counts above leave out the slots it owed while the log says it was out of the config:
  // said here in the words gaps uses, so a removal that never happened does not pass unseen
  const outOfConfig = outOfConfigLine(report, times);
  if (outOfConfig) note(c.yellow(outOfConfig));
  if (!report.log.found) note(c.yellow(`no job log at ${report.log.path} yet: no run has been recorded`));
  if (report.log.skippedLines > 0)
    note(c.dim(`${report.log.skippedLines} log line(s) were not records and were skipped`));
  const store =
    `state: ${report.store.kind} store (${report.store.where})` +
    (report.store.fallback ? c.yellow(` — fallback: ${report.store.fallback}`) : '');
  note(c.dim(`${store} · ${times.note(report.jobs.map((j) => j.job))}`));
  out.push(notes.join('\n'));
  return out.join('\n').replace(/\n*$/, '\n');
}

type ProviderRow = StatusReport['providers'][number];

function breakerCell(p: ProviderRow, c: Palette): string {
  if (p.state === 'closed')
    return c.green('closed') + (p.consecutiveFailures > 0 ? c.yellow(` (${p.consecutiveFailures} failed)`) : '');
  return (p.state === 'open' ? c.red(p.state) : c.yellow(p.state)) + (p.by === 'manual' ? c.yellow(' by hand') : '');
}

/** The log's last failure with its time (dim once the provider has answered since); else the breaker's error class. */
function lastErrorCell(p: ProviderRow, times: DisplayTimes, c: Palette): string {
  const failure = p.lastFailure;
  if (!failure) return p.lastError ?? '';
  const text = `${failure.error} at ${times.at(failure.at)}`;
  return p.lastOk !== null && p.lastOk > failure.at ? c.dim(`${text}; ok at ${times.at(p.lastOk)}`) : text;
}

/** One job in two lines: what happened to its last slot, then the run in a row and the next slot. */
function stackedJob([job, last, outcome, row, next]: string[], width: number, c: Palette): string {
  return stacked(`${c.bold(job)}  ${last}  ${outcome}`, [row, `next ${next}`], width);
}

/** One provider in lines: its breaker, then when it went down, its next trial and its last error. */
function stackedProvider([provider, breaker, down, retry, error]: string[], width: number, c: Palette): string {
  const head = `${c.bold(provider)}  ${breaker}` + (down ? `  down since ${down}` : '');
  return stacked(head, [retry && `retry ${retry}`, error && `last error ${error}`], width);
}

/** A head line, then the non-empty details indented below it, each wrapped to `width`. */
function stacked(head: string, details: string[], width: number): string {
  const lines = [wrap(head, width)];
  for (const detail of details) if (detail) lines.push(wrap(detail, width - 2).replace(/^/gm, '  '));
  return lines.join('\n');
}

function jobRow(j: JobStatus, times: DisplayTimes, c: Palette): string[] {
  const last = j.last;
  let outcome: string;
  if (!last) outcome = c.dim('no run in the window');
  else if (last.outcome === 'ok')
    outcome =
      (last.degraded
        ? c.yellow(`ok by ${last.provider ?? '?'} (fallback)`)
        : c.green(`ok`) + (last.provider ? ` by ${last.provider}` : '')) + servedOnText(last.servedOn, last.unverified);
  else if (last.outcome === 'running') outcome = c.dim('running');
  else if (last.outcome === 'due')
    outcome = c.dim(`due, no run yet (judged at ${last.judgedAfter ? times.at(last.judgedAfter, j.job) : '?'})`);
  else outcome = c.red(last.outcome === 'failed' ? 'FAILED' : 'MISSING');
  // the last slot served more than once: said where the eye is, the list below says the rest
  const twice = last?.outcome === 'ok' ? j.doubles.find((d) => d.slot === last.slot) : undefined;
  if (twice) outcome += c.yellow(` ×${twice.runs}`);
  const row: string[] = [];
  if (j.failuresInARow > 0) row.push(c.red(`${j.failuresInARow} unserved`));
  if (j.degradedInARow > 0) row.push(c.yellow(`${j.degradedInARow} degraded`));
  return [
    j.job,
    last ? times.at(last.slot, j.job) : '—',
    outcome,
    row.join(', '),
    j.nextSlot ? times.until(j.nextSlot, j.job) : '—',
  ];
}

/**
 * " on host-a": a slot another host served (this host skipped it as served there); when only that
 * skip says so, the serving run being in no log read, the view says so too.
 */
function servedOnText(host: string | null, unverified: boolean): string {
  if (host === null) return '';
  return (host ? ` on ${host}` : ' on another host') + (unverified ? ' (its run not in the logs read)' : '');
}
