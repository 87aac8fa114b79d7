/**
 * The headline's sentences, shared by the HTML page and the Markdown: the incident told (its own
 * slots, span, cause, what it still owes), the window's counts, each labelled as the window's, the
 * stretches a fallback served or later runs filled beside it, and the window's other incidents.
 */
import type { Headline, ReportIncident } from '../analysis/report-incidents.js';
import type { Stretch } from '../analysis/report-stretches.js';
import { timeArg } from '../time.js';
import {
  clock,
  incidentOwes,
  OUT_OF_CONFIG_TITLE,
  plural,
  PLAIN,
  providerName,
  UNVERIFIED_TITLE,
  viaFallback,
  when,
} from './words.js';
import type { Markup, ReportView } from './words.js';
import type { ReportFacts } from '../analysis/report-facts.js';

/**
 * The headline's sentences in the renderer's markup: the words here are the report's own, what
 * came from a log goes through `m.text` and the backfill command through `m.code`, so a log can
 * neither open a code span nor add emphasis of its own. Each count says what it counts: the
 * incident told, or the whole window.
 */
export function headlineSentences(facts: ReportView, m: Markup = PLAIN): string[] {
  const h: Headline = facts.headline;
  if (h.incident === null) return quietSentences(facts, m);
  // the incident told (going on, else the latest still owing a slot, else the worst): its own
  const told = facts.incidents[h.incident];
  const t = timeOn(told.start);
  const fallback = told.degraded ? `; in its span also ${told.degraded} served by a fallback (on time)` : '';
  const out = [
    `This incident: ${plural(told.notOnTime, 'slot')} not served on time in ${m.text(h.jobs.join(', '))} (of ${plural(facts.jobs.length, 'job')})${fateText(told, facts, m, t)}${fallback}.`,
  ];
  if (told.owing.length > 0)
    out.push(
      `Over at ${t(told.end!)}, when the other jobs were served again; ${told.owing.map((o) => owedText(o, t, m)).join('; ')}.`,
    );
  if (h.cause) out.push(`Cause: ${m.text(h.cause)}.`);
  out.push(...stretchSentences(facts, m, t));
  // the window's counts, unless they are this incident's, said above
  if (h.unserved !== told.stillUnserved || h.filled !== told.filled) out.push(windowSentence(facts, m));
  out.push(...othersSentences(facts, m));
  out.push(...outOfConfigSentence(facts, m), ...gapAlertsSentence(facts));
  out.push(...doublesSentence(facts), ...unverifiedSentence(facts));
  return out;
}

/**
 * What became of an incident's slots: "; all 6 filled later by backfill (16:10Z); none owed now",
 * "; 2 filled later by backfill (16:10Z), 4 still unserved (3 failed, 1 missing (no record at
 * all)): `lucy-ops backfill …` fills them once", ": 3 failed, 1 missing (no record at all); none
 * filled yet: `lucy-ops backfill …` fills them once".
 */
function fateText(i: ReportIncident, facts: ReportView, m: Markup, t: (at: string) => string): string {
  const kinds = [i.failed && `${i.failed} failed`, i.missing && `${i.missing} missing (no record at all)`]
    .filter(Boolean)
    .join(', ');
  const them = i.stillUnserved === 1 ? 'it' : 'them';
  const fill = `${backfillCommand(facts, m)} fills ${them} once`;
  const f = i.filledLater;
  if (f.slots === 0) return `: ${kinds}; none filled yet: ${fill}`;
  const by = f.by.map((x) => (x === 'backfill' ? 'backfill' : x === 'later' ? 'later runs' : `a ${m.text(x)} run`));
  const via = viaFallback(f.fallback, f.slots, (p) => m.text(providerName(p, facts.chain)));
  const filled = `filled later by ${by.join(' and ')}${via.all}${f.at ? ` (${t(f.at)})` : ''}${via.some}`;
  if (i.stillUnserved === 0)
    return `; ${f.slots === 1 ? 'it was' : f.slots === 2 ? 'both' : `all ${f.slots}`} ${filled}; none owed now`;
  return `; ${f.slots} ${filled}, ${i.stillUnserved} still unserved (${kinds}): ${fill}`;
}

