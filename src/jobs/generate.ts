/**
 * A generation job for one slot: lock, skip if served, run the prompt through the chain, write
 * the Markdown with frontmatter, log every attempt and breaker change.
 */
import fs from 'node:fs';
import type { GenerateJob, ResolvedProvider } from '../config/types.js';
import { Engine } from '../engine/chain.js';
import { EngineError } from '../engine/errors.js';
import type { Attempt, ChainResult, EngineEvent, EngineProgress } from '../engine/types.js';
import type { Trigger } from '../log/types.js';
import type { JobContext } from './context.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { existingOutputs, frontmatter, outputPath, removeSlotTemps, titleOf } from './output.js';
import { buildRequest } from './prompts.js';
import { logEngineEvent, runSlot } from './run-slot.js';
import { servedEntry } from './shared-ledger.js';
import type { WorkResult } from './types.js';
import { missingVariable } from '../config/errors.js';

export interface GenerateOptions {
  force?: boolean;
  dryRun?: boolean;
  trigger?: Trigger;
  signal?: AbortSignal;
  /**
   * backfill: a slot it planned (no ok run.end serves it) whose output is already in place (the
   * log could not be written, or a kill came between the output's rename and run.end) is recorded
   * as served (run.end ok, reason "output already in place") instead of skipped, so gaps and
   * backfill agree it is done rather than planning and skipping it forever.
   */
  recordFoundOutput?: boolean;
  /**
   * With recordFoundOutput: when the plan was made (real epoch ms). An output written after it was
   * served meanwhile by another run (a cron run that held the lock a moment ago, and logged its own
   * run.end): skipped as served, never recorded a second time.
   */
  plannedAt?: number;
  /**
   * The chain lacks API key variables (missingKeysError's line). A slot already served is skipped
   * as usual (it needs no provider); otherwise no provider is asked and the run is a failed run of
   * its slot (`failure: "config"`), under the slot lock and with the after-run hooks, so the
   * job-failing alert counts it and gaps show the slot failed, not missing. A dry run reports it.
   */
  missingKeys?: string;
  /** Watches the engine as it works (a terminal's progress lines): its events and progress. */
  watch?: { onEvent(event: EngineEvent): void; onProgress(progress: EngineProgress): void };
}

export interface GenerateResult {
  job: string;
  slot: string;
  status: 'ok' | 'failed' | 'skipped';
  provider: string | null;
  model: string | null;
  degraded: boolean;
  attempts: Array<Omit<Attempt, 'error'> & { error?: string }>;
  output: string | null;
  runId?: string;
  /** Why it was skipped or failed, in words. */
  reason?: string;
  error?: string;
  /** Another process holds this job and slot: nothing ran (exit 75). */
  locked?: boolean;
  /** --dry-run of a slot it would run: the messages it would send, placeholders filled in. */
  prompt?: { system: string; user: string };
  /** 'unavailable': no provider could serve (exit 69). 'config': API key variables are missing (exit 78). */
  failure?: 'unavailable' | 'error' | 'config';
  durationMs?: number;
}

/** What the work of a generation run hands back: the parts of its GenerateResult only the work knows. */
interface Generated {
  served?: ChainResult;
  attempts?: Attempt[];
  output?: string | null;
  failure?: GenerateResult['failure'];
  /** The host whose shared-ledger entry says it served the slot. */
  servedOn?: string;
}
type Work = WorkResult<Generated>;

/** The run.end reason of a slot backfill found already written (see recordFoundOutput). */
export const FOUND_OUTPUT = 'output already in place';

export function jobChain(ctx: JobContext, job: GenerateJob): ResolvedProvider[] {
  if (!job.providers) return ctx.config.providers;
  return job.providers.map((name) => ctx.config.providers.find((p) => p.name === name)!);
}

