/**
 * The slot ledger: what the log says about each slot of each job inside the window, kept as small
 * integers (not records) so a year of logs fits in little memory.
 */
import type { LogRecord } from '../log/types.js';
import type { CauseTally } from './cause.js';
import { attemptCauseKey, runCauseKey } from './cause.js';
import { Earliest } from './earliest.js';
import type { IntMap, IntMapSide } from './int-map.js';
import { JOBS_SEEN_EVENT, JobsSeen, WATCHDOG_JOB } from './jobs-seen.js';
import { isOwnRecordName } from '../config/reserved-names.js';
import type { CronSemantics } from '../schedule/slots.js';
import { estimateSlots, newSlotTable } from './slot-table.js';
import { isOkRun, runIdHash } from './serve-ids.js';

/** A job as the analysis sees it. */
export interface JobSchedule {
  name: string;
  /** The schedule in the config: judges slots no `run.start` record names a schedule for. */
  schedule: string;
  tz: string;
  /** Whose rules name the slots (default: the cron daemon's). */
  cron?: CronSemantics;
  /** Unserved slots this close to now may still be running: not judged yet. Default 0. */
  graceMs?: number;
  /**
   * When the config file was last written. With no records at all in the logs read, judging begins
   * here: nothing can have run before the config existed, and a fresh install is not an outage.
   */
  configWrittenMs?: number;
}

/** From `fromMs` on, the job ran on this schedule (as its `run.start` records say). */
export interface ScheduleMark {
  fromMs: number;
  schedule: string;
  tz: string;
}

export interface Window {
  since: Date;
  until: Date;
}

/**
 * Per-slot counters packed in one small integer (stays a V8 small integer, so a Map of them is
 * compact): run.start, any run.end, ok run.end, failed run.end; 7 bits each, saturating.
 */
const FIELD_BITS = 7;
const FIELD_MAX = (1 << FIELD_BITS) - 1;
export const STARTS = 0;
export const ENDS = 1;
export const OKS = 2;
export const FAILS = 3;

export function counter(packed: number, field: number): number {
  return (packed >>> (field * FIELD_BITS)) & FIELD_MAX;
}

function bump(packed: number, field: number): number {
  return counter(packed, field) === FIELD_MAX ? packed : packed + (1 << (field * FIELD_BITS));
}

/** Two packed counter sets added field by field, saturating as bump does. */
export function addCounters(a: number, b: number): number {
  let sum = 0;
  for (const field of [STARTS, ENDS, OKS, FAILS])
    sum += Math.min(FIELD_MAX, counter(a, field) + counter(b, field)) << (field * FIELD_BITS);
  return sum;
}

export interface LateRun {
  lateMs: number;
  trigger: string;
}

export interface JobLedger {
  /** Slot key (whole seconds since the window's start) → packed counters. */
  slots: IntMap;
  /** Failure tallies of slots not (yet) served; dropped once a slot is served. */
  causes: Map<number, CauseTally>;
  /** Served slots whose serving run started at least `lateAfterMs` after the slot. */
  late: Map<number, LateRun>;
  /**
   * Slots served only by a fallback (`degraded: true`): the provider that served. A run served by
   * the chain's first provider removes the slot (the service was whole after all).
   */
  degraded: Map<number, string>;
  /**
   * Slots a record says another host served: a run here skipped it as served there (a skipped
   * run.end with reason `served` naming `servedRunId`), or the shared ledger names a host while
   * this log has no ok run of its own. Such a slot is served, once, by the run the skip names
   * (servesOf). Slot key → the host (`servedBy`; '' when the record names none).
   */
  elsewhere: Map<number, string>;
  /** Slot key → the hash of the run the first skip of `elsewhere` names (serve-ids.ts). */
  elsewhereRuns: Map<number, number>;
  /** Slots whose skip names the run the shared ledger (Redis) says served them: the claim checked. */
  vouched: Set<number>;
  /**
   * Slot key → the XOR of the hashes of the slot's ok runs' ids (serve-ids.ts): kept beside the
   * slot's counters in `slots`' table (a slot with ok runs is always there).
   */
  okRuns: IntMapSide;
  /** Slot key → the first ok run's id hash, for slots with two ok runs or more. */
  okPairs: Map<number, number>;
  /** When lucy-ops first wrote about this job, in any log read (see Earliest). */
  first: Earliest;
  /** Schedule changes as `run.start` records show them, in reading order. */
  marks: ScheduleMark[];
  lastMarkKey: string;
}

