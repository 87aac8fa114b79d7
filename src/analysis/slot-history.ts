/**
 * What happened to each slot, run by run: who served it, through which provider, after which
 * failures, and by which trigger. The slot ledger judges a slot (served, failed, missing, pending)
 * in a few bits; an incident report also has to say *how*, so this keeps the story of the slots
 * inside the report's window (a window of hours or days: small).
 */
import type { LogRecord } from '../log/types.js';
import { attemptCauseKey, causeKey, CRASHED_REASON, RUN_SOURCE, type CauseTally } from './cause.js';

/** One try at one provider, as the report shows it: `503`, `timeout`, `breaker open`, `ok`. */
interface AttemptNote {
  provider: string;
  result: string;
}

export interface RunHistory {
  runId: string;
  trigger: string;
  /** When its first record was written (ISO). */
  at: string;
  /** run.end's outcome, or undefined while no run.end was seen (still running, killed or crashed). */
  outcome?: string;
  /** When run.end was written (ISO). */
  endedAt?: string;
  provider?: string;
  degraded: boolean;
  error?: string;
  attempts: AttemptNote[];
}

/** Slot key: job and slot instant. */
function keyOf(job: string, slotMs: number): string {
  return `${job}\u0001${slotMs}`;
}

/** The runs of every slot of the given jobs whose instant lies in [since, until], in log order. */
export class SlotHistory {
  private readonly runs = new Map<string, Map<string, RunHistory>>();
  private readonly jobs: ReadonlySet<string>;

  constructor(
    jobs: Iterable<string>,
    private readonly sinceMs: number,
    private readonly untilMs: number,
  ) {
    this.jobs = new Set(jobs);
  }

  add(record: LogRecord): void {
    const event = record.event;
    if (event !== 'run.start' && event !== 'run.end' && event !== 'attempt.end') return;
    if (!this.jobs.has(record.job)) return;
    const slotMs = Date.parse(record.scheduledFor);
    if (Number.isNaN(slotMs) || slotMs < this.sinceMs || slotMs > this.untilMs) return;
    const key = keyOf(record.job, slotMs);
    let slot = this.runs.get(key);
    if (!slot) this.runs.set(key, (slot = new Map()));
    // A skipped run (the slot was locked or already served) did nothing to the slot: its run.start
    // (a run that found the slot served) must not read as a run that never ended
    if (event === 'run.end' && record.outcome === 'skipped') {
      slot.delete(record.runId);
      return;
    }
    let run = slot.get(record.runId);
    if (!run) {
      run = {
        runId: record.runId,
        trigger: String(record.trigger ?? 'cron'),
        at: record.ts,
        degraded: false,
        attempts: [],
      };
      slot.set(record.runId, run);
    }
    if (event === 'attempt.end') {
      run.attempts.push({ provider: String(record.provider ?? 'unknown provider'), result: attemptResult(record) });
    } else if (event === 'run.end') {
      run.outcome = String(record.outcome);
      run.endedAt = record.ts;
      if (typeof record.provider === 'string') run.provider = record.provider;
      run.degraded = record.degraded === true;
      if (typeof record.error === 'string') run.error = record.error;
      else if (record.outcome === 'failed') run.error = failedRunReason(record);
    }
  }

  /** The runs of one slot, in the order their first records were written. */
  of(job: string, slot: Date): RunHistory[] {
    return [...(this.runs.get(keyOf(job, slot.getTime()))?.values() ?? [])];
  }
}

/** `ok`, `503`, `timeout`, `breaker open` (the same classes as a gap's cause). */
function attemptResult(record: LogRecord): string {
  const key = attemptCauseKey(record);
  return key === undefined ? 'ok' : key.slice(key.indexOf('\u0001') + 1);
}

function failedRunReason(record: LogRecord): string {
  if (typeof record.errorType === 'string') return record.errorType;
  if (typeof record.signal === 'string') return `killed by ${record.signal}`;
  if (typeof record.exitCode === 'number') return `exit ${record.exitCode}`;
  return `${RUN_SOURCE} failed`;
}

/** "deepseek-v3 timeout, idle-timeout, 503; llama-3.3-70b ok": one run's tries, provider by provider. */
function describeRun(run: RunHistory): string {
  const parts: string[] = [];
  for (const a of run.attempts) {
    const last = parts.length - 1;
    if (last >= 0 && parts[last].startsWith(a.provider + ' ')) parts[last] += `, ${a.result}`;
    else parts.push(`${a.provider} ${a.result}`);
  }
  return parts.join('; ') || (run.outcome === undefined ? CRASHED_REASON : 'no attempts');
}

/** The tries of a slot's runs in order; runs not started by cron say so ("backfill: deepseek-v3 ok"). */
export function describeAttempts(runs: readonly RunHistory[]): string {
  return runs.map((run) => (run.trigger === 'cron' ? '' : `${run.trigger}: `) + describeRun(run)).join(' → ');
}

/**
 * The failures of a slot's runs as a gap's cause tallies them: each failed try (`p1: 503`), each
 * run that never ended, each failed run that tried nothing. For a slot filled later, whose failures
 * the ledger forgets once it is served.
 */
export function failuresOf(runs: readonly RunHistory[]): CauseTally | undefined {
  const tally: CauseTally = new Map();
  const add = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);
  for (const run of runs) {
    for (const a of run.attempts) if (a.result !== 'ok') add(causeKey(a.provider, a.result));
    if (run.outcome === undefined) add(causeKey(RUN_SOURCE, CRASHED_REASON));
    else if (run.outcome === 'failed' && run.attempts.length === 0) add(causeKey(RUN_SOURCE, run.error ?? 'failed'));
  }
  return tally.size > 0 ? tally : undefined;
}
