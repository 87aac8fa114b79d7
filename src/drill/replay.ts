/**
 * Running an act's afternoon as cron would: every due slot of every job, in time order, each run a
 * few seconds after its slot, on a manual clock. Backoff sleeps move that clock instead of
 * waiting, so an afternoon of retries costs no real time; only the simulated timeouts are real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock, type Sleep } from '../clock.js';
import type { ResolvedConfig, UserConfig } from '../config/types.js';
import { resolveConfig } from '../config/validate.js';
import { openJobContext, type AfterRunHook, type JobContext } from '../jobs/context.js';
import { generateSlot, type GenerateResult } from '../jobs/generate.js';
import { slotsBetween, validateSchedule } from '../schedule/slots.js';
import { JOBS, REPLAY, START_OFFSET_MS, type DrillJob } from './scenario.js';

export interface ActWorld {
  dir: string;
  config: ResolvedConfig;
  clock: ManualClock;
  ctx: JobContext;
  /** Alert stderr lines, captured instead of printed (the report shows them). */
  alertLines: string[];
  /** Warnings the run would have printed (none expected). */
  warnings: string[];
}

/**
 * A config in memory whose paths live in `dir`; the same config is written there as
 * lucy-ops.config.json so kept artefacts can be inspected with the real commands.
 */
export async function openWorld(
  dir: string,
  user: UserConfig,
  startAt: string,
  opts: { afterRun?: AfterRunHook[] } = {},
): Promise<ActWorld> {
  fs.mkdirSync(dir, { recursive: true });
  const configPath = path.join(dir, 'lucy-ops.config.json');
  fs.writeFileSync(configPath, JSON.stringify(user, null, 2) + '\n');
  const config = resolveConfig(user, configPath, validateSchedule);
  const clock = new ManualClock(Date.parse(startAt));
  const alertLines: string[] = [];
  const warnings: string[] = [];
  const sleep: Sleep = async (ms, signal) => {
    if (signal?.aborted) throw signal.reason;
    clock.advance(ms);
  };
  // env {}: the user's environment (LUCY_OPS_NOW, Redis URLs, keys) plays no part in the drill
  const ctx = await openJobContext(config, {
    clock,
    simClock: true,
    sleep,
    env: {},
    warn: (m) => warnings.push(m),
    alertLine: (l) => alertLines.push(l),
    afterRun: opts.afterRun,
  });
  return { dir, config, clock, ctx, alertLines, warnings };
}

export interface DueRun {
  job: DrillJob;
  slot: Date;
  /** When cron starts it: the slot plus the job's start-up offset. */
  startAt: number;
}

/** Every run of the replayed afternoon, in the order cron would start them. */
export function dueRuns(from = REPLAY.from, to = REPLAY.to): DueRun[] {
  const runs: DueRun[] = [];
  for (const job of Object.keys(JOBS) as DrillJob[]) {
    const { schedule, tz } = JOBS[job];
    for (const slot of slotsBetween(schedule, tz, new Date(from), new Date(to))) {
      runs.push({ job, slot, startAt: slot.getTime() + START_OFFSET_MS[job] });
    }
  }
  return runs.sort((a, b) => a.startAt - b.startAt);
}

export interface ReplayedRun extends DueRun {
  result: GenerateResult;
}

/** Run every due slot with trigger "cron", moving the clock to each start (never backwards). */
export async function replayAfternoon(world: ActWorld, runs = dueRuns()): Promise<ReplayedRun[]> {
  const out: ReplayedRun[] = [];
  for (const run of runs) {
    world.clock.set(Math.max(world.clock.now(), run.startAt));
    const job = world.config.jobs[run.job];
    if (job.prompt === undefined) throw new Error(`drill: job ${run.job} is not a generation job`);
    const result = await generateSlot(world.ctx, job, run.slot, { trigger: 'cron' });
    out.push({ ...run, result });
  }
  return out;
}
