/**
 * When each job name was in the config, as the watchdog (`postmortem gaps --fail-on-gap`) records
 * it in the log: `jobs.seen` records naming the config's jobs that no earlier record named, or that
 * an earlier record saw taken out (`jobs`), and the jobs named before that are no longer in the
 * config (`removed`). The first such record in a log (`seed: true`, written when the log had none)
 * names the jobs that were there before anyone looked: it moves no judging start, so a job whose
 * crontab line was never installed is still caught. A later record names jobs added since: a job
 * without records of its own is judged from then, not from the log's first record (which would
 * call every slot before it existed missing). A job seen taken out is not judged from the last
 * time the records show it in the config until a record names it again (periodsOut). The log is
 * the record, so a `touch` of the config moves nothing, and every host and restart reads the same.
 */
import type { LogRecord } from '../log/types.js';
import { PLAUSIBLE_FROM_MS } from './earliest.js';

export const JOBS_SEEN_EVENT = 'jobs.seen';
/** The job name the watchdog's records (jobs.seen, its gap alerts) carry. */
export const WATCHDOG_JOB = 'watchdog';

/**
 * One record's word on one name: in the config at `ms` (named in `jobs`; a seed's names from
 * -Infinity), or seen taken out of it at `ms` (named in `removed`). `fromMs`: for a removal, the
 * last time its writer saw the job in the config (`lastSeen`); for a naming, the start of the
 * period it was out, when the writer knew of one (`back`).
 */
export interface NameNote {
  name: string;
  ms: number;
  in: boolean;
  fromMs?: number;
  /** For a naming of a job back in the config: the config's schedule then (`backSchedule`). */
  schedule?: string;
  tz?: string;
  /** When the record was written (a seed's namings too, whose `ms` is -Infinity). */
  at: number;
}

/** A period a job was out of the config: slots after `afterMs` and before `untilMs` are not owed. */
export interface OutOfConfig {
  afterMs: number;
  /** When a record named it again; Infinity while none has. */
  untilMs: number;
}

/** JobsSeen as plain data (a worker thread's share of the log). */
export interface JobsSeenSnapshot {
  any: boolean;
  added: Array<[string, number]>;
  seeded: string[];
  notes: NameNote[];
  looks: number[];
}

/**
 * Evidence the reader holds besides the records' word: `ownBefore(ms)`, the latest slot at or before
 * `ms` that the job's own run records name (a run writes only for a job in the config), for a
 * removal that carries no `lastSeen` for it (an older writer's record, or one whose logs held none).
 */
export interface PresenceEvidence {
  ownBefore?: (ms: number) => number | undefined;
}

export class JobsSeen {
  /** Whether any jobs.seen record was read. */
  any = false;
  /** Name → the earliest time a jobs.seen record that is not the seed named it. */
  private readonly added = new Map<string, number>();
  /** Names a seed record named: there from the start. */
  private readonly seeded = new Set<string>();
  /** Every naming and removal read, in reading order. */
  private readonly notes: NameNote[] = [];
  /** Name → its notes in time order (built when first asked for, after reading). */
  private byName: Map<string, NameNote[]> | undefined;
  /**
   * When a watchdog looked at the config and wrote so: each jobs.seen record and each alert it sent
   * (`alert.sent` of job `watchdog`). A job the records show in the config then was in it: the
   * watchdog that sees a job gone writes the removal at that very run.
   */
  private readonly looks: number[] = [];
  private looksSorted = true;

  /** A record the watchdog wrote at `ms` (its alert): it looked at the config then. */
  noteLook(ms: number): void {
    if (!(ms >= PLAUSIBLE_FROM_MS)) return;
    if (this.looks.length > 0 && ms < this.looks[this.looks.length - 1]) this.looksSorted = false;
    this.looks.push(ms);
  }

