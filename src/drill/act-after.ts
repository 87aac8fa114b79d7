/**
 * Act 2, "after": the same afternoon through the chain, with a breaker (3 failures / 5 min) and
 * alerts (after 3 failures). The breaker trips, later runs skip the dead primary without a request,
 * fallbacks serve (degraded), one alert goes out (no storm), half-open trials re-trip until the
 * outage ends, and no slot is lost.
 */
import path from 'node:path';
import { breakerBoard } from '../engine/breaker-board.js';
import type { LogRecord } from '../log/types.js';
import type { Simulator } from '../sim/server.js';
import { gapsOf, gapTimeline, primaryRequestsInOutage, type DrillEnv } from './act-before.js';
import { bySlot, check, checkThat } from './checks.js';
import { hhmm, readLogRecords, runStories, runTimeline, type RunStory } from './log-view.js';
import { openWorld, replayAfternoon, type ActWorld } from './replay.js';
import { afterConfig, ANALYSIS, CHAIN, EXPECTED, PRIMARY, REPLAY } from './scenario.js';
import type { ActReport, Check, DrillNumbers } from './types.js';

export const AFTER_TITLE = `after: the chain ${CHAIN.join(' → ')}, breaker 3 failures / 5 min, alerts to a webhook`;

export interface AfterOutcome {
  report: ActReport;
  numbers: DrillNumbers['after'];
  /** The act's world (its store already closed): its config and log stay readable. */
  world: ActWorld;
}

const isPrimary = (r: LogRecord) => r.provider === PRIMARY;

/** Each half-open trial: which run had it and what came of it. */
function trials(stories: readonly RunStory[]) {
  const out: Array<{ job: string; slot: string; at: string; result: 're-opened' | 'closed' | 'unknown' }> = [];
  for (const s of stories) {
    const steps = s.steps.filter(isPrimary);
    steps.forEach((step, i) => {
      if (step.event !== 'breaker.half-open') return;
      const next = steps.slice(i + 1).find((x) => x.event === 'breaker.open' || x.event === 'breaker.close');
      out.push({
        job: s.job,
        slot: s.slot,
        at: step.ts,
        result: next?.event === 'breaker.open' ? 're-opened' : next?.event === 'breaker.close' ? 'closed' : 'unknown',
      });
    });
  }
  return out;
}

/** The run whose own failures opened the breaker from closed, and what those failures were. */
function trip(stories: readonly RunStory[]) {
  for (const s of stories) {
    const steps = s.steps.filter(isPrimary);
    const at = steps.findIndex((x) => x.event === 'breaker.open' && x.from === 'closed');
    if (at < 0) continue;
    const errors = steps
      .slice(0, at)
      .filter((x) => x.event === 'attempt.end' && x.outcome === 'failed')
      .map((x) => (typeof x.httpStatus === 'number' ? String(x.httpStatus) : String(x.errorType)));
    return { job: s.job, slot: s.slot, at: steps[at].ts, errors };
  }
  return undefined;
}

/** Requests the simulator got for the primary during a run (sim time). */
function primaryRequestsDuring(sim: Simulator, story: RunStory): number {
  const [from, to] = [Date.parse(story.start), Date.parse(story.end)];
  return sim.requests().filter((r) => r.model === PRIMARY && r.at >= from && r.at <= to).length;
}

