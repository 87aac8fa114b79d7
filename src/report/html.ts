/**
 * The report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched, so it
 * works offline and as an email attachment. Sections: the headline, the timeline, the cause, what
 * the chain and the breaker did, and every affected slot.
 */
import type { ReportFacts } from '../analysis/report-facts.js';
import type { ProviderActivity } from '../analysis/provider-tally.js';
import { CELL_OUTCOMES, type CellOutcome } from '../analysis/slot-cells.js';
import { formatDuration } from '../time.js';
import { escapeHtml as esc } from './escape.js';
import { headlineSentences } from './headline.js';
import { STYLE } from './style.js';
import { swatch, timelineSvg } from './timeline-svg.js';
import {
  clock,
  cutShortText,
  type Markup,
  OUTCOME_LABEL,
  outcomeText,
  OUT_OF_CONFIG_NOTE,
  OUT_OF_CONFIG_TITLE,
  outOfConfigJobs,
  outOfConfigSpan,
  plural,
  providerName,
  title,
  UNVERIFIED_NOTE,
  UNVERIFIED_TITLE,
  when,
} from './words.js';

interface HtmlOptions {
  generatedAt: Date;
}

export function renderHtml(facts: ReportFacts, opts: HtmlOptions): string {
  const heading = title(facts);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(heading)} · lucy-ops</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<p class="kicker">lucy-ops · postmortem report</p>
<h1>${esc(heading)}</h1>
<p class="window">Window ${esc(when(facts.since))} → ${esc(when(facts.until))} · ${esc(plural(facts.jobs.length, 'job'))}: ${esc(facts.jobs.map((j) => j.job).join(', ') || 'none')} · chain ${esc(facts.chain.join(' → ') || 'none')}</p>
</header>
<main>
${headlineSection(facts)}
${timelineSection(facts)}
${causeSection(facts)}
${chainSection(facts)}
${slotsSection(facts)}
${outOfConfigSection(facts)}
${doublesSection(facts)}
${unverifiedSection(facts)}
</main>
<footer>
<p>Drawn from ${esc(plural(facts.linesRead, 'log line'))}${facts.skippedLines ? ` (${esc(plural(facts.skippedLines, 'line'))} skipped: not job records)` : ''} in ${esc(facts.sources.join(', ') || 'no log')}${facts.errors.length ? `; could not read all of ${esc(facts.errors.join('; '))}` : ''}. Generated ${esc(when(opts.generatedAt.toISOString()))} by <code>lucy-ops postmortem report</code>; <code>--json</code> prints the same facts.</p>
</footer>
</body>
</html>
`;
}

const HTML_MARKUP: Markup = { text: esc, code: (s) => `<code>${esc(s)}</code>` };

function headlineSection(facts: ReportFacts): string {
  const h = facts.headline;
  const stat = (label: string, value: string, small = '') =>
    `<div><dt>${esc(label)}</dt><dd>${esc(value)}${small ? ` <small>${esc(small)}</small>` : ''}</dd></div>`;
  // the span and jobs are the told incident's; the counts the window's, and labelled so
  const inWindow = 'in the window';
  const stats = h.start
    ? [
        // in UTC, marked Z as every time of the report and of the other views
        stat('Started', `${clock(h.start)}Z`, h.start.slice(0, 10)),
        stat('Ended', h.end ? `${clock(h.end)}Z` : 'going on', h.end ? h.end.slice(0, 10) : ''),
        stat('Duration', formatDuration(h.durationMs), h.open ? 'so far' : ''),
        stat('Jobs hit', String(h.jobs.length), `of ${facts.jobs.length}`),
        // the record: its slots not served on time, whatever was filled since
        stat('Not served on time', String(facts.incidents[h.incident!].notOnTime), 'this incident'),
        stat('Failed', String(h.failed), inWindow),
        stat('Missing', String(h.missing), inWindow),
        stat('Served by a fallback', String(h.degraded), inWindow),
        stat('Filled later', String(h.filled), h.unserved ? `${h.unserved} still unserved ${inWindow}` : inWindow),
      ]
    : [stat('Slots', String(facts.jobs.reduce((n, j) => n + j.cells.length, 0))), stat('Affected', String(h.affected))];
  if (h.notJudgedOutOfConfig > 0) stats.push(stat('Not judged', String(h.notJudgedOutOfConfig), 'out of the config'));
  return `<section aria-labelledby="h-headline">
<h2 id="h-headline">Headline</h2>
<dl class="stats">${stats.join('')}</dl>
<ul class="sentences">${headlineSentences(facts, HTML_MARKUP)
    .map((s) => `<li>${s}</li>`)
    .join('')}</ul>
