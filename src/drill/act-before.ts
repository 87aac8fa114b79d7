/**
 * Act 1, "before": the three jobs on the primary alone, retries but no breaker and no alerts, as
 * on April 19. The runs in the outage fail, nobody is told, and `postmortem gaps` finds it after.
 */
import path from 'node:path';
import { jobSchedulesFromConfig } from '../analysis/jobs.js';
import { analyzeLogs, type GapReport } from '../analysis/gaps.js';
import type { Simulator, SimScript } from '../sim/server.js';
import { bySlot, check } from './checks.js';
import { readLogRecords, runStories, runTimeline, plural, hhmm } from './log-view.js';
import { openWorld, replayAfternoon, type ActWorld } from './replay.js';
import { ANALYSIS, beforeConfig, EXPECTED, OUTAGE, PRIMARY, REPLAY } from './scenario.js';
import type { ActReport, Check, DrillNumbers, TimelineEntry } from './types.js';

export interface DrillEnv {
  dir: string;
  sim: Simulator;
  /** The afternoon's outage (OUTAGE_SCRIPT), set afresh at the start of acts 1 and 2. */
  script: SimScript;
  alertWebhook: string;
  receivedAlerts(): unknown[];
}

export interface BeforeOutcome {
  report: ActReport;
  world: ActWorld;
  numbers: DrillNumbers['before'];
  gaps: GapReport;
}

export const BEFORE_TITLE = 'before: the primary alone, as on April 19 (retries, no chain, no breaker, no alerts)';

/** Requests the simulator got for the primary while it was down (sim time). */
export function primaryRequestsInOutage(sim: Simulator): number {
  const [from, until] = [Date.parse(OUTAGE.from), Date.parse(OUTAGE.until)];
  return sim.requests().filter((r) => r.model === PRIMARY && r.at >= from && r.at < until).length;
}

/** `postmortem gaps` over the replayed afternoon, on an act's own log. */
export function gapsOf(world: ActWorld): Promise<GapReport> {
  const window = { since: new Date(ANALYSIS.since), until: new Date(ANALYSIS.until) };
  return analyzeLogs(jobSchedulesFromConfig(world.config), window, [world.config.log]);
}

export function gapTimeline(report: GapReport): TimelineEntry[] {
  if (report.incidents.length === 0)
    return [{ at: ANALYSIS.until, kind: 'analysis', text: 'postmortem gaps: no gaps, no incidents' }];
  return report.incidents.map((i) => {
    const perJob = report.gaps
      .filter((g) => i.jobs.includes(g.job) && g.start >= i.start && (i.end === null || g.start < i.end))
      .map((g) => `${g.job} ${g.slots} (${g.failed} failed, ${g.missing} missing)`)
      .join(', ');
    const span = `${hhmm(i.start)}–${i.end ? hhmm(i.end) : 'now'} (${Math.round(i.durationMs / 60_000)} min)`;
    return {
      at: ANALYSIS.until,
      kind: 'analysis' as const,
      text: `postmortem gaps: incident ${span}, ${plural(i.slots, 'slot')}: ${perJob}; cause ${i.cause ?? 'unknown'}`,
    };
  });
}

export async function actBefore(env: DrillEnv): Promise<BeforeOutcome> {
  env.sim.setScript(env.script);
  env.sim.resetCounts();
  // April 19 had no alerting at all: no after-run hooks, so lucy-ops' own alerts stay out of it
  const world = await openWorld(path.join(env.dir, 'before'), beforeConfig(env.sim.url), REPLAY.from, {
    afterRun: [],
  });
  const runs = await replayAfternoon(world);
  const primaryRequests = primaryRequestsInOutage(env.sim);

  const records = readLogRecords(world.config.log);
  const stories = runStories(records);
  const failed = bySlot(stories.filter((s) => s.outcome === 'failed').map((s) => ({ job: s.job, slot: s.slot })));
  const served = stories.filter((s) => s.outcome === 'ok');
  const alertRecords = records.filter((r) => r.event === 'alert.sent');

  world.clock.set(ANALYSIS.until);
  const gaps = await gapsOf(world);
  const gapShape = gaps.gaps.map(({ job, start, end, slots, failed: f, missing }) => ({
    job,
    start,
    end,
    slots,
    failed: f,
    missing,
  }));
  const incidentShape = gaps.incidents.map((i) => ({
    start: i.start,
    end: i.end,
    jobs: i.jobs,
    slots: i.slots,
    durationMinutes: i.durationMs / 60_000,
  }));

  const checks: Check[] = [
    check(`${EXPECTED.slots} slots ran as cron would`, EXPECTED.slots, runs.length),
    check('the runs in the outage failed', bySlot(EXPECTED.outageSlots), failed),
    check(
      'every other run was served by the primary',
      { runs: EXPECTED.slots - EXPECTED.outageSlots.length, providers: [PRIMARY] },
      { runs: served.length, providers: [...new Set(served.map((s) => s.provider))] },
    ),
    check(
      `requests sent to the dead primary (3 tries × ${EXPECTED.outageSlots.length} runs)`,
      EXPECTED.beforePrimaryRequests,
      primaryRequests,
    ),
    check(
      'nothing alerted',
      { logged: 0, printed: 0 },
      { logged: alertRecords.length, printed: world.alertLines.length },
    ),
    check('postmortem gaps finds each job’s gap', EXPECTED.gaps, gapShape),
    check('postmortem gaps merges them into one 45-minute incident', [EXPECTED.incident], incidentShape),
    check('no warnings', [], world.warnings),
  ];
  const timeline: TimelineEntry[] = [
    ...runTimeline(stories),
    { at: '', kind: 'note', text: 'no alert: nobody knew until someone read the logs' },
    ...gapTimeline(gaps),
  ];

  return {
    report: { name: 'before', title: BEFORE_TITLE, ok: checks.every((c) => c.ok), checks, timeline },
    world,
    numbers: {
      served: served.length,
      failed: failed.length,
      primaryRequestsInOutage: primaryRequests,
      alerts: alertRecords.length,
    },
    gaps,
  };
}
