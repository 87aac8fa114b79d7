/**
 * The report as Markdown, to paste into an issue or a postmortem document: the headline, a compact
 * text timeline (one character per time step, readable without colour) and the slot table.
 */
import type { ReportFacts } from '../analysis/report-facts.js';
import type { CellOutcome } from '../analysis/slot-cells.js';
import { formatDuration } from '../time.js';
import { printable, VIEW_MARK } from '../text/printable.js';
import { headlineSentences } from './headline.js';
import {
  clock,
  cutShortText,
  incidentOwes,
  type Markup,
  OUTCOME_LABEL,
  OUTCOME_SEVERITY,
  OUTCOME_SYMBOL,
  outcomeText,
  OUT_OF_CONFIG_NOTE,
  OUT_OF_CONFIG_TITLE,
  outOfConfigJobs,
  outOfConfigSpan,
  providerName,
  title,
  when,
  UNVERIFIED_NOTE,
  UNVERIFIED_TITLE,
} from './words.js';

/** Most columns the text timeline uses: wider windows put several slots in one column. */
const MAX_COLUMNS = 96;

export function renderMarkdown(facts: ReportFacts): string {
  const out: string[] = [`# ${title(facts)}`, ''];
  out.push(
    `Window ${when(facts.since)} → ${when(facts.until)} · jobs ${facts.jobs.map((j) => codeSpan(oneLine(j.job))).join(', ') || 'none'} · ` +
      `${facts.linesRead} log lines read${facts.skippedLines ? `, ${facts.skippedLines} skipped` : ''}`,
    '',
  );
  for (const sentence of headlineSentences(facts, MARKDOWN_MARKUP)) out.push(`- ${sentence}`);
  out.push('');

  if (facts.incidents.length > 1) {
    out.push(
      '## Incidents',
      '',
      '| start | end | duration | jobs | slots not served on time | filled later | still unserved | affected slots in its span | cause |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const i of facts.incidents)
      out.push(
        `| ${when(i.start)} | ${i.end ? when(i.end) + (i.owing.length ? ` (${cellText(incidentOwes(i))})` : '') : 'still going on'} | ${formatDuration(i.durationMs)} | ${cellText(i.jobs.join(', '))} | ${i.notOnTime} | ${i.filledLater.slots} | ${i.stillUnserved} | ${i.slots} | ${cellText(i.cause ?? '—')} |`,
      );
    out.push('');
  }

  const timeline = textTimeline(facts);
  out.push('## Timeline', '', `${fence(timeline)}text`, ...timeline, fence(timeline), '');

  out.push('## What the providers saw', '');
  out.push('| provider | requests | ok | failed | errors | skipped by the open breaker (requests saved) |');
  out.push('|---|---:|---:|---:|---|---:|');
  for (const p of facts.providers)
    out.push(
      `| ${cellText(providerName(p.provider, facts.chain))} | ${p.requests} | ${p.ok} | ${p.failed} | ${cellText(p.errors.map((e) => `${e.reason} ×${e.count}`).join(', ')) || '—'} | ${p.skippedOpen} |`,
    );
  const cut = cutShortText(facts.providers, inlineText);
  if (cut) out.push('', cut);
  out.push('');
  if (facts.breakers.length > 0 || facts.alerts.length > 0) {
    out.push('## Breakers and alerts', '');
    for (const b of facts.breakers) {
      const trials = b.trials.map((t) => `${clock(t.at)}Z ${t.result}`).join(', ');
      out.push(
        `- breaker **${inlineText(b.provider)}** open ${when(b.from)} → ${b.until ? when(b.until) : 'still open'}${b.manual ? ' (tripped by hand)' : ''}` +
          (trials ? `; half-open trials: ${trials}` : ''),
      );
    }
    for (const a of facts.alerts)
      out.push(`- alert **${inlineText(a.kind)}** at ${when(a.at)}${a.summary ? `: ${cellText(a.summary)}` : ''}`);
    out.push('');
  }

  out.push('## Affected slots', '');
  if (facts.affected.length === 0) out.push('None.');
  else {
    out.push('| job | slot | outcome | served by | error | tries |', '|---|---|---|---|---|---|');
    for (const s of facts.affected)
      out.push(
        `| ${cellText(s.job)} | ${when(s.slot)} | ${cellText(outcomeText(s))} | ${cellText(s.provider ? providerName(s.provider, facts.chain) : '—')} | ${cellText(s.error ?? '—')} | ${cellText(s.tries ?? '—')} |`,
      );
  }
  if (facts.doubles.length > 0) {
    out.push('', '## Served more than once', '', '| job | slot | serves |', '|---|---|---:|');
    for (const d of facts.doubles) out.push(`| ${cellText(d.job)} | ${when(d.slot)} | ${d.runs} |`);
  }
  const outOfConfig = outOfConfigJobs(facts);
  if (outOfConfig.length > 0) {
    out.push('', `## ${OUT_OF_CONFIG_TITLE}`, '', OUT_OF_CONFIG_NOTE, '');
    out.push('| job | out of the config | slots not judged in the window |', '|---|---|---:|');
    for (const j of outOfConfig)
      out.push(`| ${cellText(j.job)} | ${j.outOfConfig.map(outOfConfigSpan).join('; ')} | ${j.notJudgedOutOfConfig} |`);
  }
  if (facts.unverified.length > 0) {
    out.push('', `## ${UNVERIFIED_TITLE}`, '', UNVERIFIED_NOTE, '', '| job | slot | served on |', '|---|---|---|');
    for (const u of facts.unverified)
      out.push(
        `| ${cellText(u.job)} | ${when(u.slot)} | ${cellText(u.servedOn || 'another host')} (its run not in the logs read) |`,
      );
  }
  return out.join('\n') + '\n';
}

/**
 * Text from the logs inside a line, shown as typed: one line (no heading or list of its own); no
 * raw HTML, link or character reference (`<`, `>`, `[`, `]` escaped, `&` as `&amp;`, so GitHub
 * cannot decode `&#x202E;` into a bidi override); no emphasis, strike or code span (`*`, `_`, `~`,
 * backticks escaped); and no link made from a bare URL (each URL-like word goes into a code span,
 * where nothing is a link), since any file passed with --log can put text there.
 */
function inlineText(text: string): string {
  const line = oneLine(text);
  let out = '';
  let at = 0;
  for (const url of line.matchAll(URL_LIKE)) {
    out += escapeInline(line.slice(at, url.index)) + codeSpan(url[0]);
    at = url.index + url[0].length;
  }
  return out + escapeInline(line.slice(at));
}

/** A word GitHub would turn into a link: `scheme://…` or `www.…`. */
const URL_LIKE = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S*/gi;

function escapeInline(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/[\\<>[\]*_`~]/g, (c) => `\\${c}`);
}

/** `text` as a code span: literal inside, its delimiter longer than any run of backticks in it. */
function codeSpan(text: string): string {
  const tick = '`'.repeat(Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${tick}${pad}${text}${pad}${tick}`;
}

const MARKDOWN_MARKUP: Markup = { text: inlineText, code: codeSpan };

/**
 * One line of plain characters: each run of line breaks, terminal escapes, bidi and zero-width
 * characters becomes one `?` (VIEW_MARK), as in the terminal's views and the HTML page.
 */
function oneLine(text: string): string {
  return printable(text, VIEW_MARK);
}

/** A code fence longer than any run of backticks in `lines`, so no line of them can close it. */
function fence(lines: string[]): string {
  const longest = Math.max(0, ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((run) => run.length)));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** A table cell's text: inline text, and no pipe to break the row. */
function cellText(text: string): string {
  return inlineText(text).replace(/\|/g, '\\|');
}

/**
 * One line per job, one column per time step (the finest job's interval, or wider so the line
 * fits): the worst outcome of the slots in that column; then the breakers' open periods and the
 * alerts on the same columns.
 */
function textTimeline(facts: ReportFacts): string[] {
  const sinceMs = Date.parse(facts.since);
  const spanMs = Date.parse(facts.until) - sinceMs;
  const finest = Math.min(...facts.jobs.map((j) => smallestStep(j.cells.map((c) => Date.parse(c.slot)))), spanMs || 1);
  // a column per step from --since, its instant included, to --until included (a slot at --until
  // has a column of its own, not a share of the one before): floor(span / step) + 1 of them
  const columnsAt = (ms: number) => Math.floor(spanMs / ms) + 1;
  // one column per slot of the finest job; a long window takes a rounder, wider step to fit
  const stepMs =
    columnsAt(finest) <= MAX_COLUMNS
      ? finest
      : (NICE_STEPS.find((ms) => columnsAt(ms) <= MAX_COLUMNS) ?? Math.ceil(spanMs / (MAX_COLUMNS - 1)));
  const columns = columnsAt(stepMs);
  const col = (ms: number) => Math.min(columns - 1, Math.max(0, Math.floor((ms - sinceMs) / stepMs)));
  // names come from the logs read: one line each, so none can break the fence or the columns
  const labels = [
    ...facts.jobs.map((j) => oneLine(j.job)),
    ...facts.breakers.map((b) => `breaker ${oneLine(b.provider)}`),
    'alerts',
  ];
  const width = Math.max(...labels.map((l) => l.length));
  const line = (label: string, cells: string[]) => `${label.padEnd(width)}  ${cells.join('')}`.trimEnd();

  // time labels at round times, never touching each other ("13:00   15:00")
  const axis: string[] = [];
  const every = NICE_STEPS.find((ms) => ms >= stepMs * 4) ?? NICE_STEPS[NICE_STEPS.length - 1];
  for (let t = Math.ceil(sinceMs / every) * every; t <= sinceMs + spanMs; t += every) {
    const c = Math.floor((t - sinceMs) / stepMs);
    if (c < axis.length + 1 && axis.length > 0) continue;
    while (axis.length < c) axis.push(' ');
    axis.push(...clock(new Date(t).toISOString()).slice(0, 5));
  }
  const out = [line('', axis)];
  for (const job of facts.jobs) {
    const cells = Array<string>(columns).fill(' ');
    const worst: Array<CellOutcome | undefined> = Array(columns).fill(undefined);
    for (const cell of job.cells) {
      const c = col(Date.parse(cell.slot));
      const current = worst[c];
      if (current === undefined || OUTCOME_SEVERITY.indexOf(cell.outcome) < OUTCOME_SEVERITY.indexOf(current))
        worst[c] = cell.outcome;
    }
    worst.forEach((o, c) => (cells[c] = o ? OUTCOME_SYMBOL[o] : ' '));
    // a column of no judged slot while the job was out of the config: not judged, not blank
    for (const p of job.outOfConfig) {
      const to = p.until === null ? Date.parse(facts.until) : Date.parse(p.until) - 1;
      for (let c = col(Date.parse(p.after) + 1); c <= col(to); c++) if (worst[c] === undefined) cells[c] = OUT_SYMBOL;
    }
    out.push(line(oneLine(job.job), cells));
  }
  const untilMs = Date.parse(facts.until);
  for (const b of facts.breakers) {
    const cells = Array<string>(columns).fill(' ');
    const [from, to] = [col(Date.parse(b.from)), col(b.until ? Date.parse(b.until) : untilMs)];
    for (let c = from; c <= to; c++) cells[c] = '=';
    for (const t of b.trials) cells[col(Date.parse(t.at))] = t.result === 'closed' ? ']' : '|';
    out.push(line(`breaker ${oneLine(b.provider)}`, cells));
  }
  const alerts = Array<string>(columns).fill(' ');
  for (const a of facts.alerts) alerts[col(Date.parse(a.at))] = '^';
  out.push(line('alerts', alerts));
  out.push(
    '',
    `times in UTC; one column = ${formatDuration(stepMs)}; ` +
      (Object.keys(OUTCOME_SYMBOL) as CellOutcome[]).map((o) => `${OUTCOME_SYMBOL[o]} ${OUTCOME_LABEL[o]}`).join(', ') +
      (facts.jobs.some((j) => j.outOfConfig.length > 0) ? `, ${OUT_SYMBOL} out of the config (not judged)` : '') +
      '; = breaker open, | half-open trial that re-opened, ] trial that closed it; ^ alert sent',
  );
  return out;
}

/** A text-timeline column of a job out of the config (no slot of it judged there). */
const OUT_SYMBOL = '-';

const MINUTE = 60_000;
/** Round spans for the time axis's labels. */
const NICE_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);

/** The smallest gap between consecutive instants (a job's interval), Infinity for fewer than two. */
function smallestStep(times: number[]): number {
  let best = Infinity;
  for (let i = 1; i < times.length; i++) best = Math.min(best, times[i] - times[i - 1]);
  return best;
}