export async function generateSlot(
  ctx: JobContext,
  job: GenerateJob,
  slot: Date,
  opts: GenerateOptions = {},
): Promise<GenerateResult> {
  const slotIso = slot.toISOString();
  const base: GenerateResult = {
    job: job.name,
    slot: slotIso,
    status: 'skipped',
    provider: null,
    model: null,
    degraded: false,
    attempts: [],
    output: null,
  };
  const outDir = job.outDir;
  const chain = jobChain(ctx, job);

  if (opts.dryRun) {
    const existing = existingOutputs(outDir, slotIso);
    // the path is in `output` (and on the human line once): not repeated in the reason
    if (existing.length && !opts.force) return { ...base, reason: 'dry run: already served', output: existing[0] };
    if (opts.missingKeys) return { ...base, status: 'failed', failure: 'config', error: opts.missingKeys };
    const [system, user] = buildRequest(job, slotIso).messages.map((m) => m.content);
    return {
      ...base,
      reason: `dry run: would run through ${chain.map((p) => p.name).join(' → ')}`,
      output: null,
      prompt: { system, user },
    };
  }

  const slotRun = await runSlot(
    ctx,
    job.name,
    slot,
    opts.trigger ?? 'manual',
    async (run): Promise<Work> => {
      removeSlotTemps(outDir, slotIso); // a killed run's half-written temp file, if any
      const existing = existingOutputs(outDir, slotIso);
      if (existing.length > 0 && !opts.force) {
        const value = { output: existing[0] };
        if (opts.recordFoundOutput && !writtenSince(existing[0], opts.plannedAt))
          return { status: 'ok', fields: { output: existing[0], reason: FOUND_OUTPUT }, value };
        return { status: 'skipped', reason: 'served', value };
      }
      // another host may have served it (the shared ledger): its output is on that host
      const elsewhere = opts.force ? undefined : await servedEntry(ctx, job.name, slotIso);
      if (elsewhere) {
        return {
          status: 'skipped',
          reason: 'served',
          fields: { servedBy: elsewhere.host, servedRunId: elsewhere.runId },
          value: { output: elsewhere.output ?? null, servedOn: elsewhere.host },
        };
      }
      if (opts.missingKeys) {
        return {
          status: 'failed',
          fields: { failure: 'config', errorType: 'missing-key', error: opts.missingKeys },
          value: { failure: 'config' },
        };
      }
      // the engine reports attempts and breaker changes into this run's log (and to the after-run hooks)
      const transitions: Array<{ provider: string; from: string; to: string }> = [];
      const onEvent = (e: EngineEvent) => {
        if (e.type === 'breaker') transitions.push(e.transition);
        logEngineEvent(run, e);
        opts.watch?.onEvent(e);
      };
      const engine = new Engine(ctx.config, {
        store: ctx.store,
        clock: ctx.clock,
        sleep: ctx.sleep,
        env: ctx.env,
        simClock: ctx.simClock,
        onEvent,
        onProgress: opts.watch && ((p) => opts.watch?.onProgress(p)),
        onBookkeepingError: (message) => ctx.warn(`${job.name} ${slotIso}: ${message}`),
      });
      let served: ChainResult;
      try {
        served = await engine.complete(buildRequest(job, slotIso), {
          providers: chain,
          deadlineMs: job.deadlineMs,
          signal: opts.signal,
        });
      } catch (err) {
        const attempts = err instanceof EngineError ? err.attempts : [];
        const failure = err instanceof EngineError ? generateFailure(err) : 'error';
        return {
          status: 'failed',
          fields: { error: err instanceof Error ? err.message : String(err) },
          attempts,
          transitions,
          unavailable: failure === 'unavailable',
          value: { attempts, failure },
        };
      }
      const attempts = served.attempts;
      if (run.stillHeld && !(await run.stillHeld())) {
        // frozen past the lease: the slot may be another run's now; never write over its output
        return { status: 'skipped', reason: 'lease lost', attempts, transitions, value: { served, attempts } };
      }
      const title = titleOf(served.content) || `${job.name} ${slotIso}`;
      const file = outputPath(outDir, slotIso, title);
      try {
        writeFileAtomic(
          file,
          frontmatter({
            job: job.name,
            kind: job.kind,
            slot: slotIso,
            title,
            provider: served.provider,
            model: served.model,
            degraded: served.degraded,
            attempts: served.attempts.length,
            runId: run.runId,
            trigger: run.trigger,
            generated: new Date(ctx.clock.now()).toISOString(),
          }) +
            served.content.trimEnd() +
            '\n',
        );
      } catch (err) {
        // served but not written (a full disk): a failed run whose result still names the provider
        // that answered; the log and the hooks see it as any error that ends a run's work
        return {
          status: 'failed',
          fields: { error: (err as Error).message ?? String(err) },
          value: { served, attempts },
        };
      }
      // --force replaced the slot's content: drop the older file(s) only after the new one is whole
      for (const old of existing) if (old !== file) removeQuietly(old);
      return {
        status: 'ok',
        fields: {
          provider: served.provider,
          model: served.model,
          degraded: served.degraded,
          output: file,
          // a deliberate re-run: gaps does not call the slot served twice
          ...(opts.force ? { forced: true } : {}),
        },
        attempts,
        transitions,
        value: { served, attempts, output: file },
      };
    },
    job.deadlineMs ?? ctx.config.deadlineMs,
  );
  const { served, attempts = [], output = null, failure, servedOn } = slotRun.value ?? {};

  return {
    ...base,
    status: slotRun.status,
    runId: slotRun.runId,
    durationMs: slotRun.durationMs,
    provider: served?.provider ?? null,
    model: served?.model ?? null,
    degraded: served?.degraded ?? false,
    attempts: attempts.map(({ provider, model, outcome, httpStatus, errorType, ms, error }) => ({
      provider,
      model,
      outcome,
      httpStatus,
      errorType,
      ms,
      ...(error ? { error } : {}),
    })),
    output,
    reason: slotRun.locked
      ? `locked: this job and slot are already running in another process${slotRun.holder ? ` (${slotRun.holder})` : ''}`
      : slotRun.reason === 'served'
        ? `already served${servedOn ? ` on ${servedOn}` : ''} (use --force to run again)`
        : slotRun.status === 'ok' && !served
          ? `${FOUND_OUTPUT}: recorded as served`
          : undefined,
    error: slotRun.status === 'failed' ? String(slotRun.fields?.error ?? 'failed') : undefined,
    failure,
    ...(slotRun.locked ? { locked: true } : {}),
  };
}

