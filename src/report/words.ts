/**
 * The report's wording, shared by the HTML page and the Markdown: outcome names, times, and the
 * headline's sentences, so both say the same thing the same way.
 */
import { NOT_IN_CONFIG } from '../analysis/cause.js';
import type { ReportFacts } from '../analysis/report-facts.js';
import type { Headline, ReportIncident } from '../analysis/report-incidents.js';
import type { CellOutcome, SlotCell } from '../analysis/slot-cells.js';
import { formatDuration, timeArg } from '../time.js';

export const OUTCOME_LABEL: Record<CellOutcome, string> = {
  served: 'served',
  degraded: 'served by a fallback',
  failed: 'failed',
  missing: 'missing',
  pending: 'pending',
  filled: 'filled later',
};

/** One character per outcome for the text timeline: distinct without colour. */
export const OUTCOME_SYMBOL: Record<CellOutcome, string> = {
  served: '#',
  degraded: '~',
  failed: 'X',
  missing: '?',
  pending: '.',
  filled: '+',
};

/** Worst first: a column of the text timeline that holds several slots shows the worst. */
export const OUTCOME_SEVERITY: readonly CellOutcome[] = [
  'failed',
  'missing',
  'filled',
  'degraded',
  'pending',
  'served',
];

/** "2026-04-19 14:15Z" (seconds only when there are any). */
export function when(iso: string): string {
  const [date, time] = iso.split('T');
  const hms = time.replace(/\.\d+Z$/, '').replace(/Z$/, '');
  return `${date} ${hms.endsWith(':00') ? hms.slice(0, 5) : hms}Z`;
}

/** "14:15" or "14:15:04". */
export function clock(iso: string): string {
  const t = when(iso).split(' ')[1];
  return t.slice(0, -1);
}

export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}

/**
 * A provider as the report names it: one the config does not have (a line from an old config, or
 * written by hand) marked as `postmortem gaps` marks it, so no view passes it off as the chain's.
 */
export function providerName(provider: string, chain: readonly string[]): string {
  return chain.includes(provider) ? provider : provider + NOT_IN_CONFIG;
}

/** A filled slot's outcome in words: "failed, filled later by backfill (2026-04-19 16:10Z)". */
export function outcomeText(cell: SlotCell): string {
  if (cell.outcome !== 'filled') return OUTCOME_LABEL[cell.outcome];
  const by = cell.filledBy === 'backfill' ? 'backfill' : `a ${cell.filledBy ?? 'later'} run`;
  return `${cell.was ?? 'unserved'}, filled later by ${by}${cell.filledAt ? ` (${when(cell.filledAt)})` : ''}`;
}

/** The facts as a view gets them: `jobsAsked` when the report was asked for some jobs only (`--job`). */
export type ReportView = ReportFacts & { jobsAsked?: readonly string[] };

/** "Incident 2026-04-19 14:15Z – 15:00Z (45m)" or "No incident". */
export function title(facts: ReportFacts): string {
  const h = facts.headline;
  if (!h.start) return `No incident from ${when(facts.since)} to ${when(facts.until)}`;
  const end = h.end
    ? h.end.slice(0, 10) === h.start.slice(0, 10)
      ? clock(h.end) + 'Z'
      : when(h.end)
    : 'still going on';
  const owes = owingText(facts);
  return `Incident ${when(h.start)} – ${end} (${formatDuration(h.durationMs)}${h.open ? ' so far' : ''}${owes ? `; ${owes}` : ''})`;
}

/**
 * The jobs not served since an incident that is over ("blog still owes 05:00Z", "blog still owes
 * 04:00Z–05:00Z (2 slots)"): their next slot has not come, so they did not keep it open (the rule
 * of `postmortem gaps`), yet their gap is open. Times on the incident's first day as clock times.
 */
export function incidentOwes(i: ReportIncident): string {
  const day = i.start.slice(0, 10);
  const t = (iso: string) => (iso.slice(0, 10) === day ? `${clock(iso)}Z` : when(iso));
  return i.owing
    .map(
      (o) => `${o.job} still owes ${o.slots === 1 ? t(o.start) : `${t(o.start)}–${t(o.lastSlot)} (${o.slots} slots)`}`,
    )
    .join(', ');
}

/** What the headline's incident still owes, when it is over ("" when nothing or no incident). */
export function owingText(facts: ReportFacts): string {
  const at = facts.headline.incident;
  return at === null ? '' : incidentOwes(facts.incidents[at]);
}

/** How a renderer writes text from the logs (job names, the cause) and a command to type. */
export interface Markup {
  text(s: string): string;
  code(s: string): string;
}

/** Plain text, the command in backticks. */
export const PLAIN: Markup = { text: (s) => s, code: (s) => `\`${s}\`` };

/**
 * The headline's sentences in the renderer's markup: the words here are the report's own, what
 * came from a log goes through `m.text` and the backfill command through `m.code`, so a log can
 * neither open a code span nor add emphasis of its own.
 */
