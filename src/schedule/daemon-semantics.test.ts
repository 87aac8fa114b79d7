/**
 * The cron daemon's semantics, table-driven. The oracle is a small model of Vixie/ISC cron written
 * here from its documented behaviour (cron.c's main loop, entry.c's parsing), independent of the
 * code under test: its own field parser and a minute-by-minute walk of the real clock, catching up
 * after clock jumps as the daemon does. Every expression × zone × 2026 change is checked slot for
 * slot against `slotsBetween(..., 'daemon')`.
 */
import { describe, expect, it } from 'vitest';
import { latestSlotAtOrBefore, nextSlotAfter, slotsBetween } from './slots.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// ---- the model: parsing (entry.c) ----
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function num(text: string, names: string[] | undefined, nameBase: number): number {
  if (/^\d+$/.test(text)) return Number(text);
  const i = names?.indexOf(text.toLowerCase()) ?? -1; // the first match: `sun` is 0
  if (i < 0) throw new Error(`bad value ${text}`);
  return i + nameBase;
}

function field(text: string, low: number, high: number, names?: string[], nameBase = 0): Set<number> {
  const out = new Set<number>();
  for (const term of text.split(',')) {
    const [range, stepText] = term.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [low, high];
    else if (range.includes('-')) {
      const [a, b] = range.split('-');
      lo = num(a, names, nameBase);
      hi = num(b, names, nameBase);
      if (lo > hi && hi === 0) hi = 7; // entry.c: `fri-sun`, `5-0` end on day 7
    } else [lo, hi] = [num(range, names, nameBase), num(range, names, nameBase)];
    for (let i = lo; i <= hi; i += step) out.add(i);
  }
  return out;
}

interface Entry {
  minute: Set<number>;
  hour: Set<number>;
  dom: Set<number>;
  month: Set<number>;
  dow: Set<number>;
  domStar: boolean;
  dowStar: boolean;
  wild: boolean;
}

function parse(spec: string): Entry {
  const [minute, hour, dom, month, dow] = (MACROS[spec] ?? spec).split(/\s+/);
  const dows = field(dow, 0, 7, DAYS);
  if (dows.has(0) || dows.has(7)) dows.add(0).add(7);
  return {
    minute: field(minute, 0, 59),
    hour: field(hour, 0, 23),
    dom: field(dom, 1, 31),
    month: field(month, 1, 12, MONTHS, 1),
    dow: dows,
    domStar: dom.startsWith('*'),
    dowStar: dow.startsWith('*'),
    // @hourly is wild (HR_STAR) like `0 * * * *`; the other macros are fixed-time
    wild: minute.startsWith('*') || hour.startsWith('*'),
  };
}

/** find_jobs: does the entry run for wall minute `v` (minutes since epoch, wall clock read as UTC)? */
function matches(e: Entry, v: number): boolean {
  const d = new Date(v * MINUTE);
  const dom = e.dom.has(d.getUTCDate());
  const dow = e.dow.has(d.getUTCDay());
  return (
    e.minute.has(d.getUTCMinutes()) &&
    e.hour.has(d.getUTCHours()) &&
    e.month.has(d.getUTCMonth() + 1) &&
    (e.domStar || e.dowStar ? dom && dow : dom || dow)
  );
}

// ---- the model: the main loop (cron.c) ----
function wallMinute(tz: string, t: number): number {
  if (tz === 'UTC') return t / MINUTE;
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(t))
      .map((x) => [x.type, Number(x.value)]),
  );
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) / MINUTE;
}

const walls = new Map<string, number[]>();
/** The wall minute at each real minute of [from, to). */
function wallClock(tz: string, from: number, to: number): number[] {
  const key = `${tz} ${from} ${to}`;
  let out = walls.get(key);
  if (!out) {
    out = [];
    for (let t = from; t < to; t += MINUTE) out.push(wallMinute(tz, t));
    walls.set(key, out);
  }
  return out;
}

