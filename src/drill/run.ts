/**
 * The drill: start the simulator and a webhook receiver on loopback, play the three acts in a
 * temporary folder (or --keep DIR), and gather one report. Needs no config, network or keys.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulator, type SimScript } from '../sim/server.js';
import { actAfter, type AfterOutcome } from './act-after.js';
import { actBackfill, BACKFILL_TITLE, type BackfillOutcome } from './act-backfill.js';
import { actBefore, BEFORE_TITLE, type BeforeOutcome, type DrillEnv } from './act-before.js';
import { AFTER_TITLE } from './act-after.js';
import { writeActReport } from './act-report.js';
import { crashed } from './checks.js';
import { startAlertReceiver } from './receiver.js';
import { CHAIN, EXPECTED, OUTAGE, OUTAGE_SCRIPT, PRIMARY } from './scenario.js';
import type { ActName, ActReport, DrillNumbers, DrillReport } from './types.js';

export interface DrillOptions {
  /** Keep the artefacts (configs, state, logs, generated files) in this folder. */
  keep?: string;
  /** Called as each act ends (for progress). */
  onAct?: (act: ActReport) => void;
  /** Write act 1's and act 2's incident reports (HTML and Markdown) in this folder. */
  report?: string;
  /** Another outage script (tests: proof that the checks catch a different afternoon). */
  script?: SimScript;
}

/** Why `--keep DIR` cannot be used, or undefined: it must be new or empty (the drill never overwrites). */
export function keepDirProblem(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  if (!fs.statSync(dir).isDirectory()) return `${dir} exists and is not a folder`;
  if (fs.readdirSync(dir).length > 0)
    return `${dir} is not empty (the drill keeps its artefacts only in a new or empty folder)`;
  return undefined;
}

export const NEXT_COMMANDS = [
  ['npx lucy-ops init', 'write a commented lucy-ops.config.ts and a crontab snippet'],
  ['npx lucy-ops probe providers', 'one tiny live request to each provider of your chain'],
  ['npx lucy-ops breaker status', 'what the breakers think right now'],
  ['npx lucy-ops postmortem gaps --since 2h', 'any silent gaps lately? (--fail-on-gap for a watchdog)'],
  ['npx lucy-ops backfill --since 6h --dry-run', 'what a backfill would re-run (drop --dry-run to fill)'],
] as const;

function failedAct(name: ActName, title: string, err: unknown): ActReport {
  return { name, title, ok: false, checks: [crashed(err)], timeline: [] };
}

export async function runDrill(opts: DrillOptions = {}): Promise<DrillReport> {
  const started = performance.now();
  const dir = opts.keep ? path.resolve(opts.keep) : fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-drill-'));
  fs.mkdirSync(dir, { recursive: true });
  const sim = await startSimulator({ host: '127.0.0.1', port: 0 });
  const receiver = await startAlertReceiver();
  const env: DrillEnv = {
    dir,
    sim,
    script: opts.script ?? OUTAGE_SCRIPT,
    alertWebhook: receiver.url,
    receivedAlerts: receiver.received,
  };
  const acts: ActReport[] = [];
  const done = (act: ActReport) => {
    acts.push(act);
    opts.onAct?.(act);
  };

  let before: BeforeOutcome | undefined;
  let after: AfterOutcome | undefined;
  let filling: BackfillOutcome | undefined;
  const reports: string[] = [];
  const reportDir = opts.report ? path.resolve(opts.report) : undefined;
  try {
    try {
      before = await actBefore(env);
      // act 1's afternoon as it stood before act 3 backfills it
      if (reportDir) reports.push(...(await writeActReport(before.world, 'before', reportDir)));
      done(before.report);
    } catch (err) {
      done(failedAct('before', BEFORE_TITLE, err));
    }
    try {
      after = await actAfter(env);
      if (reportDir) reports.push(...(await writeActReport(after.world, 'after', reportDir)));
      done(after.report);
    } catch (err) {
      done(failedAct('after', AFTER_TITLE, err));
    }
    try {
      if (!before) throw new Error('act 1 did not finish, so there is no gap to fill');
      filling = await actBackfill(env, before.world);
      done(filling.report);
    } catch (err) {
      done(failedAct('backfill', BACKFILL_TITLE, err));
    }
  } finally {
    await before?.world.ctx.store.close().catch(() => undefined);
    await Promise.allSettled([sim.close(), receiver.close()]);
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
  }

  const incident = before?.gaps.incidents[0];
  const numbers: DrillNumbers = {
    slots: EXPECTED.slots,
    before: before?.numbers ?? { served: 0, failed: 0, primaryRequestsInOutage: 0, alerts: 0 },
    after: after?.numbers ?? {
      servedByPrimary: 0,
      servedByFallback: 0,
      failed: 0,
      primaryRequestsInOutage: 0,
      skippedPrimaryRuns: 0,
      alerts: {},
    },
    requestsSavedByBreaker:
      (before?.numbers.primaryRequestsInOutage ?? 0) - (after?.numbers.primaryRequestsInOutage ?? 0),
    gap: {
      found: before?.gaps.gaps.reduce((n, g) => n + g.slots, 0) ?? 0,
      jobs: incident?.jobs ?? [],
      start: incident?.start ?? null,
      end: incident?.end ?? null,
      durationMinutes: incident ? Math.round(incident.durationMs / 60_000) : 0,
      filled: filling?.filled ?? 0,
      secondBackfill: filling?.secondBackfill ?? 0,
    },
  };
  const failedChecks = acts.flatMap((a) => a.checks.filter((c) => !c.ok).map((c) => `${a.name}: ${c.name}`));
  return {
    ok: acts.length === 3 && acts.every((a) => a.ok),
    durationMs: Math.round(performance.now() - started),
    keptIn: opts.keep ? dir : null,
    reports,
    outage: { primary: PRIMARY, from: OUTAGE.from, until: OUTAGE.until, chain: [...CHAIN] },
    acts,
    numbers,
    next: NEXT_COMMANDS.map(([cmd]) => cmd),
    failedChecks,
  };
}
