/**
 * `drill --report DIR`: each act's afternoon as the incident report `postmortem report` makes of it
 * (HTML and Markdown), so "before" and "after" can be read side by side. Written as an act ends,
 * from its own log, at the moment `postmortem gaps` looks at it.
 */
import path from 'node:path';
import { jobSchedulesFromConfig } from '../analysis/jobs.js';
import { gatherReportFacts } from '../analysis/report-facts.js';
import { writeReports } from '../report/write.js';
import type { ActWorld } from './replay.js';
import { ANALYSIS, REPLAY } from './scenario.js';

/** The files of an act's report: `<dir>/drill-<act>.html` and `.md`. */
function actReportFiles(dir: string, act: string): { html: string; md: string } {
  return { html: path.join(dir, `drill-${act}.html`), md: path.join(dir, `drill-${act}.md`) };
}

/** Write an act's report over the replayed afternoon; returns the files written. */
export async function writeActReport(world: ActWorld, act: string, dir: string): Promise<string[]> {
  const window = { since: new Date(REPLAY.from), until: new Date(ANALYSIS.until) };
  const facts = await gatherReportFacts(jobSchedulesFromConfig(world.config), window, [world.config.log], {
    chain: world.config.providers.map((p) => p.name),
    allTraffic: true,
  });
  return writeReports(facts, { ...actReportFiles(dir, act), now: new Date(ANALYSIS.until) });
}
