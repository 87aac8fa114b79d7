/**
 * The page's one stylesheet, inline: system fonts only (nothing fetched), light and dark from
 * prefers-color-scheme, and a print layout. Outcome colours come in pairs (fill + ink of its
 * pattern) picked to stay apart for the common colour-vision deficiencies; the patterns carry the
 * meaning on their own in greyscale.
 */
const LIGHT = `
  --bg: #ffffff; --fg: #1d232b; --muted: #5b6572; --rule: #d9dee5; --panel: #f5f7fa; --accent: #0b5cad;
  --served: #3f8f5a; --served-ink: #3f8f5a;
  --degraded: #f2c14e; --degraded-ink: #8a5a00;
  --failed: #c8362d; --failed-ink: #ffffff;
  --missing: transparent; --missing-line: #c8362d;
  --pending: #e6e9ee; --pending-ink: #8a93a0;
  --filled: #5a8fd6; --filled-ink: #ffffff;
  --open: #f6d6d3; --open-ink: #c8362d;
  --incident: rgba(200, 54, 45, 0.07);
  --code: #eef1f5;
`;
const DARK = `
    --bg: #14181d; --fg: #e4e8ee; --muted: #9aa4b1; --rule: #2e353e; --panel: #1b2027; --accent: #7fb3ff;
    --served: #4fae6f; --served-ink: #4fae6f;
    --degraded: #d9a93a; --degraded-ink: #4a3000;
    --failed: #e0554b; --failed-ink: #2a0d0b;
    --missing-line: #ff7b72;
    --pending: #2b313a; --pending-ink: #7d8794;
    --filled: #6fa3ea; --filled-ink: #10243f;
    --open: #4a2320; --open-ink: #ff7b72;
    --incident: rgba(255, 123, 114, 0.09);
    --code: #232a33;
`;

export const STYLE = `
:root {
  color-scheme: light dark;
${LIGHT}}
@media (prefers-color-scheme: dark) {
  :root {
${DARK}  }
}
* { box-sizing: border-box; }
html { background: var(--bg); color: var(--fg); }
body {
  margin: 0 auto; max-width: 1180px; padding: 28px 32px 48px;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 26px; line-height: 1.25; margin: 4px 0 6px; }
h2 { font-size: 18px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
p, ul { margin: 6px 0; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); padding: 1px 4px; border-radius: 3px; }
.kicker { color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; margin: 0; }
.window { color: var(--muted); font-size: 14px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin: 18px 0 12px; padding: 0; }
.stats div { background: var(--panel); border: 1px solid var(--rule); border-radius: 8px; padding: 10px 12px; }
.stats dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.stats dd { margin: 2px 0 0; font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stats dd small { font-size: 13px; font-weight: 400; color: var(--muted); }
.sentences li { margin: 3px 0; }
figure { margin: 8px 0 0; }
.scroll { overflow-x: auto; border: 1px solid var(--rule); border-radius: 8px; background: var(--panel); padding: 8px 4px; }
svg.timeline { display: block; max-width: none; font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 10px 0 0; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
svg.swatch, svg.bar { vertical-align: middle; }
.label { fill: var(--fg); font-weight: 600; }
.band-label { font-weight: 400; fill: var(--muted); }
.tick { fill: var(--muted); font-size: 11px; }
.grid { stroke: var(--rule); stroke-width: 1; }
.incident { fill: var(--incident); }
.cell { stroke-width: 1; }
.cell.served { fill: url(#p-served); }
.cell.degraded { fill: url(#p-degraded); stroke: var(--degraded-ink); }
.cell.failed { fill: url(#p-failed); stroke: var(--failed); }
.cell.missing { fill: url(#p-missing); stroke: var(--missing-line); stroke-width: 1.5; stroke-dasharray: 3 2; }
.cell.pending { fill: url(#p-pending); stroke: var(--pending-ink); }
.cell.filled { fill: url(#p-filled); stroke: var(--filled); }
.bg-served { fill: var(--served); } .bg-degraded { fill: var(--degraded); } .bg-failed { fill: var(--failed); }
.bg-missing { fill: var(--bg); } .bg-pending { fill: var(--pending); } .bg-filled { fill: var(--filled); }
.bg-open { fill: var(--open); }
.ink-degraded { stroke: var(--degraded-ink); stroke-width: 1.3; }
.ink-failed { stroke: var(--failed-ink); stroke-width: 1.2; }
.ink-pending { fill: var(--pending-ink); }
.ink-filled { stroke: var(--filled-ink); stroke-width: 1.1; }
.ink-open { stroke: var(--open-ink); stroke-width: 1.4; }
.band.open { fill: url(#p-open); stroke: var(--open-ink); stroke-width: 1; }
.band.out { fill: var(--panel); stroke: var(--muted); stroke-width: 1; stroke-dasharray: 4 3; }
.band-track { stroke: var(--rule); stroke-width: 1; stroke-dasharray: 2 3; }
.trial { stroke: var(--fg); stroke-width: 2; }
.trial.closed { stroke: var(--served); stroke-width: 3; }
.alert { fill: var(--failed); stroke: var(--bg); stroke-width: 1; }
.alert.resolved { fill: var(--served); }
table { border-collapse: collapse; width: 100%; font-size: 14px; margin-top: 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { font-size: 12px; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.tries, td.error { font-size: 13px; }
.outcome { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.note { color: var(--muted); font-size: 13px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 10px; }
@media print {
  :root {
${LIGHT}  }
  html, body { background: #ffffff; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .scroll { overflow: visible; border: 0; padding: 0; }
  svg.timeline { width: 100%; height: auto; }
  section { break-inside: avoid-page; }
  table { break-inside: auto; } tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`;