export function headlineSentences(facts: ReportView, m: Markup = PLAIN): string[] {
  const h: Headline = facts.headline;
  const jobsTotal = facts.jobs.length;
  if (!h.start) {
    // the slots judged served: a pending one is not judged yet (the next sentence counts it)
    const served = facts.jobs.reduce((n, j) => n + j.cells.length, 0) - h.pending;
    const judged = h.notJudgedOutOfConfig > 0 ? 'judged ' : '';
    const ofJobs = `of ${plural(jobsTotal, 'job')}`;
    const onTime = 'served on time by the first provider of the chain';
    const all =
      served === 0
        ? h.pending > 0
          ? `No slot ${ofJobs} in the window is old enough to judge yet`
          : `No ${judged}slot ${ofJobs} came due in the window`
        : served === 1
          ? `The one ${judged}slot ${ofJobs} in the window was ${onTime}`
          : `Every ${judged}slot ${ofJobs} (${served} ${judged}slots) was ${onTime}`;
    return [
      h.notJudgedOutOfConfig > 0
        ? `${all}; ${h.notJudgedOutOfConfig} not judged (out of the config): see "${OUT_OF_CONFIG_TITLE}".`
        : `${all}.`,
      ...(h.pending ? [`${plural(h.pending, 'recent slot')} not judged yet (pending).`] : []),
      ...gapAlertsSentence(facts),
      ...doublesSentence(facts),
      ...unverifiedSentence(facts),
    ];
  }
  // the incident told (the one going on, else the worst): its own slots, jobs and cause
  const told = facts.incidents[h.incident ?? 0];
  const parts = [
    told.failed && `${told.failed} failed`,
    told.missing && `${told.missing} missing (no record at all)`,
    told.degraded && `${told.degraded} served by a fallback`,
    told.filled && `${told.filled} filled later ${fillers(facts)}`,
  ].filter(Boolean);
  const out = [
    `${plural(told.slots, 'slot')} affected in ${m.text(h.jobs.join(', '))} (of ${plural(jobsTotal, 'job')}): ${parts.join(', ')}.`,
  ];
  const wereUnserved = h.unserved + h.filled;
  const filler = fillers(facts) === 'by backfill' ? 'Backfill has' : 'Later runs have';
  // a report of some jobs only: the backfill it suggests fills those, not every job's slots
  const only = (facts.jobsAsked ?? []).map((j) => ` --job ${j}`).join('');
  const backfill = m.code(`lucy-ops backfill --since ${timeArg(facts.since)} --until ${timeArg(facts.until)}${only}`);
  const them = h.unserved === 1 ? 'it' : 'them';
  if (wereUnserved > 0) {
    out.push(
      h.unserved === 0
        ? `${filler} since filled ${wereUnserved === 1 ? 'it' : `all ${wereUnserved}`}: nothing is missing now.`
        : h.filled > 0
          ? `${filler} since filled ${h.filled} of ${wereUnserved}; ${h.unserved} still unserved: ${backfill} fills ${them} once.`
          : `Not filled yet: ${plural(h.unserved, 'slot')} still unserved; ${backfill} fills ${them} once.`,
    );
  } else out.push('No slot went unserved: the fallbacks covered every one.');
  const owes = incidentOwes(told);
  if (owes)
    out.push(
      `Over at ${clock(told.end!)}Z, when the other jobs were served again; ${m.text(owes)}: ${told.owing.length === 1 ? 'its next slot has' : 'their next slots have'} not come yet.`,
    );
  const single = facts.incidents.length === 1;
  // one incident: the window's failures are its story; several: the told one's own
  const cause = single ? (facts.cause ?? h.cause) : h.cause;
  if (cause) out.push(`Cause: ${m.text(cause)}.`);
  else if (!single && told.missing > 0)
    out.push(
      `Cause: no records at all for its missing slots: the ${told.jobs.length === 1 ? 'job never' : 'jobs never'} started (or never logged).`,
    );
  out.push(...othersSentences(facts, m));
  out.push(...outOfConfigSentence(facts, m), ...gapAlertsSentence(facts));
  out.push(...doublesSentence(facts), ...unverifiedSentence(facts));
  return out;
}

/**
 * The incidents the headline does not tell, briefly: "Also earlier: 01:15Z–01:30Z, 1 slot served
 * by a fallback (threads; p1: 503 ×1)." (and "Also later: ..." for those after it).
 */