export interface LedgerOptions {
  /** A serving run that starts this long after its slot is reported as late. Default 60 s. */
  lateAfterMs?: number;
  /** Size the tables for every slot of the window up front (default true; a range's ledger: false). */
  presize?: boolean;
  /** Job name → the usual step between its slots, in seconds (a range's ledger: the whole file's `spacings`). */
  spacings?: ReadonlyMap<string, number>;
  /** The clock: slots younger than a job's grace are measured from here. Default: the window's end. */
  now?: Date;
}

export class SlotLedger {
  readonly jobs = new Map<string, JobLedger>();
  /** Records about known jobs whose `scheduledFor` is not a time. */
  invalidRecords = 0;
  /** The first record of any job (known or not) in the logs read. */
  readonly first = new Earliest();
  /** When job names were first seen in the config (the watchdog's `jobs.seen` records). */
  readonly jobsSeen = new JobsSeen();
  /**
   * Each job name not among the ledger's jobs (one taken out of the config) → its latest record in
   * the logs read, not after now (epoch ms): when it was last known to be in the config.
   */
  readonly lastOfOthers = new Map<string, number>();
  /** Job name → the usual step between its slots in the window, in seconds (slot-table.ts). */
  readonly spacings = new Map<string, number>();
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly nowMs: number;
  private readonly lateAfterMs: number;

  constructor(jobs: readonly JobSchedule[], window: Window, opts: LedgerOptions = {}) {
    this.sinceMs = window.since.getTime();
    this.untilMs = window.until.getTime();
    this.nowMs = opts.now?.getTime() ?? this.untilMs;
    this.lateAfterMs = opts.lateAfterMs ?? 60_000;
    for (const job of jobs) {
      const estimate = opts.presize === false ? undefined : estimateSlots(job, window);
      const slots = newSlotTable(estimate, opts.spacings?.get(job.name));
      this.spacings.set(job.name, estimate?.spacing ?? opts.spacings?.get(job.name) ?? 0);
      this.jobs.set(job.name, {
        slots,
        causes: new Map(),
        late: new Map(),
        degraded: new Map(),
        elsewhere: new Map(),
        elsewhereRuns: new Map(),
        vouched: new Set(),
        okRuns: slots.side(),
        okPairs: new Map(),
        first: new Earliest(),
        marks: [],
        lastMarkKey: '',
      });
    }
  }

  /** Slot key of an instant inside the window. */
  keyOf(slotMs: number): number {
    return Math.floor((slotMs - this.sinceMs) / 1000);
  }

