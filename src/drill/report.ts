/**
 * The drill for a person: per act a short timeline and its checks, then the numbers that matter
 * and what to run next. Colour only when asked (a TTY without NO_COLOR).
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { hhmm } from './log-view.js';
import { NEXT_COMMANDS } from './run.js';
import { JOBS, REPLAY } from './scenario.js';
import type { ActReport, DrillReport, TimelineEntry } from './types.js';

const ACT_LABEL: Record<ActReport['name'], string> = { before: 'Act 1', after: 'Act 2', backfill: 'Act 3' };

function paint(c: ChalkInstance, e: TimelineEntry): string {
  switch (e.kind) {
    case 'failed':
      return c.red(e.text);
    case 'degraded':
      return c.yellow(e.text);
    case 'breaker':
      return c.cyan(e.text);
    case 'alert':
      return c.magenta.bold(e.text);
    case 'analysis':
    case 'backfill':
      return c.blue(e.text);
    case 'note':
      return c.dim(e.text);
    default:
      return e.text;
  }
}

const time = (at: string) => (at ? hhmm(at) : '').padEnd(9);
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function renderAct(act: ActReport, c: ChalkInstance): string {
  const passed = act.checks.filter((x) => x.ok).length;
  const verdict = act.ok
    ? c.green(`✓ ${passed}/${act.checks.length} checks`)
    : c.red(`✗ ${act.checks.length - passed} of ${act.checks.length} checks failed`);
  const lines = [`${c.bold(`${ACT_LABEL[act.name]} · ${act.title}`)}  ${verdict}`];
  for (const e of act.timeline) lines.push(`  ${c.dim(time(e.at))}  ${paint(c, e)}`);
  for (const x of act.checks) {
    if (x.ok) lines.push(`  ${c.green('✓')} ${c.dim(x.name)}`);
    else lines.push(`  ${c.red('✗')} ${x.name}\n      expected ${show(x.expected)}\n      actual   ${show(x.actual)}`);
  }
  return lines.join('\n');
}

function renderNumbers(r: DrillReport, c: ChalkInstance): string {
  const n = r.numbers;
  const alertsAfter =
    Object.entries(n.after.alerts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ') || 'none';
  const gapSpan = n.gap.start
    ? `${hhmm(n.gap.start)}–${n.gap.end ? hhmm(n.gap.end) : 'now'} (${n.gap.durationMinutes} min)`
    : 'none';
  const rows: Array<[string, string]> = [
    [
      'slots served (of ' + n.slots + ')',
      `before ${n.before.served} by the primary, ${c.red(`${n.before.failed} lost`)} · after ${n.after.servedByPrimary} by the primary + ${c.yellow(`${n.after.servedByFallback} by a fallback`)}, ${n.after.failed} lost`,
    ],
    [
      'requests to the dead primary',
      `before ${n.before.primaryRequestsInOutage} · after ${n.after.primaryRequestsInOutage} → the breaker saved ${c.bold(String(n.requestsSavedByBreaker))} (${n.after.skippedPrimaryRuns} run${n.after.skippedPrimaryRuns === 1 ? '' : 's'} skipped it outright)`,
    ],
    [
      'the gap',
      `found ${n.gap.found} slots in ${n.gap.jobs.join(' + ') || 'no jobs'}, ${gapSpan}; backfill filled ${n.gap.filled}, a second backfill ${n.gap.secondBackfill}`,
    ],
    ['alerts', `before ${n.before.alerts || 'none'} · after ${alertsAfter} (re-trips stay quiet)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [c.bold('The numbers'), ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

export function renderDrill(r: DrillReport, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const schedules = Object.entries(JOBS)
    .map(([name, j]) => `${name} ${j.schedule}`)
    .join(', ');
  const head = [
    c.bold('lucy-ops drill · the April 19 outage, replayed on simulated providers (offline, no keys)'),
    `${r.outage.primary} fails ${hhmm(r.outage.from)}–${hhmm(r.outage.until)} (one hang, one trickle of keep-alives, then 503s); ${r.outage.chain.slice(1).join(' and ')} stay up.`,
    `Jobs ${schedules}; replayed ${hhmm(REPLAY.from)}–${hhmm(REPLAY.to)} on ${REPLAY.from.slice(0, 10)}.`,
  ].join('\n');
  const verdict = r.ok
    ? c.green.bold(
        `Every act behaved as expected (${r.acts.reduce((n, a) => n + a.checks.length, 0)} checks, ${(r.durationMs / 1000).toFixed(1)} s real time).`,
      )
    : c.red.bold(`The drill FAILED: ${r.failedChecks.join('; ')}`);
  const width = Math.max(...NEXT_COMMANDS.map(([cmd]) => cmd.length));
  const next = [
    c.bold('What to run next on your own config'),
    ...NEXT_COMMANDS.map(([cmd, why]) => `  ${c.cyan(cmd.padEnd(width))}  ${c.dim(`# ${why}`)}`),
  ];
  if (r.reports.length > 0) {
    next.push('', c.bold("Act 1's and act 2's incident reports (open the .html files side by side):"));
    for (const file of r.reports) next.push(`  ${c.cyan(file)}`);
  }
  if (r.keptIn) {
    const cfg = (act: string) => `${r.keptIn}/${act}/lucy-ops.config.json`;
    next.push(
      '',
      c.bold(`The artefacts are in ${r.keptIn}`) +
        ' (configs, state, job logs, generated Markdown); look at them with the real commands:',
      `  ${c.cyan(`npx lucy-ops postmortem gaps --config ${cfg('after')} --since ${REPLAY.from} --until ${REPLAY.to}`)}`,
      `  ${c.cyan(`npx lucy-ops breaker status --config ${cfg('after')}`)}`,
      `  ${c.dim(`(${cfg('before')} is act 1's, already backfilled by act 3)`)}`,
    );
  }
  return (
    [head, ...r.acts.map((a) => renderAct(a, c)), renderNumbers(r, c), verdict, next.join('\n')].join('\n\n') + '\n'
  );
}