function othersSentences(facts: ReportFacts, m: Markup): string[] {
  const at = facts.headline.incident;
  if (at === null || facts.incidents.length < 2) return [];
  const day = facts.incidents[at].start.slice(0, 10);
  const t = (iso: string) => (iso.slice(0, 10) === day ? `${clock(iso)}Z` : when(iso));
  const brief = (i: ReportIncident) => {
    const kinds = (
      [
        [i.failed, 'failed'],
        [i.missing, 'missing'],
        [i.degraded, 'served by a fallback'],
        [i.filled, 'filled later'],
      ] as const
    ).filter(([n]) => n > 0);
    const counts =
      kinds.length === 1
        ? `${plural(kinds[0][0], 'slot')} ${kinds[0][1]}`
        : `${plural(i.slots, 'slot')}: ${kinds.map(([n, what]) => `${n} ${what}`).join(', ')}`;
    const owes = incidentOwes(i);
    const span = `${t(i.start)}–${i.end ? t(i.end) : 'still going on'}${owes ? ` (${m.text(owes)})` : ''}`;
    return `${span}, ${counts} (${m.text(i.jobs.join(', '))}${i.cause ? `; ${m.text(i.cause)}` : ''})`;
  };
  const earlier = facts.incidents.slice(0, at).map(brief);
  const later = facts.incidents.slice(at + 1).map(brief);
  return [
    ...(earlier.length ? [`Also earlier: ${earlier.join('; ')}.`] : []),
    ...(later.length ? [`Also later: ${later.join('; ')}.`] : []),
  ];
}

/** The heading and note of the periods jobs were out of the config (their slots not judged). */
export const OUT_OF_CONFIG_TITLE = 'Not judged while out of the config';
export const OUT_OF_CONFIG_NOTE =
  'The watchdog saw these jobs taken out of the config. From each one’s last record before that until it was seen back (or ran again), a slot with no run record is not judged: it neither counts as affected nor as served, pages no one and is not planned by backfill. Its slots after that are judged again. If a job never left the config (a stale or hand-written line), a gap there was not paged: check those slots’ output.';

/** A period out of the config in words: "after 2026-04-19 11:00:05Z until 2026-04-19 14:30Z". */
export function outOfConfigSpan(p: { after: string; until: string | null }): string {
  return `after ${when(p.after)} until ${p.until === null ? 'it is seen back (still out)' : when(p.until)}`;
}

/** How many slots were not judged because their job was out of the config, and whose. */
function outOfConfigSentence(facts: ReportFacts, m: Markup): string[] {
  const n = facts.headline.notJudgedOutOfConfig;
  if (n === 0) return [];
  const jobs = facts.jobs.filter((j) => j.notJudgedOutOfConfig > 0).map((j) => j.job);
  return [
    `${plural(n, 'slot')} of ${m.text(jobs.join(', '))} not judged: out of the config then (see "${OUT_OF_CONFIG_TITLE}").`,
  ];
}

/**
 * Gap alerts of the window when no slot judged here is or was missing: the page must not say all
 * was well beside an alert it lists without saying why they differ.
 */
function gapAlertsSentence(facts: ReportFacts): string[] {
  const h = facts.headline;
  const missingHere = h.missing + facts.affected.filter((s) => s.outcome === 'filled' && s.was === 'missing').length;
  if (h.gapAlerts === 0 || missingHere > 0) return [];
  const it = h.gapAlerts === 1 ? 'it' : 'they';
  return [
    `${h.gapAlerts === 1 ? 'A gap alert was' : `${h.gapAlerts} gap alerts were`} sent in the window (see the alerts below), yet no slot judged here was missing: the slots ${it} named lie outside the window or the jobs shown, or in logs not read here${h.notJudgedOutOfConfig > 0 ? `, or are among the ${h.notJudgedOutOfConfig} not judged (out of the config)` : ''}.`,
  ];
}

/** "by backfill", "by a manual run", or "(2 by backfill, 1 by a manual run)": the filling runs' triggers. */
function fillers(facts: ReportFacts): string {
  const by = new Map<string, number>();
  for (const s of facts.affected)
    if (s.outcome === 'filled') by.set(s.filledBy ?? 'later', (by.get(s.filledBy ?? 'later') ?? 0) + 1);
  const name = (trigger: string, n: number) =>
    trigger === 'backfill' ? 'backfill' : n === 1 ? `a ${trigger} run` : `${trigger} runs`;
  const kinds = [...by];
  if (kinds.length === 1) return `by ${name(kinds[0][0], kinds[0][1])}`;
  return `(${kinds.map(([trigger, n]) => `${n} by ${name(trigger, n)}`).join(', ')})`;
}

/** The heading and note of the slots served on another host on the word of a skip here alone. */
export const UNVERIFIED_TITLE = 'Served on another host, unverified';
export const UNVERIFIED_NOTE =
  'Counted as served because a run here skipped each one as served on another host, naming that host’s run; that run is in no log read and the shared ledger does not name it, so nothing here confirms it. Read that host’s log too (--log) to check.';

/** The slots served elsewhere on a skip's word alone, in one sentence, when there are any. */
function unverifiedSentence(facts: ReportFacts): string[] {
  const n = facts.unverified.length;
  if (n === 0) return [];
  return [
    `${plural(n, 'slot')} counted as served on another host on this host’s word alone (its run not in the logs read): see "${UNVERIFIED_TITLE}".`,
  ];
}

/** The doubles in one sentence, when there are any. */
function doublesSentence(facts: ReportFacts): string[] {
  const n = facts.doubles.length;
  if (n === 0) return [];
  return [
    `${plural(n, 'slot')} served more than once (two hosts, or a re-run that did not see the first): see "Served more than once".`,
  ];
}