  add(record: LogRecord): void {
    const event = record.event;
    if (event !== 'run.end' && event !== 'run.start' && event !== 'attempt.end') {
      if (event === JOBS_SEEN_EVENT) this.jobsSeen.note(record);
      // the watchdog's alert: it looked at the config then (jobs-seen.ts, periodsOut)
      else if (event === 'alert.sent' && record.job === WATCHDOG_JOB) this.jobsSeen.noteLook(Date.parse(record.ts));
      return;
    }
    if (event === 'run.start') {
      const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
      this.runStarted(
        record.job,
        record.scheduledFor,
        record.ts,
        String(record.trigger ?? ''),
        text(record.schedule),
        text(record.tz),
      );
      return;
    }
    this.noteRecord(record.job, record.ts, record.scheduledFor, String(record.trigger ?? ''));
    const job = this.locate(record.job, record.scheduledFor);
    if (!job) return;
    const key = this.key;
    const packed = job.slots.get(key) ?? 0;

    if (event === 'run.end') {
      const outcome = record.outcome;
      // a deliberate re-run (--force) of a slot already served here is not a double
      if (outcome === 'ok' && record.forced === true && counter(packed, OKS) > 0) {
        job.slots.set(key, bump(packed, ENDS));
        return;
      }
      if (outcome === 'ok') {
        this.served(
          job,
          key,
          packed,
          Date.parse(record.ts),
          typeof record.durationMs === 'number' ? record.durationMs : 0,
          String(record.trigger ?? 'cron'),
          record.degraded === true ? String(record.provider ?? 'a fallback') : undefined,
          typeof record.runId === 'string' ? runIdHash(record.runId) : 0,
        );
        return;
      }
      if (outcome === 'skipped' && isServedElsewhere(record) && !job.elsewhere.has(key)) {
        job.elsewhere.set(key, intern(typeof record.servedBy === 'string' ? record.servedBy : ''));
        job.elsewhereRuns.set(key, runIdHash(record.servedRunId as string));
      }
      // A run skipped because another process held the lock never wrote a run.start: it closes none.
      let next = outcome === 'skipped' && record.reason === 'locked' ? packed : bump(packed, ENDS);
      if (outcome === 'failed') {
        next = bump(next, FAILS);
        if (counter(packed, OKS) === 0) addOne(job.causes, key, runCauseKey(record));
      }
      job.slots.set(key, next);
    } else if (counter(packed, OKS) === 0) {
      const cause = attemptCauseKey(record);
      if (cause) addOne(job.causes, key, cause);
    }
  }

  /** A run.start (also the fast path of quick-decode.ts, without building a record). */
  runStarted(
    jobName: string,
    scheduledFor: string,
    ts: string,
    trigger: string,
    schedule: string | undefined,
    tz: string | undefined,
  ): void {
    this.noteRecord(jobName, ts, scheduledFor, trigger);
    if (schedule !== undefined) {
      const at = new Earliest();
      at.note(ts, scheduledFor, trigger);
      this.noteSchedule(jobName, at.ms, schedule, tz ?? 'UTC');
    }
    const job = this.locate(jobName, scheduledFor);
    if (job) job.slots.set(this.key, bump(job.slots.get(this.key) ?? 0, STARTS));
  }

  /** runStarted with the times already read (byte-decode.ts). */
  runStartedAt(
    jobName: string,
    slotMs: number,
    tsMs: number,
    trigger: string,
    schedule: string | undefined,
    tz: string | undefined,
  ): void {
    const cron = trigger === 'cron';
    const book = this.bookOf(jobName);
    if (!this.lastOwn) this.first.noteAt(tsMs, slotMs, cron);
    if (!book) return this.noteOther(jobName, tsMs);
    book.first.noteAt(tsMs, slotMs, cron);
    if (schedule !== undefined)
      this.noteSchedule(jobName, cron && slotMs < tsMs ? slotMs : tsMs, schedule, tz ?? 'UTC');
    if (this.locateAt(slotMs)) book.slots.set(this.key, bump(book.slots.get(this.key) ?? 0, STARTS));
  }

  /**
   * runServed with the times already read (byte-decode.ts); `runHash`: runIdHash of its run id;
   * `degradedBy`: the fallback that served it (`degraded: true`).
   */
  runServedAt(
    jobName: string,
    slotMs: number,
    tsMs: number,
    durationMs: number,
    trigger: string,
    runHash: number,
    degradedBy?: string,
  ): void {
    const cron = trigger === 'cron';
    const book = this.bookOf(jobName);
    if (!this.lastOwn) this.first.noteAt(tsMs, slotMs, cron);
    if (!book) return this.noteOther(jobName, tsMs);
    book.first.noteAt(tsMs, slotMs, cron);
    if (this.locateAt(slotMs))
      this.served(book, this.key, book.slots.get(this.key) ?? 0, tsMs, durationMs, trigger, degradedBy, runHash);
  }

