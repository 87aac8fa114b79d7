import { describe, expect, it } from 'vitest';
import { daemonSlotsReference } from './daemon-slots.js';
import { SlotBatch } from './slot-batch.js';
import {
  cronerSlotsBetween,
  latestSlotAtOrBefore,
  nextSlotAfter,
  slotBatchesBetween,
  slotsBetween,
  validateSchedule,
} from './slots.js';

const iso = (d: Date | undefined) => d?.toISOString();
const list = (schedule: string, tz: string, from: string, to: string) =>
  [...slotsBetween(schedule, tz, new Date(from), new Date(to))].map((d) => d.toISOString());

describe('slotsBetween', () => {
  it('includes both ends and nothing outside', () => {
    expect(list('*/15 * * * *', 'UTC', '2026-04-19T14:00:00Z', '2026-04-19T15:00:00Z')).toEqual([
      '2026-04-19T14:00:00.000Z',
      '2026-04-19T14:15:00.000Z',
      '2026-04-19T14:30:00.000Z',
      '2026-04-19T14:45:00.000Z',
      '2026-04-19T15:00:00.000Z',
    ]);
    expect(list('*/15 * * * *', 'UTC', '2026-04-19T14:00:00.001Z', '2026-04-19T14:59:59.999Z')).toEqual([
      '2026-04-19T14:15:00.000Z',
      '2026-04-19T14:30:00.000Z',
      '2026-04-19T14:45:00.000Z',
    ]);
    expect(list('0 * * * *', 'UTC', '2026-04-19T14:01:00Z', '2026-04-19T14:59:00Z')).toEqual([]);
  });

  it('is lazy: a year of every minute is not built up front', () => {
    const gen = slotsBetween('* * * * *', 'UTC', new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z'));
    const first = gen.next();
    expect(iso(first.value as Date)).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(gen.next().value as Date)).toBe('2026-01-01T00:01:00.000Z');
  });

  it('follows Europe/Berlin across the March 2026 change (02:00 → 03:00 on 29 March)', () => {
    // 02:30 does not exist that night: a fixed-time job runs once, at the first valid time (03:00 CEST = 01:00Z)
    expect(list('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T23:59:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    // an hourly job has 23 slots that day
    expect(list('0 * * * *', 'Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T21:59:00Z')).toHaveLength(23);
  });

  it('follows Europe/Berlin across the October 2026 change (03:00 → 02:00 on 25 October)', () => {
    // 02:30 happens twice: a fixed-time job still runs once
    expect(list('30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00:00Z', '2026-10-26T23:59:00Z')).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    // an hourly job has 25 slots that day, both 02:00s included
    const day = list('0 * * * *', 'Europe/Berlin', '2026-10-24T22:00:00Z', '2026-10-25T22:59:00Z');
    expect(day).toHaveLength(25);
    expect(day).toContain('2026-10-25T00:00:00.000Z'); // 02:00 CEST
    expect(day).toContain('2026-10-25T01:00:00.000Z'); // 02:00 CET
  });
});

describe('latestSlotAtOrBefore', () => {
  it('names the slot a crontab-started run serves', () => {
    const at = (t: string) => iso(latestSlotAtOrBefore('*/15 * * * *', 'UTC', new Date(t)));
    expect(at('2026-04-19T14:15:00.000Z')).toBe('2026-04-19T14:15:00.000Z');
    expect(at('2026-04-19T14:15:02.345Z')).toBe('2026-04-19T14:15:00.000Z');
    expect(at('2026-04-19T14:29:59.999Z')).toBe('2026-04-19T14:15:00.000Z');
  });
  it('agrees with slotsBetween across a DST gap', () => {
    expect(iso(latestSlotAtOrBefore('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T01:00:04Z')))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
    expect(iso(latestSlotAtOrBefore('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T00:59:00Z')))).toBe(
      '2026-03-28T01:30:00.000Z',
    );
    expect(iso(nextSlotAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T01:30:00Z')))).toBe(
      '2026-03-29T01:00:00.000Z',
    );
  });
});

describe('validateSchedule', () => {
  it('accepts good schedules and explains bad ones', () => {
    expect(validateSchedule('*/15 * * * *', 'UTC')).toBeUndefined();
    expect(validateSchedule('0 30 2 * * *', 'Europe/Berlin')).toBeUndefined();
    expect(validateSchedule('*/15 * * * *', 'Mars/Olympus')).toMatch(/unknown time zone/);
    expect(validateSchedule('every hour', 'UTC')).toMatch(/fields/);
    expect(validateSchedule('61 * * * *', 'UTC')).toMatch(/invalid cron expression/);
    expect(validateSchedule('0 0 31 2 *', 'UTC')).toMatch(/never/);
  });
});

describe('the fast slot path matches its reference slot for slot', () => {
  const patterns = [
    '*/15 * * * *',
    '0 * * * *',
    '30 2 * * *',
    '0 2 * * *',
    '15 1-3 * * *',
    '*/20 2 * * *',
    '0 9 * * 1-5',
    '0 0 1 * *',
    '0 12 L * *',
    '30 */2 * * 0,6',
    '0 30 2 * * *',
    '@daily',
    '@hourly',
    '0 0 13 * 5',
    '0 9 */2 * 1',
    '0 0-23/2 * * *',
    '30 2,14 * * *',
    '0,30 2 * * *',
    '0 12 * * 0-sun',
  ];
  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];
  const same = (pattern: string, tz: string, from: number, to: number) => {
    const a = new Date(from);
    const b = new Date(to);
    // croner's reading against croner's own nextRun chain
    const fast = [...slotsBetween(pattern, tz, a, b, 'croner')].map((d) => d.toISOString());
    const reference = [...cronerSlotsBetween(pattern, tz, a, b)].map((d) => d.toISOString());
    expect(fast, `croner ${pattern} ${tz} ${a.toISOString()}`).toEqual(reference);
    // the daemon's reading against every wall time placed one by one
    const daemon = [...slotsBetween(pattern, tz, a, b, 'daemon')].map((d) => d.toISOString());
    const daemonReference = daemonSlotsReference(pattern, tz, from, to).map((d) => d.toISOString());
    expect(daemon, `daemon ${pattern} ${tz} ${a.toISOString()}`).toEqual(daemonReference);
    // the same in batches of 7 epoch ms (batch edges fall everywhere: mid-day, mid-change)
    const batched = (semantics: 'croner' | 'daemon') => {
      const out: string[] = [];
      for (const batch of slotBatchesBetween(pattern, tz, from, to, semantics, new SlotBatch(7)))
        for (let i = 0; i < batch.length; i++) out.push(new Date(batch.times[i]).toISOString());
      return out;
    };
    expect(batched('croner'), `croner batches ${pattern} ${tz}`).toEqual(reference);
    expect(batched('daemon'), `daemon batches ${pattern} ${tz}`).toEqual(daemonReference);
  };
  /** Instants in 2026 where the zone's offset changes (to the hour), found independently of the code under test. */
  const changes = (tz: string) => {
    const out: number[] = [];
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
    const offset = (t: number) => fmt.format(t).split('GMT')[1];
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 3_600_000)
      if (offset(t) !== offset(t + 3_600_000)) out.push(t);
    return out;
  };

  for (const tz of zones) {
    it(`in ${tz}, around each of its 2026 offset changes and in an ordinary month`, () => {
      const around = changes(tz);
      expect(around.length).toBe(tz === 'UTC' || tz === 'Asia/Kolkata' ? 0 : 2);
      for (const pattern of patterns) {
        // ±13 h: past the croner-only stretch (≤ 9 h from a change) into plain arithmetic on both sides
        for (const t of around) same(pattern, tz, t - 13 * 3_600_000 + 1234, t + 13 * 3_600_000);
        same(pattern, tz, Date.parse('2026-06-03T07:07:07.007Z'), Date.parse('2026-06-05T00:00:00Z'));
      }
      // every minute and every 30 seconds, right across the changes
      for (const t of around.slice(0, 2)) {
        same('* * * * *', tz, t - 90 * 60_000, t + 90 * 60_000);
        same('*/30 * * * * *', tz, t - 40 * 60_000, t + 40 * 60_000);
      }
    });
  }

  // how long this takes is bench/slots.js's business; here only the count
  it.each(['croner', 'daemon'] as const)(
    'a year of every minute in Europe/Berlin is 525,600 slots (%s)',
    (semantics) => {
      let n = 0;
      for (const _ of slotsBetween(
        '* * * * *',
        'Europe/Berlin',
        new Date('2026-01-01T00:00:00Z'),
        new Date('2026-12-31T23:59:00Z'),
        semantics,
      ))
        n++;
      expect(n).toBe(365 * 24 * 60);
    },
  );
});
