/**
 * How human views print instants, in one format across commands: `14:15Z` on the day of now,
 * `2026-04-18 23:45Z` on another, `16:15+02:00` in a zone other than UTC (the offset is always
 * printed, so a time read at 3 a.m. never leaves its zone to guess); seconds only when there are
 * any. A job's slots are shown in the job's own `tz` and other instants in UTC, unless `--tz`
 * names one zone for everything (`local` is the host's). JSON keeps full ISO times in UTC. The
 * format itself is `schedule/time-label.ts` `formatTime`, which the drill's narrative prints with too.
 */
import { formatTime } from '../schedule/time-label.js';
import { isUtcZone } from '../schedule/utc-zones.js';
import { formatDuration } from '../time.js';
import { CliError } from './common.js';
import { ExitCode } from '../exit-codes.js';

/** UTC as `--tz` may also spell it, besides the zone names that are UTC. */
const isUtcFlag = (name: string) => isUtcZone(name) || ['utc', 'Z', 'z'].includes(name);

/**
 * The zone `--tz` names: `local` (the host's, which honours TZ), `UTC`, or an IANA name. A zone
 * Intl does not know is a usage error (64) naming the flag.
 */
export function resolveDisplayZone(flag: string | undefined): string | undefined {
  if (flag === undefined) return undefined;
  if (isUtcFlag(flag)) return 'UTC';
  const name = flag === 'local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : flag;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    throw new CliError(
      `--tz: unknown time zone "${flag}" (use local, UTC or an IANA name such as Europe/Berlin)`,
      ExitCode.usage,
    );
  }
  return isUtcFlag(name) ? 'UTC' : name;
}

/** "in 4m" for a time ahead of `now`, "due, 2m ago" for one passed. */
export function untilLabel(at: string | number, now: number): string {
  const ms = (typeof at === 'number' ? at : Date.parse(at)) - now;
  return ms > 0 ? `in ${formatDuration(ms)}` : `due, ${formatDuration(-ms)} ago`;
}

/**
 * The times of one view: its `now`, the zone `--tz` chose (if any) and each job's own zone. Views
 * take one of these rather than a zone, so every command prints times the same way.
 */
export class DisplayTimes {
  constructor(
    readonly now: number,
    /** The zone `--tz` named, for every time; undefined: jobs' slots in their own zone, the rest in UTC. */
    readonly chosen?: string,
    private readonly jobZones: Readonly<Record<string, string>> = {},
  ) {}

  /** The zone a time is shown in: `--tz`'s, else the job's own (for its slots), else UTC. */
  zone(job?: string): string {
    if (this.chosen) return this.chosen;
    const own = job === undefined ? undefined : this.jobZones[job];
    return own === undefined || isUtcFlag(own) ? 'UTC' : own;
  }

  /** An instant (`job`: a slot of that job, shown in its zone). */
  at(at: string | number, job?: string): string {
    return formatTime(at, this.now, this.zone(job));
  }

  /** With its date whatever the day: for lines read later and elsewhere (a cron mail), and a window's ends. */
  full(at: string | number, job?: string): string {
    return formatTime(at, NaN, this.zone(job));
  }

  /**
   * A window's two ends: both without their date when both fall on the day of now, else both with
   * it. `at` alone drops the date of an end on today's date, so a 24-hour window would read
   * "2026-04-18 12:30Z and 12:30Z", as if it began and ended at one instant.
   */
  window(since: string | number, until: string | number): [string, string] {
    const from = this.at(since);
    const to = this.at(until);
    // `at` writes a date (followed by a space) only for a day other than now's
    return from.includes(' ') || to.includes(' ') ? [this.full(since), this.full(until)] : [from, to];
  }

  /** "15:15Z (3h 17m)": when, and how long before now (or "in 5m" for a time still ahead). */
  since(at: string | number, job?: string): string {
    const ms = typeof at === 'number' ? at : Date.parse(at);
    if (Number.isNaN(ms)) return String(at);
    const d = this.now - ms;
    // a change recorded a moment "after" an overridden clock's now is still the past
    return `${this.at(ms, job)} (${d > -1000 ? formatDuration(Math.max(0, d)) : `in ${formatDuration(-d)}`})`;
  }

  /** "16:00Z (in 28m)". */
  until(at: string | number, job?: string): string {
    return `${this.at(at, job)} (${untilLabel(at, this.now)})`;
  }

  /** A view's footnote on its zones: "times in UTC", or which jobs' slots are shown in their own zone. */
  note(jobs: readonly string[] = []): string {
    if (this.chosen) return `times in ${this.chosen} (--tz)`;
    const own = [...new Set(jobs)].filter((j) => this.zone(j) !== 'UTC').map((j) => `${j}: ${this.zone(j)}`);
    return own.length === 0
      ? 'times in UTC'
      : `times in UTC; slots in each job's zone (${own.join(', ')}); --tz picks one zone`;
  }
}

/** Each job's configured zone, for DisplayTimes. */
export function jobZones(config: { jobs: Record<string, { tz?: string }> } | undefined): Record<string, string> {
  const zones: Record<string, string> = {};
  for (const [name, job] of Object.entries(config?.jobs ?? {})) if (job.tz) zones[name] = job.tz;
  return zones;
}

/** The zone `--tz` chose for this process's views (one command a process); undefined: the defaults. */
let chosenZone: string | undefined;

/** Checks `--tz` (a usage error when unknown) and makes it the zone of every view this process prints. */
export function chooseDisplayZone(flag: string | undefined): void {
  chosenZone = resolveDisplayZone(flag);
}

/** The zone `--tz` chose (`UTC` or an IANA name), undefined without the flag. */
export function chosenDisplayZone(): string | undefined {
  return chosenZone;
}

/** The times of a command's human view: its clock, the zone `--tz` chose, and the config's job zones. */
export function viewTimes(now: number, config?: { jobs: Record<string, { tz?: string }> }): DisplayTimes {
  return new DisplayTimes(now, chosenZone, jobZones(config));
}