  /** A failed attempt read from bytes (byte-attempt.ts): `add` of its record, with its cause's key. */
  attemptFailedAt(jobName: string, slotMs: number, tsMs: number, trigger: string, cause: string): void {
    const cron = trigger === 'cron';
    const book = this.bookOf(jobName);
    if (!this.lastOwn) this.first.noteAt(tsMs, slotMs, cron);
    if (!book) return this.noteOther(jobName, tsMs);
    book.first.noteAt(tsMs, slotMs, cron);
    if (this.locateAt(slotMs) && counter(book.slots.get(this.key) ?? 0, OKS) === 0)
      addOne(book.causes, this.key, cause);
  }

  // The byte reader hands the same string for each line of a job: the last look-up, remembered.
  private lastName: string | undefined;
  private lastBook: JobLedger | undefined;
  private lastOwn = false;
  /** The job's ledger (undefined: not a job of ours), and in this.lastOwn whether the name is lucy-ops' own. */
  private bookOf(jobName: string): JobLedger | undefined {
    if (jobName !== this.lastName) {
      this.lastName = jobName;
      this.lastBook = this.jobs.get(jobName);
      this.lastOwn = isOwnRecordName(jobName);
    }
    return this.lastBook;
  }

  /** A run.end with outcome ok, without building a record. */
  runServed(
    jobName: string,
    scheduledFor: string,
    ts: string,
    durationMs: number,
    trigger: string,
    runId: string,
  ): void {
    this.noteRecord(jobName, ts, scheduledFor, trigger);
    const job = this.locate(jobName, scheduledFor);
    if (job)
      this.served(
        job,
        this.key,
        job.slots.get(this.key) ?? 0,
        Date.parse(ts),
        durationMs,
        trigger,
        undefined,
        runIdHash(runId),
      );
  }

  /**
   * A slot the shared ledger (Redis) says another host served: served here too, unless this log
   * already has it (counting it twice would call the slot doubled). `degradedBy`: the fallback
   * that served it, when one did; `host`: the host that served it; `runId`: the run that did.
   */
  servedElsewhere(
    jobName: string,
    scheduledFor: string,
    ts: string,
    trigger: string,
    degradedBy?: string,
    host?: string,
    runId?: string,
  ): void {
    // another host's serve is lucy-ops at work too: judging begins no later than it, so every host
    // of a fleet judges the same slots whatever its own log holds
    this.noteRecord(jobName, ts, scheduledFor, trigger);
    const job = this.locate(jobName, scheduledFor);
    if (!job) return;
    const packed = job.slots.get(this.key) ?? 0;
    const named = job.elsewhereRuns.get(this.key);
    // the skip here names the run the shared ledger names: its word is checked
    if (named !== undefined && runId !== undefined && runIdHash(runId) === named) job.vouched.add(this.key);
    // a skip here named that serve already: it is served, by a run of no log read
    if (counter(packed, OKS) > 0 || named !== undefined) return;
    if (host !== undefined && !job.elsewhere.has(this.key)) job.elsewhere.set(this.key, intern(host));
    this.served(job, this.key, packed, Date.parse(ts), 0, trigger, degradedBy, 0);
  }

  /** Any record of a run: when lucy-ops first wrote about the job, and about any job. */
  private noteRecord(jobName: string, ts: string, scheduledFor: string, trigger: string): void {
    if (!isOwnRecordName(jobName)) this.first.note(ts, scheduledFor, trigger);
    const book = this.jobs.get(jobName);
    if (book) book.first.note(ts, scheduledFor, trigger);
    else this.noteOther(jobName, Date.parse(ts));
  }