/** The real minutes at which the daemon, running from `from` (a whole minute) to `to`, starts the entry. */
function daemonRuns(spec: string, tz: string, from: number, to: number): string[] {
  const e = parse(spec);
  const clock = wallClock(tz, from, to);
  const runs = new Set<number>();
  const find = (t: number, v: number, doWild: boolean, doFixed: boolean) => {
    if (((e.wild && doWild) || (!e.wild && doFixed)) && matches(e, v)) runs.add(t);
  };
  let virtualTime = clock[0];
  for (let i = 1; i < clock.length; i++) {
    const t = from + i * MINUTE;
    const timeRunning = clock[i];
    const diff = timeRunning - virtualTime;
    if (diff === 1) {
      virtualTime = timeRunning;
      find(t, virtualTime, true, true);
    } else if (diff > 180 || diff < -180) {
      virtualTime = timeRunning; // a large jump: start over, nothing caught up
      find(t, virtualTime, true, true);
    } else if (diff > 5) {
      // spring forward: wildcard jobs for this minute, fixed-time jobs for every minute skipped
      find(t, timeRunning, true, false);
      do {
        virtualTime++;
        find(t, virtualTime, false, true);
      } while (virtualTime < timeRunning);
    } else if (diff > 0) {
      do {
        virtualTime++;
        find(t, virtualTime, true, true);
      } while (virtualTime < timeRunning);
    } else {
      // fall back: only wildcard jobs until the clock passes the last minute already run
      find(t, timeRunning, true, false);
    }
  }
  return [...runs].sort((a, b) => a - b).map((t) => new Date(t).toISOString());
}

// ---- the table ----
const EXPRESSIONS = [
  // fixed-time: single values, lists, ranges, steps on ranges
  '30 2 * * *',
  '0 2 * * *',
  '0 3 * * *',
  '59 1 * * *',
  '45 1 * * *',
  '15 1-3 * * *',
  '30 2,14 * * *',
  '0,30 2 * * *',
  '0 0-23/2 * * *',
  '0 2-3 * * *',
  '10-50/20 2 * * *',
  '30 1 * * 0,6',
  '0 12 * * mon-fri',
  // wildcard: minute or hour begins with *
  '*/15 * * * *',
  '*/20 2 * * *',
  '*/30 1-3 * * *',
  '*/45 2 * * *',
  '0 * * * *',
  '5 * * * *',
  '0 */2 * * *',
  '* 2 * * *',
  // day-of-month / day-of-week
  '0 9 */2 * 1',
  '0 9 1-7 * 1',
  '0 12 1,15 * 5',
  '0 12 */2 * *',
  '0 12 * * */2',
  '0 0 13 * 5',
  // names, 0 and 7
  '0 12 * * 0-sun',
  '0 12 * * sun',
  '0 12 * * 7',
  '0 12 * * 5-7',
  '0 12 * * fri-sun',
  '0 12 * * 5-0',
  '0 0 * * 1-7/2',
  '0 12 * jan-jun sat',
  // macros
  '@hourly',
  '@daily',
  '@midnight',
  '@weekly',
  '@monthly',
  '@yearly',
];

/** Instants in 2026 when the zone's offset changes (to the minute), found by scanning. */
function changes(tz: string): number[] {
  const out: number[] = [];
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
  const offset = (t: number) => fmt.format(t).split('GMT')[1];
  for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += HOUR)
    if (offset(t) !== offset(t + HOUR)) {
      let m = t;
      while (offset(m) === offset(t)) m += MINUTE;
      out.push(m);
    }
  return out;
}

const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe'];
const iso = (dates: Iterable<Date>) => [...dates].map((d) => d.toISOString());

describe('slots follow the cron daemon', () => {
  for (const tz of ZONES) {
    const around = changes(tz);
    it(`${tz}: has its two 2026 changes (60 min, or 30 min in Lord Howe)`, () => {
      expect(around).toHaveLength(2);
    });
    for (const change of around) {
      it(`${tz} around ${new Date(change).toISOString()}: every expression, slot for slot`, () => {
        // the model starts a day early so its virtual clock is settled; both judge the same 26 h
        const from = change - 13 * HOUR;
        const to = change + 13 * HOUR;
        for (const spec of EXPRESSIONS) {
          const model = daemonRuns(spec, tz, from - 24 * HOUR, to + MINUTE).filter(
            (t) => Date.parse(t) >= from && Date.parse(t) <= to,
          );
          expect(iso(slotsBetween(spec, tz, new Date(from), new Date(to), 'daemon')), `${spec} in ${tz}`).toEqual(
            model,
          );
        }
      });
    }
  }

  it('an ordinary month: day-of-month, day-of-week, names and macros', () => {
    for (const tz of ['UTC']) {
      const from = Date.parse('2026-06-01T00:00:00Z');
      const to = Date.parse('2026-07-01T00:00:00Z');
      for (const spec of EXPRESSIONS.filter((s) => !s.startsWith('*') && !/^\d+ \*/.test(s) && s !== '@hourly')) {
        const model = daemonRuns(spec, tz, from - 24 * HOUR, to + MINUTE).filter(
          (t) => Date.parse(t) >= from && Date.parse(t) <= to,
        );
        expect(iso(slotsBetween(spec, tz, new Date(from), new Date(to), 'daemon')), `${spec} in ${tz}`).toEqual(model);
      }
    }
  });
});

