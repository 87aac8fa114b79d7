/**
 * The alerting half of the after-run hook: update the job's alert memory (one atomic update in the
 * state store), then send what the policy decided. See src/alerts/policy.ts for the rules.
 */
import type { JobContext } from '../jobs/context.js';
import type { RunHandle, WorkResult } from '../jobs/types.js';
import { EMPTY_MEMORY, decisionFor, newlyOpened, nextMemory, type JobAlertMemory } from './policy.js';
import { sendAlert } from './send.js';
import type { AlertInput, AlertReport } from './types.js';

export const alertKey = (job: string) => `alert:${job}`;

export async function alertAfterRun(ctx: JobContext, run: RunHandle, result: WorkResult): Promise<AlertReport[]> {
  if (result.status === 'skipped') return [];
  const at = new Date(ctx.clock.now()).toISOString();
  const unavailable = result.status === 'failed' && Boolean(result.unavailable);
  const threshold = ctx.config.alerts.afterConsecutiveFailures;
  const opened = newlyOpened(result.transitions);
  const key = alertKey(run.job);
  // Fast path: a success with no incident open changes nothing: no lock, no write.
  const seen = result.status === 'ok' ? await ctx.store.get<JobAlertMemory>(key) : undefined;
  const quiet =
    result.status === 'ok' &&
    (!seen || (seen.consecutiveFailures === 0 && !seen.sent?.failing && !seen.sent?.chainFailed));
  const memory = quiet
    ? (seen ?? EMPTY_MEMORY)
    : await ctx.store.update<JobAlertMemory>(key, (cur) =>
        nextMemory(cur, { runId: run.runId, status: result.status as 'ok' | 'failed', unavailable, at }, threshold),
      );
  const decided = quiet ? undefined : decisionFor(memory, run.runId);
  const alerts = planAlerts(run, result, memory!, decided, opened);
  alerts.push(...(await breakerRecoveries(ctx, run, result, alerts, at)));
  return sendAll(ctx, run, alerts, at);
}

/** Sends a run's alerts one after the other, each logged under the run. */
export async function sendAll(
  ctx: JobContext,
  run: RunHandle,
  alerts: AlertInput[],
  at: string,
): Promise<AlertReport[]> {
  const reports: AlertReport[] = [];
  for (const alert of alerts) {
    reports.push(
      await sendAlert(
        ctx.config,
        { ...alert, ts: at },
        {
          log: (event, fields, level) => run.log(event, fields, level === 'debug' ? 'info' : level),
          env: ctx.env,
          stderr: ctx.alertLine,
        },
      ),
    );
  }
  return reports;
}

function planAlerts(
  run: RunHandle,
  result: WorkResult,
  memory: JobAlertMemory,
  decided: JobAlertMemory['decided'],
  opened: string[],
): AlertInput[] {
  const base = { job: run.job, slot: run.slot, runId: run.runId };
  const error = typeof result.fields?.error === 'string' ? result.fields.error : undefined;
  const served = typeof result.fields?.provider === 'string' ? result.fields.provider : undefined;
  const openedNote = opened.length ? `; breaker opened for ${opened.join(', ')}` : '';
  const out: AlertInput[] = [];

  switch (decided?.alert) {
    case 'job-failing':
      out.push({
        ...base,
        kind: 'job-failing',
        summary: `${run.job} has failed ${plural(memory.consecutiveFailures, 'run')} in a row (last: slot ${run.slot}: ${error ?? 'failed'})${openedNote}`,
        consecutiveFailures: memory.consecutiveFailures,
        ...(error ? { error } : {}),
        ...(opened.length ? { providers: opened } : {}),
        details: { failingSince: memory.failingSince, unavailable: Boolean(result.unavailable) },
      });
      break;
    case 'chain-failed':
      out.push({
        ...base,
        kind: 'chain-failed',
        summary: `${run.job}: no provider could serve slot ${run.slot} (${error?.replace(/^no provider could serve: /, '') ?? 'all providers failed'})${openedNote}`,
        consecutiveFailures: memory.consecutiveFailures,
        ...(error ? { error } : {}),
        ...(opened.length ? { providers: opened } : {}),
      });
      break;
    case 'job-recovered':
      out.push({
        ...base,
        kind: 'job-recovered',
        summary: `${run.job} recovered: slot ${run.slot} served${served ? ` by ${served}` : ''} after ${plural(decided.failuresBefore, 'failed run')}`,
        consecutiveFailures: 0,
        details: { failedRuns: decided.failuresBefore },
      });
      break;
    default:
      break;
  }

  // Opened breakers ride along with a failing/chain alert; a run inside an incident that was
  // already alerted stays quiet; otherwise (typically: served by a fallback) they are news.
  const folded = decided?.alert === 'job-failing' || decided?.alert === 'chain-failed';
  const incidentAlerted = result.status === 'failed' && Boolean(memory.sent.failing || memory.sent.chainFailed);
  if (opened.length && !folded && !incidentAlerted) {
    const degraded = result.status === 'ok' && served ? `; ${run.job} slot ${run.slot} served by ${served}` : '';
    out.push({
      ...base,
      kind: 'breaker-open',
      summary: `breaker opened for ${opened.join(', ')} (the chain skips ${opened.length === 1 ? 'it' : 'them'} until the cooldown ends)${degraded}`,
      providers: opened,
    });
  }
  return out;
}

export const breakerAlertKey = (provider: string) => `alert:breaker:${provider}`;

/**
 * Pair every breaker someone was told about with one recovery: remember the providers this
 * run's alerts name as opened, and answer a trial that closes one of them with `breaker-closed`.
 * Manual resets and probes close breakers without a recovery alert (the operator knows).
 */
export async function breakerRecoveries(
  ctx: JobContext,
  run: RunHandle,
  result: WorkResult,
  sent: AlertInput[],
  at: string,
): Promise<AlertInput[]> {
  const transitions = result.transitions ?? [];
  for (const provider of new Set(sent.flatMap((a) => a.providers ?? []))) {
    await ctx.store.update(breakerAlertKey(provider), () => ({ openedAt: at, job: run.job, slot: run.slot }));
  }
  const out: AlertInput[] = [];
  // a job recovering in the same run carries the closed breakers, as a job alert carries opened ones
  const recovered = sent.find((a) => a.kind === 'job-recovered' || a.kind === 'requests-recovered');
  for (const t of transitions) {
    if (t.to !== 'closed' || t.from === 'closed' || (t as { by?: string }).by) continue;
    let told: { openedAt?: string } | undefined;
    await ctx.store.update<{ openedAt?: string }>(breakerAlertKey(t.provider), (cur) => {
      told = cur;
      return undefined;
    });
    if (!told) continue;
    if (recovered) {
      recovered.providers = [...(recovered.providers ?? []), t.provider];
      recovered.summary += `; breaker closed for ${t.provider}`;
      continue;
    }
    out.push({
      job: run.job,
      slot: run.slot,
      runId: run.runId,
      kind: 'breaker-closed',
      summary: `${t.provider} recovered: its half-open trial succeeded and the breaker closed${told.openedAt ? ` (alerted open at ${told.openedAt})` : ''}`,
      providers: [t.provider],
    });
  }
  return out;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
