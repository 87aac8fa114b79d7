/**
 * The timeline as inline SVG: one row per job, one cell per slot placed on a shared time axis; the
 * breakers' open periods as bands beneath, the alerts as markers, the incident shaded behind. Each
 * outcome has its own pattern as well as its colour (greyscale, colour-blind readers, print), and
 * each cell a <title> (slot, outcome, provider, error) that a browser shows on hover.
 */
import type { ReportFacts } from '../analysis/report-facts.js';
import type { SlotCell } from '../analysis/slot-cells.js';
import { escapeHtml } from './escape.js';
import { clock, OUTCOME_LABEL, outcomeText, outOfConfigSpan, providerName, when } from './words.js';

const WIDTH = 1100;
const LABEL_W = 170;
const PLOT_W = WIDTH - LABEL_W - 16;
const AXIS_H = 30;
const ROW_H = 26;
const CELL_H = 20;
const BAND_H = 16;
const MINUTE = 60_000;
const TICK_STEPS = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080].map((m) => m * MINUTE);

/** The patterns every outcome is drawn with (shared by the timeline, the legend and the bars). */
function patternDefs(): string {
  const p = (id: string, size: number, body: string) =>
    `<pattern id="p-${id}" patternUnits="userSpaceOnUse" width="${size}" height="${size}"><rect class="bg-${id}" width="${size}" height="${size}"/>${body}</pattern>`;
  return (
    '<defs>' +
    p('served', 6, '') +
    p('degraded', 6, '<path class="ink-degraded" d="M-1 7L7 -1M-1 1L1 -1M5 7L7 5"/>') +
    p('failed', 6, '<path class="ink-failed" d="M0 0L6 6M6 0L0 6"/>') +
    p('missing', 6, '') +
    p('pending', 6, '<circle class="ink-pending" cx="3" cy="3" r="1"/>') +
    p('filled', 6, '<path class="ink-filled" d="M0 1.5H6M0 4.5H6"/>') +
    p('open', 8, '<path class="ink-open" d="M-2 2L2 -2M0 8L8 0M6 10L10 6"/>') +
    '</defs>'
  );
}

/** A small swatch of an outcome's look, for the legend. */
export function swatch(kind: string, label: string): string {
  return `<svg class="swatch" width="22" height="14" viewBox="0 0 22 14" role="img" aria-label="${escapeHtml(label)}"><rect class="cell ${kind}" x="1" y="1" width="20" height="12" rx="2"/></svg>`;
}

/** The cell's hover text: "threads 2026-04-19 14:15Z: failed · deepseek-v3 503, 503, 503 · error: …". */
function cellTitle(job: string, cell: SlotCell, chain: readonly string[]): string {
  const parts = [`${job} ${when(cell.slot)}: ${outcomeText(cell)}`];
  if (cell.provider) {
    const fallback = cell.degraded && chain.includes(cell.provider) ? ' (fallback)' : '';
    parts.push(`served by ${providerName(cell.provider, chain)}${fallback}`);
  }
  if (cell.servedOn !== undefined)
    parts.push(
      `served on ${cell.servedOn || 'another host'}${cell.unverified ? ' (its run not in the logs read)' : ''}`,
    );
  if (cell.tries) parts.push(`tries: ${cell.tries}`);
  if (cell.error) parts.push(`error: ${cell.error}`);
  return parts.join(' · ');
}

