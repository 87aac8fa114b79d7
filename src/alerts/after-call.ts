/**
 * The alerting half of the hooks after a proxied request (serve, library chains): the request
 * policy of src/alerts/requests.ts instead of a cron job's run streak, and the breaker alerts,
 * worded about requests and providers (a request has no slot). A request never touches a cron
 * job's alert memory (`alert:<job>`): the incident lives under `alert:requests:<chain>`.
 */
import type { JobContext } from '../jobs/context.js';
import type { RunHandle, WorkResult } from '../jobs/types.js';
import { breakerRecoveries, sendAll } from './after-run.js';
import { newlyOpened } from './policy.js';
import { describeFailure, failingSummary, recoveredSummary, type CallVerdict } from './requests.js';
import type { AlertInput, AlertReport } from './types.js';

export const requestsAlertKey = (label: string) => `alert:requests:${label}`;

interface RequestsMemory {
  open: true;
  since: string;
  runId: string;
}

export async function alertAfterCall(
  ctx: JobContext,
  run: RunHandle,
  result: WorkResult,
  call: CallVerdict,
): Promise<AlertReport[]> {
  if (result.status === 'skipped') return [];
  const at = new Date(ctx.clock.now()).toISOString();
  const key = requestsAlertKey(call.label);
  const opened = newlyOpened(result.transitions);
  const served = typeof result.fields?.provider === 'string' ? result.fields.provider : undefined;
  const error = typeof result.fields?.error === 'string' ? result.fields.error : undefined;
  const base = { job: call.label, runId: run.runId };
  const alerts: AlertInput[] = [];

  // several processes (serve instances, hosts on one Redis) may each see the same incident: the
  // store decides which one says so, and which one says it is over
  if (call.decision === 'failing') {
    let mine = false;
    await ctx.store.update<RequestsMemory>(key, (cur) => {
      mine = !cur?.open;
      return cur?.open ? cur : { open: true, since: at, runId: run.runId };
    });
    if (mine) {
      const note = opened.length ? `; breaker opened for ${opened.join(', ')}` : '';
      alerts.push({
        ...base,
        kind: 'requests-failing',
        summary: failingSummary(call.label, call.window, describeFailure(result.fields)) + note,
        ...(error ? { error } : {}),
        ...(opened.length ? { providers: opened } : {}),
        details: { failedRequests: call.window.failed, window: call.window.size },
      });
    }
  } else if (call.decision === 'recovered') {
    let was: RequestsMemory | undefined;
    await ctx.store.update<RequestsMemory>(key, (cur) => {
      was = cur?.open ? cur : undefined;
      return undefined;
    });
    if (was) {
      alerts.push({
        ...base,
        kind: 'requests-recovered',
        summary: recoveredSummary(call.label, call.window, served),
        details: { failingSince: was.since, failedRequests: call.window.failed, window: call.window.size },
      });
    }
  }

  // a breaker opened by a request is provider news, unless the request alert carries it or the
  // requests are already known to be failing
  const folded = alerts.some((a) => a.kind === 'requests-failing');
  if (opened.length && !folded && !(result.status === 'failed' && call.inIncident)) {
    alerts.push({
      ...base,
      kind: 'breaker-open',
      summary: `breaker opened for ${opened.join(', ')} (the chain skips ${opened.length === 1 ? 'it' : 'them'} until the cooldown ends)${result.status === 'ok' && served ? `; ${call.label} requests are served by ${served}` : ''}`,
      providers: opened,
    });
  }
  alerts.push(...(await breakerRecoveries(ctx, run, result, alerts, at)));
  // about requests, not slots
  for (const a of alerts) {
    delete a.slot;
    a.job = call.label;
  }
  return sendAll(ctx, run, alerts, at);
}