/** The backfill of the report's window (and jobs, when it was asked for some only), as a command. */
function backfillCommand(facts: ReportView, m: Markup): string {
  // a report of some jobs only: the backfill it suggests fills those, not every job's slots
  const only = (facts.jobsAsked ?? []).map((j) => ` --job ${j}`).join('');
  return m.code(`lucy-ops backfill --since ${timeArg(facts.since)} --until ${timeArg(facts.until)}${only}`);
}

/** Times on the day of `iso` as clock times ("05:00Z"), other days in full. */
function timeOn(iso: string): (at: string) => string {
  const day = iso.slice(0, 10);
  return (at) => (at.slice(0, 10) === day ? `${clock(at)}Z` : when(at));
}

/**
 * "blog still owes 05:00Z: its next slot, 06:00Z, has not come yet": what the log and the clock
 * say of the owing job's next slot (served since, running now, due and not seen, not come).
 */
function owedText(o: ReportIncident['owing'][number], t: (at: string) => string, m: Markup): string {
  const owes = `${m.text(o.job)} still owes ${o.slots === 1 ? t(o.start) : `${t(o.start)}–${t(o.lastSlot)} (${o.slots} slots)`}`;
  const next = o.next;
  if (!next) return `${owes}: the logs read say nothing of its next slot`;
  const slot = `its next slot, ${t(next.slot)},`;
  switch (next.state) {
    case 'served':
      return `${owes}: ${slot} was served at ${t(next.at!)}, so the job runs again (the owed slot stays unserved)`;
    case 'running':
      return `${owes}: ${slot} is running now (started ${t(next.at!)})`;
    case 'failed':
      return `${owes}: ${slot} failed too (${t(next.at!)})`;
    case 'due':
      return `${owes}: ${slot} is due and not in the log yet`;
    default:
      return `${owes}: ${slot} has not come yet`;
  }
}

/** The window's counts, said as the window's: what is still unserved, what later runs filled. */
function windowSentence(facts: ReportView, m: Markup): string {
  const h = facts.headline;
  const wereUnserved = h.unserved + h.filled;
  const filler = fillers(facts) === 'by backfill' ? 'backfill has' : 'later runs have';
  const backfill = backfillCommand(facts, m);
  const them = h.unserved === 1 ? 'it' : 'them';
  const fallback = h.degraded > 0 ? ` ${plural(h.degraded, 'slot')} served by a fallback.` : '';
  if (h.unserved === 0)
    return `In the window: ${filler} since filled ${wereUnserved === 1 ? 'the one unserved slot' : `all ${wereUnserved} unserved slots`}: nothing is missing now.${fallback}`;
  if (h.filled > 0)
    return `In the window: ${filler} since filled ${h.filled} of ${wereUnserved} unserved slots; ${h.unserved} still unserved: ${backfill} fills ${them} once.${fallback}`;
  return `In the window: ${plural(h.unserved, 'slot')} still unserved, none filled yet; ${backfill} fills ${them} once.${fallback}`;
}

/**
 * The stretches a fallback served (on time: in no incident) or later runs filled (by job, with who
 * filled them): those beside the incident told, then every other one, so none is hidden.
 */
function stretchSentences(facts: ReportFacts, m: Markup, t: (at: string) => string): string[] {
  const at = facts.headline.incident;
  const beside = facts.stretches.filter((s) => s.incident === at && at !== null);
  const rest = facts.stretches.filter((s) => !(s.incident === at && at !== null));
  const say = (list: Stretch[]) => list.map((s) => stretchText(s, facts.chain, m, t)).join('; ');
  return [
    ...(beside.length ? [`Beside it: ${say(beside)}.`] : []),
    ...(rest.length ? [`${at === null ? 'In the window' : 'Elsewhere in the window'}: ${say(rest)}.`] : []),
  ];
}