  /** A `jobs.seen` record; anything unusable in it (no list, a bad time) is passed over. */
  note(record: LogRecord): void {
    const { jobs, removed } = record;
    if (!Array.isArray(jobs) && !Array.isArray(removed)) return;
    const ms = Date.parse(record.ts);
    const seed = record.seed === true;
    if (!seed && !(ms >= PLAUSIBLE_FROM_MS)) return;
    this.any = true;
    this.byName = undefined;
    if (ms >= PLAUSIBLE_FROM_MS) this.noteLook(ms);
    const back = timesByName(record.back);
    const schedules = schedulesByName(record.backSchedule);
    for (const name of Array.isArray(jobs) ? jobs : []) {
      if (typeof name !== 'string') continue;
      this.noteName(name, ms, seed);
      const note: NameNote = { name, ms: seed ? -Infinity : ms, in: true, at: ms };
      const from = back.get(name);
      if (from !== undefined && !seed) note.fromMs = from;
      const schedule = schedules.get(name);
      if (schedule && !seed) Object.assign(note, schedule);
      this.notes.push(note);
    }
    // a seed names what was there before anyone looked: nothing was named before it to be taken out
    if (seed || !Array.isArray(removed)) return;
    const lastSeen = timesByName(record.lastSeen);
    for (const name of removed) {
      if (typeof name !== 'string') continue;
      const note: NameNote = { name, ms, in: false, at: ms };
      const from = lastSeen.get(name);
      if (from !== undefined) note.fromMs = from;
      this.notes.push(note);
    }
  }

  /**
   * When `name` was added to the config, by the records read: undefined when the seed named it
   * (it was there from the start) or no record did.
   */
  addedAt(name: string): number | undefined {
    return this.seeded.has(name) ? undefined : this.added.get(name);
  }

  /** Whether any jobs.seen record named it as in the config. */
  has(name: string): boolean {
    return this.seeded.has(name) || this.added.has(name);
  }

  /** The names a new record must carry in `jobs`: those of `configured` not in the config by the records. */
  unseen(configured: Iterable<string>): string[] {
    return [...new Set(configured)].filter((name) => !this.inConfig(name));
  }

  /** The names a new record must carry in `removed`: in the config by the records, not in `configured`. */
  gone(configured: Iterable<string>): string[] {
    const now = new Set(configured);
    return [...this.notesByName().keys()].filter((name) => !now.has(name) && this.inConfig(name));
  }

  /** The latest naming of `name` as in the config (ms; -Infinity for a seed's; undefined: none). */
  lastNamed(name: string): number | undefined {
    let last: number | undefined;
    for (const note of this.notesByName().get(name) ?? []) if (note.in) last = note.ms;
    return last;
  }

  /**
   * The periods `name` was out of the config, in time order. Each begins at the last time the
   * records show it in the config before a record saw it taken out, the latest of: the removal's
   * `lastSeen` (or, without one, the last slot its own run records name before the removal:
   * `evidence.ownBefore`), the last record naming it as added or back, and the last time a watchdog
   * looked and wrote so (a jobs.seen record, a gap alert) after its naming and before the removal
   * (that watchdog saw it in the config, else it would have written the removal then; so a slot it
   * judged, and paged for, before the removal stays judged). A seed's naming says nothing of when;
   * with none of these, the removal record's own time (it was taken out before that: the watchdog
   * sees a removal only at its next run). The period ends when a record names it again. A naming
   * that says when its period began (`back`) gives the period even when the removal was not read.
   */
  periodsOut(name: string, evidence: PresenceEvidence = {}): OutOfConfig[] {
    const periods: OutOfConfig[] = [];
    let lastIn = -Infinity;
    let namedAt = -Infinity;
    let open: number | undefined;
    for (const note of this.notesByName().get(name) ?? []) {
      if (!note.in) {
        if (open !== undefined) continue; // seen out again (a second watchdog): the period goes on
        const seen = note.fromMs ?? evidence.ownBefore?.(note.ms) ?? -Infinity;
        const from = Math.max(seen, lastIn, this.lastLookBetween(namedAt, note.ms));
        open = Number.isFinite(from) ? Math.min(from, note.ms) : note.ms;
        continue;
      }
      namedAt = Math.max(namedAt, note.at);
      if (open !== undefined) periods.push({ afterMs: open, untilMs: note.ms });
      else if (note.fromMs !== undefined && Math.max(note.fromMs, lastIn) < note.ms)
        periods.push({ afterMs: Math.max(note.fromMs, lastIn), untilMs: note.ms });
      open = undefined;
      lastIn = Math.max(lastIn, note.ms);
    }
    if (open !== undefined) periods.push({ afterMs: open, untilMs: Infinity });
    return periods;
  }