export function timelineSvg(facts: ReportFacts): string {
  const sinceMs = Date.parse(facts.since);
  const untilMs = Date.parse(facts.until);
  const span = Math.max(1, untilMs - sinceMs);
  const x = (ms: number) => LABEL_W + ((Math.min(Math.max(ms, sinceMs), untilMs) - sinceMs) / span) * PLOT_W;
  const bandProviders = [...new Set(facts.breakers.map((b) => b.provider))];
  const rowsTop = AXIS_H;
  const bandsTop = rowsTop + facts.jobs.length * ROW_H + 8;
  // with no breaker opened, one row says so
  const bandRows = Math.max(1, bandProviders.length);
  const alertsTop = bandsTop + bandRows * (BAND_H + 6) + 4;
  const height = alertsTop + 26;
  const out: string[] = [];
  const label = (y: number, text: string, cls = 'label') =>
    `<text class="${cls}" x="${LABEL_W - 10}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(text)}</text>`;

  // the incidents, shaded behind everything
  for (const incident of facts.incidents) {
    const [a, b] = [x(Date.parse(incident.start)), x(incident.end ? Date.parse(incident.end) : untilMs)];
    out.push(
      `<rect class="incident" x="${n(a)}" y="${rowsTop - 4}" width="${n(Math.max(1, b - a))}" height="${height - rowsTop}"><title>${escapeHtml(`incident ${when(incident.start)} – ${incident.end ? when(incident.end) : 'still going on'}`)}</title></rect>`,
    );
  }

  // the time axis: round times, at least ~90 px apart
  const step = TICK_STEPS.find((ms) => (ms / span) * PLOT_W >= 90) ?? TICK_STEPS[TICK_STEPS.length - 1];
  for (let t = Math.ceil(sinceMs / step) * step; t <= untilMs; t += step) {
    const tx = n(x(t));
    const text =
      step >= 1440 * MINUTE || t % (1440 * MINUTE) === 0
        ? when(new Date(t).toISOString())
        : `${clock(new Date(t).toISOString())}Z`;
    out.push(`<line class="grid" x1="${tx}" y1="${AXIS_H - 6}" x2="${tx}" y2="${height - 4}"/>`);
    out.push(`<text class="tick" x="${tx}" y="${AXIS_H - 12}" text-anchor="middle">${escapeHtml(text)}</text>`);
  }

  // one row per job, one cell per slot from its instant to the next (the last one as wide as the one before)
  facts.jobs.forEach((job, row) => {
    const y = rowsTop + row * ROW_H;
    out.push(label(y + CELL_H / 2, job.job));
    // the periods it was out of the config, behind its cells: no slot judged there
    for (const p of job.outOfConfig) {
      const [a, b] = [x(Date.parse(p.after)), x(p.until === null ? untilMs : Date.parse(p.until))];
      out.push(
        `<rect class="band out" x="${n(a)}" y="${y + 3}" width="${n(Math.max(2, b - a))}" height="${CELL_H - 6}" rx="3"><title>${escapeHtml(`${job.job} out of the config ${outOfConfigSpan(p)}: slots with no run record not judged`)}</title></rect>`,
      );
    }
    const times = job.cells.map((c) => Date.parse(c.slot));
    job.cells.forEach((cell, i) => {
      const start = times[i];
      const next = times[i + 1] ?? Math.min(untilMs, start + (i > 0 ? start - times[i - 1] : span));
      const [a, b] = [x(start), x(next)];
      const w = Math.max(1.5, b - a - (b - a > 6 ? 1.5 : 0.5));
      const classes = `cell ${cell.outcome}${cell.was ? ` was-${cell.was}` : ''}`;
      out.push(
        `<rect class="${classes}" data-job="${escapeHtml(job.job)}" data-slot="${cell.slot}" x="${n(a)}" y="${y}" width="${n(w)}" height="${CELL_H}" rx="${w > 8 ? 2 : 0}"><title>${escapeHtml(cellTitle(job.job, cell, facts.chain))}</title></rect>`,
      );
    });
  });

  // breaker bands, one row per provider whose breaker opened
  bandProviders.forEach((provider, row) => {
    const y = bandsTop + row * (BAND_H + 6);
    out.push(label(y + BAND_H / 2, `breaker ${provider}`, 'label band-label'));
    out.push(
      `<line class="band-track" x1="${LABEL_W}" y1="${y + BAND_H / 2}" x2="${LABEL_W + PLOT_W}" y2="${y + BAND_H / 2}"/>`,
    );
    for (const period of facts.breakers.filter((b) => b.provider === provider)) {
      const [a, b] = [x(Date.parse(period.from)), x(period.until ? Date.parse(period.until) : untilMs)];
      const trials = period.trials.map((t) => `${clock(t.at)}Z ${t.result}`).join(', ');
      const text = `breaker ${provider} open ${when(period.from)} – ${period.until ? when(period.until) : 'still open'}${period.manual ? ' (tripped by hand)' : ''}${trials ? `; half-open trials: ${trials}` : ''}`;
      out.push(
        `<rect class="band open" x="${n(a)}" y="${y}" width="${n(Math.max(2, b - a))}" height="${BAND_H}" rx="3"><title>${escapeHtml(text)}</title></rect>`,
      );
      for (const t of period.trials) {
        const tx = n(x(Date.parse(t.at)));
        out.push(
          `<line class="trial ${t.result}" x1="${tx}" y1="${y - 2}" x2="${tx}" y2="${y + BAND_H + 2}"><title>${escapeHtml(`half-open trial ${when(t.at)}: ${t.result}`)}</title></line>`,
        );
      }
    }
  });

  if (bandProviders.length === 0) out.push(label(bandsTop + BAND_H / 2, 'breakers: none opened', 'label band-label'));

  // alerts: a marker at the moment each one went out
  out.push(label(alertsTop + 8, facts.alerts.length ? 'alerts sent' : 'alerts sent: none'));
  for (const alert of facts.alerts) {
    const ax = x(Date.parse(alert.at));
    const text = `alert ${alert.kind} at ${when(alert.at)}${alert.summary ? `: ${alert.summary}` : ''}`;
    out.push(
      `<path class="alert ${alert.severity === 'resolved' ? 'resolved' : 'raised'}" d="M${n(ax)} ${alertsTop}l7 14h-14z"><title>${escapeHtml(text)}</title></path>`,
    );
  }

  const counts = Object.entries(
    facts.jobs.reduce<Record<string, number>>((acc, j) => {
      for (const [o, c] of Object.entries(j.counts)) acc[o] = (acc[o] ?? 0) + c;
      return acc;
    }, {}),
  )
    .filter(([, c]) => c > 0)
    .map(([o, c]) => `${c} ${OUTCOME_LABEL[o as keyof typeof OUTCOME_LABEL]}`)
    .join(', ');
  const desc = `One row per job (${facts.jobs.map((j) => j.job).join(', ')}), one cell per slot from ${when(facts.since)} to ${when(facts.until)}: ${counts || 'no slots'}. ${facts.breakers.length} breaker open period(s), ${facts.alerts.length} alert(s). The table of affected slots below has the same facts.`;
  return (
    `<svg class="timeline" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="timeline-title">Timeline of every slot, ${escapeHtml(when(facts.since))} to ${escapeHtml(when(facts.until))}</title>` +
    `<desc id="timeline-desc">${escapeHtml(desc)}</desc>` +
    patternDefs() +
    out.join('') +
    '</svg>'
  );
}

/** Coordinates with at most one decimal: a smaller file, the same picture. */
function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}
