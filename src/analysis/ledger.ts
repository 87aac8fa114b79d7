/**
 * The slot ledger: what the log says about each slot of each job inside the window, kept as small
 * integers (not records) so a year of logs fits in little memory. Its shapes are in
 * ledger-types.ts, a slot's packed counters in slot-counters.ts, a job's book in ledger-books.ts,
 * and who served a slot in slot-serves.ts.
 */
import type { LogRecord } from '../log/types.js';
import { attemptCauseKey, runCauseKey } from './cause.js';
import { Earliest } from './earliest.js';
import { JOBS_SEEN_EVENT, JobsSeen, WATCHDOG_JOB } from './jobs-seen.js';
import { isOwnRecordName } from '../config/reserved-names.js';
import {
  addOne,
  intern,
  newJobLedger,
  noteEnd,
  noteLateness,
  noteOkRun,
  noteSchedule,
  noteStart,
} from './ledger-books.js';
import type { JobLedger, JobSchedule, LedgerOptions, Window } from './ledger-types.js';
import { estimateSlots, newSlotTable } from './slot-table.js';
import { runIdHash } from './serve-ids.js';
import { bump, counter, ENDS, FAILS, OKS, STARTS } from './slot-counters.js';
import { isServedElsewhere } from './slot-serves.js';

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
      this.jobs.set(job.name, newJobLedger(slots));
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
        typeof record.deadlineMs === 'number' ? record.deadlineMs : undefined,
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
        noteEnd(job, key);
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
      const locked = outcome === 'skipped' && record.reason === 'locked';
      let next = locked ? packed : bump(packed, ENDS);
      if (!locked) noteEnd(job, key);
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
    boundMs?: number,
  ): void {
    this.noteRecord(jobName, ts, scheduledFor, trigger);
    if (schedule !== undefined) {
      const at = new Earliest();
      at.note(ts, scheduledFor, trigger);
      this.noteSchedule(jobName, at.ms, schedule, tz ?? 'UTC');
    }
    const job = this.locate(jobName, scheduledFor);
    if (!job) return;
    job.slots.set(this.key, bump(job.slots.get(this.key) ?? 0, STARTS));
    noteStart(job, this.key, Date.parse(ts), boundMs);
  }

  /** runStarted with the times already read (byte-decode.ts). */
  runStartedAt(
    jobName: string,
    slotMs: number,
    tsMs: number,
    trigger: string,
    schedule: string | undefined,
    tz: string | undefined,
    boundMs?: number,
  ): void {
    const cron = trigger === 'cron';
    const book = this.bookOf(jobName);
    if (!this.lastOwn) this.first.noteAt(tsMs, slotMs, cron);
    if (!book) return this.noteOther(jobName, tsMs);
    book.first.noteAt(tsMs, slotMs, cron);
    if (schedule !== undefined)
      this.noteSchedule(jobName, cron && slotMs < tsMs ? slotMs : tsMs, schedule, tz ?? 'UTC');
    if (!this.locateAt(slotMs)) return;
    book.slots.set(this.key, bump(book.slots.get(this.key) ?? 0, STARTS));
    noteStart(book, this.key, tsMs, boundMs);
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

  /** A `run.start` names the schedule it ran under (ledger-books.ts noteSchedule). */
  private noteSchedule(jobName: string, fromMs: number, schedule: string, tz: string): void {
    const job = this.jobs.get(jobName);
    // a schedule or zone no slot can be named by is a record not read (for that field)
    if (job && !noteSchedule(job, fromMs, schedule, tz)) this.invalidRecords++;
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
    // the same run's ok run.end read again (overlapping inputs) closes its run.start, serves nothing more
    if (runHash !== 0 && !noteOkRun(job, key, runHash)) {
      job.slots.set(key, bump(packed, ENDS));
      return;
    }
    if (degradedBy === undefined) {
      if (job.degraded.size > 0) job.degraded.delete(key);
    } else if (counter(packed, OKS) === 0 || job.degraded.has(key)) job.degraded.set(key, intern(degradedBy));
    noteLateness(job, key, this.slotMs, endMs, durationMs, trigger, this.lateAfterMs);
    job.slots.set(key, bump(bump(packed, ENDS), OKS));
    noteEnd(job, key);
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
}
