/**
 * The report's wording, shared by the HTML page and the Markdown: outcome names, times, the title
 * and the notes of its sections, so both say the same thing the same way (the headline's
 * sentences: headline.ts).
 */
import { NOT_IN_CONFIG } from '../analysis/cause.js';
import type { ProviderActivity } from '../analysis/provider-tally.js';
import type { ReportFacts } from '../analysis/report-facts.js';
import type { ReportIncident } from '../analysis/report-incidents.js';
import type { CellOutcome, FilledByFallback, SlotCell } from '../analysis/slot-cells.js';
import { formatDuration } from '../time.js';

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

/**
 * A filled slot's outcome in words: "failed, filled later by backfill (2026-04-19 16:10Z)", and
 * "… by backfill via llama (fallback) (…)" when a fallback filled it.
 */
export function outcomeText(cell: SlotCell): string {
  if (cell.outcome !== 'filled') return OUTCOME_LABEL[cell.outcome];
  const by = cell.filledBy === 'backfill' ? 'backfill' : `a ${cell.filledBy ?? 'later'} run`;
  const via = cell.degraded ? ` via ${cell.provider ?? '?'} (fallback)` : '';
  return `${cell.was ?? 'unserved'}, filled later by ${by}${via}${cell.filledAt ? ` (${when(cell.filledAt)})` : ''}`;
}

/**
 * The fallback that filled some of `of` slots, in the words around "filled later by backfill":
 * `all` (" via llama (fallback)") goes after the trigger when it filled every one, `some`
 * (", 2 via llama (fallback)") after the sentence's time when it filled only some.
 */
export function viaFallback(
  f: FilledByFallback | undefined,
  of: number,
  name: (provider: string) => string,
): { all: string; some: string } {
  if (!f) return { all: '', some: '' };
  const via = `via ${f.providers.map(name).join(', ')} (fallback)`;
  return f.slots >= of ? { all: ` ${via}`, some: '' } : { all: '', some: `, ${f.slots} ${via}` };
}

/** The facts as a view gets them: `jobsAsked` when the report was asked for some jobs only (`--job`). */
export type ReportView = ReportFacts & { jobsAsked?: readonly string[] };

/** "Incident 2026-04-19 14:15Z – 15:00Z (45m)" or "No incident". */
export function title(facts: ReportFacts): string {
  const h = facts.headline;
  if (!h.start) {
    // every slot served on time; those a fallback served are still named
    const late = [h.degraded && `${h.degraded} served by a fallback`, h.filled && `${h.filled} filled later`];
    const note = late.filter(Boolean).join(', ');
    return `No incident from ${when(facts.since)} to ${when(facts.until)}${note ? ` (${note})` : ''}`;
  }
  const end = h.end
    ? h.end.slice(0, 10) === h.start.slice(0, 10)
      ? clock(h.end) + 'Z'
      : when(h.end)
    : 'still going on';
  const owes = owingText(facts);
  // a title true after a backfill too: the incident happened, its slots filled since
  const told = h.incident === null ? undefined : facts.incidents[h.incident];
  const filled = told?.filledLater.slots
    ? told.stillUnserved === 0
      ? 'all filled later'
      : `${told.filledLater.slots} of ${told.notOnTime} filled later`
    : '';
  const notes = [owes, filled].filter(Boolean).map((n) => `; ${n}`);
  return `Incident ${when(h.start)} – ${end} (${formatDuration(h.durationMs)}${h.open ? ' so far' : ''}${notes.join('')})`;
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

/** The heading and note of the periods jobs were out of the config (their slots not judged). */
export const OUT_OF_CONFIG_TITLE = 'Not judged while out of the config';
export const OUT_OF_CONFIG_NOTE =
  'The watchdog saw these jobs taken out of the config. From the last sign of each in the config (its last record, or the last watchdog run that saw it) until it was seen back (or ran again), a slot with no run record is not judged: it neither counts as affected nor as served, pages no one and is not planned by backfill. Its slots after that are judged again. If a job never left the config (a stale or hand-written line), a gap there was not paged: check those slots’ output.';

/**
 * The jobs the "not judged while out of the config" tables list: those with a slot of the window
 * not judged then. A period that held no slot of the window left nothing unjudged: nothing to say.
 */
export function outOfConfigJobs(facts: ReportFacts): ReportFacts['jobs'] {
  return facts.jobs.filter((j) => j.outOfConfig.length > 0 && j.notJudgedOutOfConfig > 0);
}

/** A period out of the config in words: "after 2026-04-19 11:00:05Z until 2026-04-19 14:30Z". */
export function outOfConfigSpan(p: { after: string; until: string | null }): string {
  return `after ${when(p.after)} until ${p.until === null ? 'it is seen back (still out)' : when(p.until)}`;
}

/** The heading and note of the slots served on another host on the word of a skip here alone. */
export const UNVERIFIED_TITLE = 'Served on another host, unverified';
export const UNVERIFIED_NOTE =
  'Counted as served because a run here skipped each one as served on another host, naming that host’s run; that run is in no log read and the shared ledger does not name it, so nothing here confirms it. Read that host’s log too (--log) to check.';

/**
 * The requests the caller cut short (a serve client that left, a shutdown), per provider: counted
 * among the requests, neither ok nor failed, so the table's numbers add up and no provider is
 * blamed for them. `name` marks a provider's name up for the page it goes in.
 */
export function cutShortText(providers: readonly ProviderActivity[], name: (p: string) => string): string | undefined {
  const cut = providers.filter((p) => p.cutShort > 0);
  if (cut.length === 0) return undefined;
  const list = cut.map((p) => `${name(p.provider)} ×${p.cutShort}`).join(', ');
  return `Cut short by the caller (a serve client that left, or a shutdown), not failures of the provider: ${list}.`;
}