export async function actAfter(env: DrillEnv): Promise<AfterOutcome> {
  env.sim.setScript(env.script);
  env.sim.resetCounts();
  const world = await openWorld(path.join(env.dir, 'after'), afterConfig(env.sim.url, env.alertWebhook), REPLAY.from);
  try {
    const runs = await replayAfternoon(world);
    const records = readLogRecords(world.config.log);
    const stories = runStories(records);
    const served = stories.filter((s) => s.outcome === 'ok');
    const byPrimary = served.filter((s) => !s.degraded);
    const degraded = bySlot(
      served.filter((s) => s.degraded).map((s) => ({ job: s.job, slot: s.slot, provider: s.provider })),
    );
    const failed = bySlot(stories.filter((s) => s.outcome === 'failed').map((s) => ({ job: s.job, slot: s.slot })));
    const skipping = stories.filter((s) => s.steps.some((x) => isPrimary(x) && x.outcome === 'skipped-open'));
    const count = (event: string) => records.filter((r) => r.event === event && isPrimary(r)).length;
    const tripped = trip(stories);
    const trialList = trials(stories);
    const firstTrialWait = tripped && trialList[0] ? Date.parse(trialList[0].at) - Date.parse(tripped.at) : -1;
    const alertKinds = records.filter((r) => r.event === 'alert.sent').map((r) => String(r.kind));
    const webhookKinds = env.receivedAlerts().map((a) => String((a as { kind?: unknown })?.kind));
    const board = breakerBoard(world.config, world.ctx.store, world.clock);
    const finalStates = (await board.views([...CHAIN])).map((v) => `${v.provider}: ${v.state}`);
    world.clock.set(ANALYSIS.until);
    const gaps = await gapsOf(world);
    const primaryRequests = primaryRequestsInOutage(env.sim);

    const checks: Check[] = [
      check(`${EXPECTED.slots} slots ran as cron would`, EXPECTED.slots, runs.length),
      check('no run failed', [], failed),
      check(
        'the outage slots were served by the first fallback, marked degraded',
        bySlot(EXPECTED.outageSlots.map((s) => ({ ...s, provider: CHAIN[1] }))),
        degraded,
      ),
      check(
        'every other slot was served by the primary',
        EXPECTED.slots - EXPECTED.outageSlots.length,
        byPrimary.filter((s) => s.provider === PRIMARY).length,
      ),
      check(
        `the breaker trips at the threshold: 3 failures in ${EXPECTED.trip.job} ${hhmm(EXPECTED.trip.slot)}`,
        { ...EXPECTED.trip, errors: ['timeout', 'idle-timeout', '503'] },
        tripped && { job: tripped.job, slot: tripped.slot, errors: tripped.errors },
      ),
      check(
        'a run while it is open skips the primary',
        bySlot([...EXPECTED.skippedOpenRuns]),
        bySlot(skipping.map((s) => ({ job: s.job, slot: s.slot }))),
      ),
      check(
        '…without sending it a request',
        skipping.map(() => 0),
        skipping.map((s) => primaryRequestsDuring(env.sim, s)),
      ),
      check(
        `requests sent to the dead primary (3 to trip + ${EXPECTED.afterPrimaryRequests - 3} trials)`,
        EXPECTED.afterPrimaryRequests,
        primaryRequests,
      ),
      checkThat(
        'the first half-open trial waits out the 5-minute cooldown',
        firstTrialWait >= world.config.breaker.cooldownMs,
        `≥ ${world.config.breaker.cooldownMs} ms after the trip`,
        firstTrialWait,
      ),
      check(
        'half-open trials fail and re-trip during the outage; the first after it closes',
        EXPECTED.trials,
        trialList.map(({ job, slot, result }) => ({ job, slot, result })),
      ),
      check('breaker records in the log (open, half-open, close)', EXPECTED.breaker, {
        open: count('breaker.open'),
        halfOpen: count('breaker.half-open'),
        close: count('breaker.close'),
      }),
      check(
        'one alert when the breaker opened, one when it recovered; re-trips stay quiet',
        ['breaker-open', 'breaker-closed'],
        alertKinds,
      ),
      check('the webhook received each once', ['breaker-open', 'breaker-closed'], webhookKinds),
      check('each alert printed one line (captured by the drill)', 2, world.alertLines.length),
      check(
        'the breaker recovered: every breaker closed at the end',
        CHAIN.map((p) => `${p}: closed`),
        finalStates,
      ),
      check(
        'postmortem gaps finds nothing',
        { gaps: 0, incidents: 0 },
        { gaps: gaps.gaps.length, incidents: gaps.incidents.length },
      ),
      check('no warnings', [], world.warnings),
    ];
    const alertsByKind: Record<string, number> = {};
    for (const k of alertKinds) alertsByKind[k] = (alertsByKind[k] ?? 0) + 1;
    return {
      report: {
        name: 'after',
        title: AFTER_TITLE,
        ok: checks.every((c) => c.ok),
        checks,
        timeline: [...runTimeline(stories), ...gapTimeline(gaps)],
      },
      numbers: {
        servedByPrimary: byPrimary.length,
        servedByFallback: degraded.length,
        failed: failed.length,
        primaryRequestsInOutage: primaryRequests,
        skippedPrimaryRuns: skipping.length,
        alerts: alertsByKind,
      },
      world,
    };
  } finally {
    await world.ctx.store.close();
  }
}