/** A failed chain run as a generation failure: no provider could serve (69), or the run itself failed (1). */
function generateFailure(err: EngineError): 'unavailable' | 'error' {
  switch (err.code) {
    case 'all-providers-failed':
    case 'all-breakers-open':
    case 'deadline-exceeded':
      return 'unavailable';
    case 'run-aborted':
    case 'stream-interrupted':
    case 'response-too-large':
      return 'error';
  }
}

/**
 * One line for the log and the alert: each unset variable once, with the providers that need it
 * ("... TOGETHER_API_KEY is not set (needed by deepseek-v3, qwen-72b)"; `KEY=` says "is empty"). Names, never a value.
 */
export function missingKeysError(chain: ResolvedProvider[], env: NodeJS.ProcessEnv): string {
  const byVar = new Map<string, string[]>();
  for (const p of chain)
    if (p.apiKeyEnv && !env[p.apiKeyEnv]) byVar.set(p.apiKeyEnv, [...(byVar.get(p.apiKeyEnv) ?? []), p.name]);
  const parts = [...byVar].map(
    ([name, providers]) =>
      `environment variable ${name} ${missingVariable(env[name])} (needed by ${providers.join(', ')})`,
  );
  return `configuration error: ${parts.join('; ')}`;
}

function writtenSince(file: string, since: number | undefined): boolean {
  if (since === undefined) return false;
  try {
    return fs.statSync(file).mtimeMs >= since;
  } catch {
    return false;
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // the new file is already in place; a stale twin is cosmetic
  }
}
