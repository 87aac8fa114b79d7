import { describe, expect, it } from 'vitest';
import { latestSlotAtOrBefore, nextSlotAfter, slotsBetween, validateSchedule } from './slots.js';

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
    expect(iso(latestSlotAtOrBefore('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T01:00:04Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(latestSlotAtOrBefore('30 2 * * *', 'Europe/Berlin', new Date('2026-03-29T00:59:00Z')))).toBe('2026-03-28T01:30:00.000Z');
    expect(iso(nextSlotAfter('30 2 * * *', 'Europe/Berlin', new Date('2026-03-28T01:30:00Z')))).toBe('2026-03-29T01:00:00.000Z');
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