</section>`;
}

function timelineSection(facts: ReportFacts): string {
  const legend = CELL_OUTCOMES.map((o) => `<li>${swatch(o, OUTCOME_LABEL[o])} ${esc(OUTCOME_LABEL[o])}</li>`);
  legend.push(
    `<li><svg class="swatch" width="22" height="14" viewBox="0 0 22 14" role="img" aria-label="breaker open"><rect class="band open" x="1" y="1" width="20" height="12" rx="3"/></svg> breaker open (| half-open trial)</li>`,
    ...(facts.jobs.some((j) => j.outOfConfig.length > 0)
      ? [
          `<li><svg class="swatch" width="22" height="14" viewBox="0 0 22 14" role="img" aria-label="out of the config"><rect class="band out" x="1" y="1" width="20" height="12" rx="3"/></svg> out of the config (not judged)</li>`,
        ]
      : []),
    `<li><svg class="swatch" width="16" height="14" viewBox="0 0 16 14" role="img" aria-label="alert sent"><path class="alert" d="M8 0l7 14h-14z"/></svg> alert sent</li>`,
  );
  return `<section aria-labelledby="h-timeline">
<h2 id="h-timeline">Timeline</h2>
<p class="note">One row per job, one cell per slot (hover a cell for its slot, outcome, provider and error); the breakers' open periods and the alerts beneath.${shadedNote(facts.incidents.length)}</p>
<figure>
<div class="scroll">${timelineSvg(facts)}</div>
<figcaption><ul class="legend">${legend.join('')}</ul></figcaption>
</figure>
</section>`;
}

/** What the shading behind the timeline is: each incident's span; nothing is shaded when there is none. */
function shadedNote(incidents: number): string {
  if (incidents === 0) return '';
  return incidents === 1 ? ' The shaded span is the incident.' : ' The shaded spans are the incidents.';
}

function causeSection(facts: ReportFacts): string {
  const failing = facts.providers.filter((p) => p.failed > 0);
  const rows = failing.flatMap((p) =>
    p.errors.map(
      (e, i) =>
        `<tr>${i === 0 ? `<th scope="row" rowspan="${p.errors.length}">${esc(p.provider)}</th>` : ''}<td>${esc(e.reason)}</td><td class="num">${e.count}</td><td class="num">${pct(e.count, p.requests)}</td></tr>`,
    ),
  );
  return `<section aria-labelledby="h-cause">
<h2 id="h-cause">The cause</h2>
<p>${facts.cause ? `Failed attempts over the window: ${esc(facts.cause)}.` : 'No attempt failed in the window.'}</p>
${
  rows.length
    ? `<table><caption class="note">Failed attempts per provider and error class (HTTP status, or the failure class when there was no response)</caption><thead><tr><th scope="col">provider</th><th scope="col">error class</th><th scope="col" class="num">attempts</th><th scope="col" class="num">of its requests</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : ''
}
</section>`;
}

function chainSection(facts: ReportFacts): string {
  const max = Math.max(1, ...facts.providers.map((p) => p.requests + p.skippedOpen));
  const role = (p: ProviderActivity) => {
    const i = facts.chain.indexOf(p.provider);
    return i === 0 ? 'primary' : i > 0 ? `fallback ${i}` : 'not in config';
  };
  const rows = facts.providers.map(
    (p) =>
      `<tr><th scope="row">${esc(p.provider)}</th><td>${esc(role(p))}</td><td class="num">${p.requests}</td><td class="num">${p.ok}</td><td class="num">${p.failed}</td><td class="num">${p.skippedOpen}</td><td>${bar(p, max)}</td></tr>`,
  );
  const saved = facts.providers.reduce((n, p) => n + p.skippedOpen, 0);
  const cut = cutShortText(facts.providers, esc);
  const breakers = facts.breakers.map((b) => {
    const trials = b.trials.map((t) => `${clock(t.at)}Z ${t.result}`).join(', ');
    return `<li>breaker <strong>${esc(b.provider)}</strong> open ${esc(when(b.from))} → ${esc(b.until ? when(b.until) : 'still open')} (${esc(formatDuration((b.until ? Date.parse(b.until) : Date.parse(facts.until)) - Date.parse(b.from)))})${b.manual ? ', tripped by hand' : ''}${trials ? `; half-open trials: ${esc(trials)}` : ''}</li>`;
  });
  const alerts = facts.alerts.map(
    (a) =>
      `<li>alert <strong>${esc(a.kind)}</strong> at ${esc(when(a.at))}${a.summary ? `: ${esc(a.summary)}` : ''}</li>`,
  );
  return `<section aria-labelledby="h-chain">
<h2 id="h-chain">What the chain and the breaker did</h2>
<p>${saved > 0 ? `The open breaker saved ${esc(plural(saved, 'request'))}: attempts answered at once, without a request to a provider known to be down.` : 'No attempt was skipped by an open breaker.'}</p>
${cut ? `<p>${cut}</p>` : ''}
<table><thead><tr><th scope="col">provider</th><th scope="col">in the chain</th><th scope="col" class="num">requests sent</th><th scope="col" class="num">ok</th><th scope="col" class="num">failed</th><th scope="col" class="num">saved by the open breaker</th><th scope="col">share</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<ul>${breakers.join('') || '<li>No breaker opened in the window.</li>'}${alerts.join('') || '<li>No alert was sent in the window.</li>'}</ul>
</section>`;
}