/** "blog served by a fallback since 03:15Z (3 slots, by p2)", "threads 05:15Z filled later by backfill at 06:10Z". */
function stretchText(s: Stretch, chain: readonly string[], m: Markup, t: (at: string) => string): string {
  const job = m.text(s.job);
  const span = (last: string) => (s.slots === 1 ? t(s.start) : `${t(s.start)}–${t(last)}`);
  if (s.kind === 'degraded') {
    const when = s.open ? `since ${t(s.start)}` : s.slots === 1 ? `at ${t(s.start)}` : span(s.lastSlot);
    const by = s.providers.map((p) => m.text(providerName(p, chain))).join(', ');
    return `${job} served by a fallback ${when} (${plural(s.slots, 'slot')}${by ? `, by ${by}` : ''}${s.open ? ', still' : ''})`;
  }
  const by = (s.filledBy ?? []).map((x) => (x === 'backfill' ? 'backfill' : `a ${m.text(x)} run`)).join(' and ');
  const via = viaFallback(s.fallback, s.slots, (p) => m.text(providerName(p, chain)));
  return `${job} ${span(s.lastSlot)}${s.slots === 1 ? '' : ` (${s.slots} slots)`} filled later by ${by}${via.all}${s.filledAt ? ` at ${t(s.filledAt)}` : ''}${via.some}`;
}

/**
 * The headline of a window with no incident: every judged slot was served on time, some perhaps
 * by a fallback: said, with their stretches. (A slot filled later was not served on time, so it is
 * in an incident; the words for filled slots here stay for facts built without one.)
 */
function quietSentences(facts: ReportView, m: Markup): string[] {
  const h = facts.headline;
  // the slots judged served: a pending one is not judged yet (the next sentence counts it)
  const served = facts.jobs.reduce((n, j) => n + j.cells.length, 0) - h.pending;
  const judged = h.notJudgedOutOfConfig > 0 ? 'judged ' : '';
  const ofJobs = `of ${plural(facts.jobs.length, 'job')}`;
  const onTime = 'served on time by the first provider of the chain';
  const late = [
    h.degraded && `${h.degraded} by a fallback`,
    h.filled && `${h.filled} filled later ${fillers(facts)}`,
  ].filter(Boolean);
  const all =
    served === 0
      ? h.pending > 0
        ? `No slot ${ofJobs} in the window is old enough to judge yet`
        : `No ${judged}slot ${ofJobs} came due in the window`
      : late.length > 0
        ? `No incident: every ${judged}slot ${ofJobs} (${served} ${judged}slots) was served, ${late.join(' and ')}`
        : served === 1
          ? `The one ${judged}slot ${ofJobs} in the window was ${onTime}`
          : `Every ${judged}slot ${ofJobs} (${served} ${judged}slots) was ${onTime}`;
  return [
    h.notJudgedOutOfConfig > 0
      ? `${all}; ${h.notJudgedOutOfConfig} not judged (out of the config): see "${OUT_OF_CONFIG_TITLE}".`
      : `${all}.`,
    ...stretchSentences(facts, m, timeOn(facts.since)),
    ...(h.pending ? [`${plural(h.pending, 'recent slot')} not judged yet (pending).`] : []),
    ...gapAlertsSentence(facts),
    ...doublesSentence(facts),
    ...unverifiedSentence(facts),
  ];
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
        [i.filled, 'filled later'],
        [i.failed, 'failed'],
        [i.missing, 'missing'],
      ] as const
    ).filter(([n]) => n > 0);
    // its slots not served on time, by what they are now; then those a fallback served on time
    const now =
      kinds.length === 1 && kinds[0][0] === i.notOnTime && kinds[0][1] !== 'filled later'
        ? ` ${kinds[0][1]}`
        : ` not served on time (${kinds.map(([n, what]) => `${n} ${what}`).join(', ')})`;
    const fallback = i.degraded ? `, ${i.degraded} served by a fallback` : '';
    const counts = `${plural(i.notOnTime, 'slot')}${now}${fallback}`;
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
