/**
 * When each job name was first seen in the config, as the watchdog (`postmortem gaps
 * --fail-on-gap`) records it in the log: one `jobs.seen` record naming the config's job names no
 * earlier `jobs.seen` named. The first such record in a log (`seed: true`, written when the log had
 * none) names the jobs that were there before anyone looked: it moves no judging start, so a job
 * whose crontab line was never installed is still caught. A later record names jobs added since:
 * a job without records of its own is judged from then, not from the log's first record (which
 * would call every slot before it existed missing). The log is the record, so a `touch` of the
 * config moves nothing, and every host and restart reads the same thing.
 */
import type { LogRecord } from '../log/types.js';
import { PLAUSIBLE_FROM_MS } from './earliest.js';

export const JOBS_SEEN_EVENT = 'jobs.seen';

/** JobsSeen as plain data (a worker thread's share of the log). */
export interface JobsSeenSnapshot {
  any: boolean;
  added: Array<[string, number]>;
  seeded: string[];
}

export class JobsSeen {
  /** Whether any jobs.seen record was read. */
  any = false;
  /** Name → the earliest time a jobs.seen record that is not the seed named it. */
  private readonly added = new Map<string, number>();
  /** Names a seed record named: there from the start. */
  private readonly seeded = new Set<string>();

  /** A `jobs.seen` record; anything unusable in it (no list, a bad time) is passed over. */
  note(record: LogRecord): void {
    const jobs = record.jobs;
    if (!Array.isArray(jobs)) return;
    const ms = Date.parse(record.ts);
    const seed = record.seed === true;
    if (!seed && !(ms >= PLAUSIBLE_FROM_MS)) return;
    this.any = true;
    for (const name of jobs) if (typeof name === 'string') this.noteName(name, ms, seed);
  }

  /**
   * When `name` was added to the config, by the records read: undefined when the seed named it
   * (it was there from the start) or no record did.
   */
  addedAt(name: string): number | undefined {
    return this.seeded.has(name) ? undefined : this.added.get(name);
  }

  /** Whether any jobs.seen record named it. */
  has(name: string): boolean {
    return this.seeded.has(name) || this.added.has(name);
  }

  /** The names a new record must carry: those of `configured` no record named yet. */
  unseen(configured: Iterable<string>): string[] {
    return [...new Set(configured)].filter((name) => !this.has(name));
  }

  snapshot(): JobsSeenSnapshot {
    return { any: this.any, added: [...this.added], seeded: [...this.seeded] };
  }

  /** Adds what another reading (a later range of the log) saw: the result does not depend on order. */
  merge(other: JobsSeenSnapshot): void {
    this.any ||= other.any;
    for (const [name, ms] of other.added) this.noteName(name, ms, false);
    for (const name of other.seeded) this.seeded.add(name);
  }

  private noteName(name: string, ms: number, seed: boolean): void {
    if (seed) this.seeded.add(name);
    else if (!(this.added.get(name)! <= ms)) this.added.set(name, ms);
  }
}