/** Requests ok / failed and the attempts the breaker skipped, as one bar (patterns, not only colour). */
function bar(p: ProviderActivity, max: number): string {
  const W = 180;
  const scale = (v: number) => (v / max) * W;
  let at = 0;
  const part = (v: number, cls: CellOutcome | 'open') => {
    if (v === 0) return '';
    const w = scale(v);
    const r = `<rect class="${cls === 'open' ? 'band open' : `cell ${cls}`}" x="${Math.round(at * 10) / 10}" y="2" width="${Math.max(1, Math.round(w * 10) / 10)}" height="12"/>`;
    at += w;
    return r;
  };
  const label = `${p.ok} ok, ${p.failed} failed, ${p.skippedOpen} skipped by the open breaker`;
  return `<svg class="bar" width="${W}" height="16" viewBox="0 0 ${W} 16" role="img" aria-label="${esc(label)}">${part(p.ok, 'served')}${part(p.failed, 'failed')}${part(p.skippedOpen, 'open')}</svg>`;
}

function slotsSection(facts: ReportFacts): string {
  const rows = facts.affected.map(
    (s) =>
      `<tr><td>${esc(s.job)}</td><td>${esc(when(s.slot))}</td><td><span class="outcome">${swatch(s.outcome, OUTCOME_LABEL[s.outcome])} ${esc(outcomeText(s))}</span></td><td>${esc(s.provider ? providerName(s.provider, facts.chain) : '—')}</td><td class="error">${esc(s.error ?? '—')}</td><td class="tries">${esc(s.tries ?? '—')}</td></tr>`,
  );
  return `<section aria-labelledby="h-slots">
<h2 id="h-slots">Affected slots</h2>
${
  rows.length
    ? `<table><thead><tr><th scope="col">job</th><th scope="col">slot</th><th scope="col">outcome</th><th scope="col">served by</th><th scope="col">error</th><th scope="col">tries</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : `<p>None: every ${facts.headline.notJudgedOutOfConfig > 0 ? 'judged ' : ''}slot in the window was served on time by the first provider.</p>`
}
</section>`;
}

/** The periods jobs were out of the config (their slots not judged): nothing when there are none. */
function outOfConfigSection(facts: ReportFacts): string {
  const jobs = outOfConfigJobs(facts);
  if (jobs.length === 0) return '';
  const rows = jobs.map(
    (j) =>
      `<tr><td>${esc(j.job)}</td><td>${esc(j.outOfConfig.map(outOfConfigSpan).join('; '))}</td><td class="num">${j.notJudgedOutOfConfig}</td></tr>`,
  );
  return `<section aria-labelledby="h-out-of-config">
<h2 id="h-out-of-config">${esc(OUT_OF_CONFIG_TITLE)}</h2>
<p class="note">${esc(OUT_OF_CONFIG_NOTE)}</p>
<table><thead><tr><th scope="col">job</th><th scope="col">out of the config</th><th scope="col" class="num">slots not judged in the window</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

/** Slots served more than once: nothing when there are none. */
function doublesSection(facts: ReportFacts): string {
  if (facts.doubles.length === 0) return '';
  const rows = facts.doubles.map(
    (d) => `<tr><td>${esc(d.job)}</td><td>${esc(when(d.slot))}</td><td class="num">${d.runs}</td></tr>`,
  );
  return `<section aria-labelledby="h-doubles">
<h2 id="h-doubles">Served more than once</h2>
<p class="note">Each is a slot whose content went out more than once: two hosts served it, or a run did not see that another had (a deliberate <code>--force</code> re-run is not counted).</p>
<table><thead><tr><th scope="col">job</th><th scope="col">slot</th><th scope="col" class="num">serves</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

/** Slots served on another host on the word of a skip here alone: nothing when there are none. */
function unverifiedSection(facts: ReportFacts): string {
  if (facts.unverified.length === 0) return '';
  const rows = facts.unverified.map(
    (u) =>
      `<tr><td>${esc(u.job)}</td><td>${esc(when(u.slot))}</td><td>${esc(u.servedOn || 'another host')} (its run not in the logs read)</td></tr>`,
  );
  return `<section aria-labelledby="h-unverified">
<h2 id="h-unverified">${UNVERIFIED_TITLE}</h2>
<p class="note">${esc(UNVERIFIED_NOTE)}</p>
<table><thead><tr><th scope="col">job</th><th scope="col">slot</th><th scope="col">served on</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—';
}