  /** A record of a name not among the ledger's jobs: lastOfOthers (lucy-ops' own names are no job). */
  private noteOther(jobName: string, tsMs: number): void {
    if (!(tsMs <= this.nowMs) || isOwnRecordName(jobName)) return;
    if (!(this.lastOfOthers.get(jobName)! >= tsMs)) this.lastOfOthers.set(jobName, tsMs);
  }

  /**
   * A `run.start` names the schedule it ran under. A change is in force from the first run under
   * the new schedule: from its slot when cron started it, else from when it was written.
   */
  private noteSchedule(jobName: string, fromMs: number, schedule: string, tz: string): void {
    const job = this.jobs.get(jobName);
    if (!job) return;
    // (nearly every run.start names the schedule already in force: compared without a new string)
    const last = job.lastMarkKey;
    if (
      last.length === schedule.length + 1 + tz.length &&
      last.startsWith(schedule) &&
      last.charCodeAt(schedule.length) === 0 &&
      last.endsWith(tz)
    )
      return;
    if (!Number.isFinite(fromMs)) return;
    job.lastMarkKey = `${schedule}\u0000${tz}`;
    job.marks.push({ fromMs, schedule, tz });
  }

  private served(
    job: JobLedger,
    key: number,
    packed: number,
    endMs: number,
    durationMs: number,
    trigger: string,
    degradedBy: string | undefined,
    runHash: number,
  ): void {
    // (most jobs have no causes or fallbacks pending: skip the look-ups then)
    if (job.causes.size > 0) job.causes.delete(key);
    if (runHash !== 0) noteOkRun(job, key, counter(packed, OKS), runHash);
    if (degradedBy === undefined) {
      if (job.degraded.size > 0) job.degraded.delete(key);
    } else if (counter(packed, OKS) === 0 || job.degraded.has(key)) job.degraded.set(key, intern(degradedBy));
    this.noteLateness(job, key, this.slotMs, endMs, durationMs, trigger);
    job.slots.set(key, bump(bump(packed, ENDS), OKS));
  }

  /** The job's ledger and (in this.key / this.slotMs) the slot, or undefined when not ours to count. */
  private key = 0;
  private slotMs = 0;
  private locate(jobName: string, scheduledFor: string): JobLedger | undefined {
    const job = this.jobs.get(jobName);
    if (!job) return undefined;
    const slotMs = this.parseSlot(scheduledFor);
    if (Number.isNaN(slotMs)) {
      this.invalidRecords++;
      return undefined;
    }
    return this.locateAt(slotMs) ? job : undefined;
  }

  /** Whether a slot (a time) is inside the window; if so, this.key and this.slotMs name it. */
  private locateAt(slotMs: number): boolean {
    if (slotMs < this.sinceMs || slotMs > this.untilMs) return false;
    const key = this.keyOf(slotMs);
    if (key > 0x7fffffff) return false; // a window of more than 68 years: not worth a bigger key
    this.key = key;
    this.slotMs = slotMs;
    return true;
  }

  // Records of one run, and of jobs sharing a slot, come in runs: remember the last parse.
  private lastSlotText = '';
  private lastSlotMs = NaN;
  private parseSlot(text: string): number {
    if (text !== this.lastSlotText) {
      this.lastSlotText = text;
      this.lastSlotMs = Date.parse(text);
    }
    return this.lastSlotMs;
  }

  private noteLateness(
    job: JobLedger,
    key: number,
    slotMs: number,
    endMs: number,
    durationMs: number,
    trigger: string,
  ): void {
    const lateMs = endMs - durationMs - slotMs;
    const previous = job.late.size > 0 ? job.late.get(key) : undefined;
    // A serving run whose time cannot be read is not called late: it counts as on time, so a slot
    // is late only when every serving run was (which is what lets ledgers of file ranges merge).
    if (Number.isNaN(lateMs) || lateMs < this.lateAfterMs) {
      // An on-time serving run makes any later duplicate irrelevant.
      if (previous) job.late.delete(key);
      return;
    }
    if (counter(job.slots.get(key) ?? 0, OKS) > 0 && !previous) return; // already served on time
    // a fresh copy: `trigger` may be a slice of a large chunk of the log, which must not stay alive
    if (!previous || lateMs < previous.lateMs) job.late.set(key, { lateMs, trigger: intern(trigger) });
  }
}

