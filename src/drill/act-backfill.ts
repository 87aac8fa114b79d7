/**
 * Act 3, backfill: after the outage, on act 1's own state and log (the primary is healthy again
 * by then), `backfill --dry-run` plans exactly the gap, `backfill` fills each slot once, gaps then
 * finds nothing, and a second backfill has nothing to do.
 */
import { backfill, type BackfillResult } from '../jobs/backfill.js';
import { gapsOf, gapTimeline, type DrillEnv } from './act-before.js';
import { bySlot, check } from './checks.js';
import { hhmm, plural, readLogRecords } from './log-view.js';
import type { ActWorld } from './replay.js';
import { ANALYSIS, EXPECTED, PRIMARY } from './scenario.js';
import type { ActReport, Check, TimelineEntry } from './types.js';

export const BACKFILL_TITLE = 'backfill: fill act 1’s gap once, on act 1’s own state and log';

export interface BackfillOutcome {
  report: ActReport;
  filled: number;
  secondBackfill: number;
}

export async function actBackfill(env: DrillEnv, before: ActWorld): Promise<BackfillOutcome> {
  const window = { since: new Date(ANALYSIS.since), until: new Date(ANALYSIS.until) };
  before.clock.set(ANALYSIS.until);

  const plan = await backfill(before.ctx, { ...window, dryRun: true });
  env.sim.resetCounts();
  const first = await backfill(before.ctx, window);
  const firstRequests = env.sim.requests().length;
  const gapsAfter = await gapsOf(before);
  env.sim.resetCounts();
  const second = await backfill(before.ctx, window);
  const secondRequests = env.sim.requests().length;

  const records = readLogRecords(before.config.log);
  const backfillOks = bySlot(
    records
      .filter((r) => r.event === 'run.end' && r.trigger === 'backfill' && r.outcome === 'ok')
      .map((r) => ({ job: r.job, slot: r.scheduledFor })),
  );
  const doubled = gapsAfter.jobs.reduce((n, j) => n + j.doubled, 0);
  const slotsOf = (r: BackfillResult) => bySlot(r.slots.map((s) => ({ job: s.job, slot: s.slot, status: s.status })));

  const checks: Check[] = [
    check(
      'backfill --dry-run plans exactly the gap',
      bySlot(EXPECTED.outageSlots.map((s) => ({ ...s, status: 'planned' }))),
      slotsOf(plan),
    ),
    check(
      'backfill fills each of those slots',
      bySlot(EXPECTED.outageSlots.map((s) => ({ ...s, status: 'filled' }))),
      slotsOf(first),
    ),
    check(
      '…with one request each, served by the recovered primary',
      { requests: EXPECTED.outageSlots.length, providers: [PRIMARY] },
      { requests: firstRequests, providers: [...new Set(first.slots.map((s) => s.provider))] },
    ),
    check('the log records each backfilled slot once (trigger "backfill")', bySlot(EXPECTED.outageSlots), backfillOks),
    check(
      'postmortem gaps then finds nothing, and no slot is served twice',
      { gaps: 0, doubled: 0 },
      { gaps: gapsAfter.gaps.length, doubled },
    ),
    check(
      'a second backfill does nothing',
      { slots: 0, filled: 0, requests: 0 },
      { slots: second.slots.length, filled: second.filled, requests: secondRequests },
    ),
    check('no warnings', [], before.warnings),
  ];

  const timeline: TimelineEntry[] = [
    {
      at: ANALYSIS.until,
      kind: 'backfill',
      text: `backfill --dry-run: ${plural(plan.slots.length, 'slot')} planned (${plan.slots.map((s) => `${s.job} ${hhmm(s.slot)}`).join(', ')})`,
    },
    ...first.slots.map((s) => ({
      at: ANALYSIS.until,
      kind: 'backfill' as const,
      text: `backfill: ${s.job.padEnd(14)} ${hhmm(s.slot)}  ${s.status}${s.provider ? ` by ${s.provider}` : ''}${s.reason ? ` (${s.reason})` : ''}`,
    })),
    ...gapTimeline(gapsAfter),
    {
      at: ANALYSIS.until,
      kind: 'backfill',
      text: `backfill again: ${second.slots.length === 0 ? 'nothing to do' : plural(second.slots.length, 'slot')}`,
    },
  ];
  return {
    report: { name: 'backfill', title: BACKFILL_TITLE, ok: checks.every((c) => c.ok), checks, timeline },
    filled: first.filled,
    secondBackfill: second.slots.length,
  };
}