describe('the cases the daemon and croner disagree on, by hand', () => {
  const daemon = (spec: string, tz: string, from: string, to: string) =>
    iso(slotsBetween(spec, tz, new Date(from), new Date(to), 'daemon'));
  const croner = (spec: string, tz: string, from: string, to: string) =>
    iso(slotsBetween(spec, tz, new Date(from), new Date(to), 'croner'));

  it('`*/2` in day-of-month makes both day fields required: 3 slots in June 2026, not 17', () => {
    const june = ['2026-06-01T00:00:00Z', '2026-06-30T23:59:00Z'] as const;
    expect(daemon('0 9 */2 * 1', 'UTC', ...june)).toEqual([
      '2026-06-01T09:00:00.000Z',
      '2026-06-15T09:00:00.000Z',
      '2026-06-29T09:00:00.000Z',
    ]);
    expect(croner('0 9 */2 * 1', 'UTC', ...june)).toHaveLength(17);
    // neither field begins with *: either may match (Mondays, and the 1st and 15th)
    expect(daemon('0 9 1,15 * 1', 'UTC', ...june)).toHaveLength(5);
  });

  it('`0-sun` is Sunday alone; `fri-sun` and `5-0` run Friday to Sunday', () => {
    const week = ['2026-06-01T00:00:00Z', '2026-06-07T23:59:00Z'] as const;
    expect(daemon('0 12 * * 0-sun', 'UTC', ...week)).toEqual(['2026-06-07T12:00:00.000Z']);
    expect(croner('0 12 * * 0-sun', 'UTC', ...week)).toHaveLength(7);
    expect(daemon('0 12 * * fri-sun', 'UTC', ...week)).toEqual(daemon('0 12 * * 5-0', 'UTC', ...week));
    expect(daemon('0 12 * * 5-0', 'UTC', ...week)).toHaveLength(3);
  });

  it('spring forward: a skipped fixed time runs once, right after the jump; a wildcard one is lost', () => {
    // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00Z
    const night = ['2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z'] as const;
    expect(daemon('15 1-3 * * *', 'Europe/Berlin', ...night)).toEqual([
      '2026-03-29T00:15:00.000Z', // 01:15 CET
      '2026-03-29T01:00:00.000Z', // 02:15 did not exist: run at 03:00 CEST
      '2026-03-29T01:15:00.000Z', // 03:15 CEST
    ]);
    expect(croner('15 1-3 * * *', 'Europe/Berlin', ...night)).not.toContain('2026-03-29T01:00:00.000Z');
    // two skipped times of one entry run in the same minute: one slot
    expect(daemon('0,30 2 * * *', 'Europe/Berlin', ...night)).toEqual(['2026-03-29T01:00:00.000Z']);
    expect(daemon('*/20 2 * * *', 'Europe/Berlin', ...night)).toEqual([]);
    // Lord Howe, 4 October 2026: 02:00 (+10:30) becomes 02:30 (+11) at 15:30Z
    expect(daemon('0 0-23/2 * * *', 'Australia/Lord_Howe', '2026-10-03T13:00:00Z', '2026-10-03T16:59:00Z')).toEqual([
      '2026-10-03T13:30:00.000Z',
      '2026-10-03T15:30:00.000Z',
    ]);
  });

  it('fall back: a fixed time runs once (the first time round); a wildcard one at each real occurrence', () => {
    // New York, 1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00Z
    const night = ['2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z'] as const;
    expect(daemon('30 1,14 * * *', 'America/New_York', ...night)).toEqual(['2026-11-01T05:30:00.000Z']);
    expect(croner('30 1,14 * * *', 'America/New_York', ...night)).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
    expect(daemon('*/30 1 * * *', 'America/New_York', ...night)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });

  it('the slot a crontab-started run serves follows the same rules', () => {
    // a run started by cron at 03:00:04 CEST on the spring-forward night serves the 02:15 slot moved to 03:00
    expect(
      latestSlotAtOrBefore('15 1-3 * * *', 'Europe/Berlin', new Date('2026-03-29T01:00:04Z'), 'daemon')?.toISOString(),
    ).toBe('2026-03-29T01:00:00.000Z');
    expect(
      nextSlotAfter('15 1-3 * * *', 'Europe/Berlin', new Date('2026-03-29T00:15:00Z'), 'daemon')?.toISOString(),
    ).toBe('2026-03-29T01:00:00.000Z');
    // a yearly schedule is found far back and ahead
    expect(latestSlotAtOrBefore('@yearly', 'UTC', new Date('2026-12-06T00:00:00Z'))?.toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(nextSlotAfter('0 0 29 2 *', 'UTC', new Date('2026-12-06T00:00:00Z'))?.toISOString()).toBe(
      '2028-02-29T00:00:00.000Z',
    );
  });
});