const interned = new Map<string, string>();
/** One flat copy per distinct value (there are few: cron, backfill, manual). */
function intern(text: string): string {
  let copy = interned.get(text);
  if (copy === undefined) {
    copy = Buffer.from(text, 'utf8').toString('utf8');
    interned.set(copy, copy);
  }
  return copy;
}

/**
 * How many times the slot was served: its ok runs, and one more when a skip here names a serving
 * run that is none of them (another host's run whose log was not read). At least one when the slot
 * is served at all.
 */
export function servesOf(job: JobLedger, key: number, packed: number): number {
  const oks = counter(packed, OKS);
  return servedByRunNotRead(job, key, oks) ? oks + 1 : oks;
}

/**
 * Whether a skip here says another host served the slot by a run that is not among the ok runs of
 * the logs read (reading that host's log too shows the run itself, served on time or late).
 */
export function servedByRunNotRead(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhereRuns.size === 0) return false;
  const named = job.elsewhereRuns.get(key);
  if (named === undefined) return false;
  return oks === 0 || !isOkRun({ xor: job.okRuns.get(key), pair: job.okPairs.get(key) }, named);
}

/**
 * Whether the slot counts as served only on the word of a skip here: it names another host's run
 * that no log read shows and the shared ledger does not name (a stale or forged line would read
 * the same). Still served: the skip is all the record holds, and it is not a gap.
 */
export function servedUnverified(job: JobLedger, key: number, oks: number): boolean {
  return servedByRunNotRead(job, key, oks) && !job.vouched.has(key);
}

/**
 * Whether another host served the slot by a run of no log read: a skip here names such a run, or
 * the shared ledger's serve is the slot's only one.
 */
export function servedOnlyElsewhere(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhere.size === 0 || !job.elsewhere.has(key)) return false;
  return job.elsewhereRuns.has(key) ? servedByRunNotRead(job, key, oks) : true;
}

/**
 * Whether a record says another host served the slot and no ok run of the logs read did: the run
 * a view shows for the slot is then that host's (an ok run read is shown as itself).
 */
export function servedByNoRunRead(job: JobLedger, key: number, oks: number): boolean {
  if (job.elsewhere.size === 0 || !job.elsewhere.has(key)) return false;
  return job.elsewhereRuns.has(key) ? oks === 0 : true;
}

/** An ok run's id hash joins its slot's (serve-ids.ts); `oksBefore`: the slot's ok runs before it. */
function noteOkRun(job: JobLedger, key: number, oksBefore: number, runHash: number): void {
  const xor = job.okRuns.get(key);
  if (xor !== undefined && oksBefore >= 1 && !job.okPairs.has(key)) job.okPairs.set(key, xor);
  job.okRuns.set(key, (xor ?? 0) ^ runHash);
}

/**
 * A run that found its slot already served by another host (the shared ledger) and skipped it:
 * `run.end` skipped, reason `served`, naming the serving run. Served there, so not missing here.
 */
export function isServedElsewhere(record: LogRecord): boolean {
  return (
    record.outcome === 'skipped' &&
    record.reason === 'served' &&
    typeof record.servedRunId === 'string' &&
    record.servedRunId !== ''
  );
}

function addOne(causes: Map<number, CauseTally>, key: number, cause: string): void {
  let tally = causes.get(key);
  if (!tally) causes.set(key, (tally = new Map()));
  tally.set(cause, (tally.get(cause) ?? 0) + 1);
}