  /**
   * The schedules `name` was put back with (`backSchedule`), each from the record naming it back:
   * it may have come back on another schedule, and its last run.start names only the old one. A
   * record naming it back without one (an older writer's) gives `config`, the schedule the config
   * has now: the records name none it came back with, and a run.start after it names its own.
   */
  schedulesBack(
    name: string,
    config?: { schedule: string; tz: string },
  ): Array<{ fromMs: number; schedule: string; tz: string }> {
    const out: Array<{ fromMs: number; schedule: string; tz: string }> = [];
    let wasOut = false;
    for (const note of this.notesByName().get(name) ?? []) {
      if (!note.in) {
        wasOut = true;
        continue;
      }
      const back = wasOut || note.fromMs !== undefined;
      wasOut = false;
      if (note.schedule !== undefined) out.push({ fromMs: note.ms, schedule: note.schedule, tz: note.tz ?? 'UTC' });
      else if (back && config && Number.isFinite(note.ms)) out.push({ fromMs: note.ms, ...config });
    }
    return out;
  }

  snapshot(): JobsSeenSnapshot {
    return { any: this.any, added: [...this.added], seeded: [...this.seeded], notes: this.notes, looks: this.looks };
  }

  /** Adds what another reading (a later range of the log) saw: the result does not depend on order. */
  merge(other: JobsSeenSnapshot): void {
    this.any ||= other.any;
    for (const [name, ms] of other.added) this.noteName(name, ms, false);
    for (const name of other.seeded) this.seeded.add(name);
    this.notes.push(...other.notes);
    for (const ms of other.looks) this.noteLook(ms);
    this.byName = undefined;
  }

  /** The latest look strictly after `fromMs` (a naming's record) and before `beforeMs`; -Infinity when none. */
  private lastLookBetween(fromMs: number, beforeMs: number): number {
    if (!this.looksSorted) {
      this.looks.sort((a, b) => a - b);
      this.looksSorted = true;
    }
    let lo = 0;
    let hi = this.looks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.looks[mid] < beforeMs) lo = mid + 1;
      else hi = mid;
    }
    const last = lo > 0 ? this.looks[lo - 1] : -Infinity;
    // no naming read (rotated away, or a hand-written removal): a look says nothing of this job
    return Number.isFinite(fromMs) && last > fromMs ? last : -Infinity;
  }

  /** Whether the latest record that speaks of `name` says it is in the config. */
  private inConfig(name: string): boolean {
    return this.notesByName().get(name)?.at(-1)?.in === true;
  }

  private notesByName(): Map<string, NameNote[]> {
    if (this.byName) return this.byName;
    const byName = new Map<string, NameNote[]>();
    for (const note of this.notes) {
      let list = byName.get(note.name);
      if (!list) byName.set(note.name, (list = []));
      list.push(note);
    }
    // in time order; at one instant a removal before a naming (the job is in the config after both)
    for (const list of byName.values()) list.sort((a, b) => a.ms - b.ms || Number(a.in) - Number(b.in));
    return (this.byName = byName);
  }

  private noteName(name: string, ms: number, seed: boolean): void {
    if (seed) this.seeded.add(name);
    else if (!(this.added.get(name)! <= ms)) this.added.set(name, ms);
  }
}

/** `{name: ISO}` as name → epoch ms, plausible times only. */
function timesByName(value: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [name, text] of Object.entries(value)) {
    const ms = typeof text === 'string' ? Date.parse(text) : NaN;
    if (ms >= PLAUSIBLE_FROM_MS) out.set(name, ms);
  }
  return out;
}

/** `{name: {schedule, tz}}` as name → the pair; entries without a text schedule are passed over. */
function schedulesByName(value: unknown): Map<string, { schedule: string; tz: string }> {
  const out = new Map<string, { schedule: string; tz: string }>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [name, entry] of Object.entries(value)) {
    const { schedule, tz } = (entry ?? {}) as { schedule?: unknown; tz?: unknown };
    if (typeof schedule === 'string' && schedule !== '')
      out.set(name, { schedule, tz: typeof tz === 'string' && tz !== '' ? tz : 'UTC' });
  }
  return out;
}
