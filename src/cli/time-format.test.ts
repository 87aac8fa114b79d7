import { describe, expect, it } from 'vitest';
import { UTC_ZONES } from '../schedule/utc-zones.js';
import { formatTime } from '../schedule/time-label.js';
import { DisplayTimes, resolveDisplayZone } from './time-format.js';

const NOW = Date.parse('2026-04-19T15:32:00Z');

describe('--tz', () => {
  it('is what --tz reads as UTC (plus its own spellings utc and Z)', () => {
    for (const tz of [...UTC_ZONES, 'utc', 'Z', 'z']) {
      expect(resolveDisplayZone(tz), tz).toBe('UTC');
      expect(formatTime('2026-04-19T14:15:00Z', NOW, resolveDisplayZone(tz))).toBe('14:15Z');
    }
  });

  it('takes UTC, local and IANA names; an unknown zone is a usage error naming the flag', () => {
    expect(resolveDisplayZone(undefined)).toBeUndefined();
    expect(resolveDisplayZone('utc')).toBe('UTC');
    expect(resolveDisplayZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(typeof resolveDisplayZone('local')).toBe('string');
    expect(() => resolveDisplayZone('Mars/Olympus')).toThrow(
      expect.objectContaining({
        exitCode: 64,
        message: expect.stringContaining('--tz: unknown time zone "Mars/Olympus"'),
      }),
    );
  });

  it('by default a job’s slots are in its own zone and other instants in UTC; --tz puts all in one', () => {
    const zones = { blog: 'Europe/Berlin', threads: 'UTC' };
    const mixed = new DisplayTimes(NOW, undefined, zones);
    expect(mixed.at('2026-04-19T14:00:00Z', 'blog')).toBe('16:00+02:00');
    expect(mixed.at('2026-04-19T14:00:00Z', 'threads')).toBe('14:00Z');
    expect(mixed.at('2026-04-19T14:00:00Z')).toBe('14:00Z');
    expect(mixed.note(['blog', 'threads'])).toBe(
      "times in UTC; slots in each job's zone (blog: Europe/Berlin); --tz picks one zone",
    );
    expect(mixed.note(['threads'])).toBe('times in UTC');
    const chosen = new DisplayTimes(NOW, 'America/New_York', zones);
    expect(chosen.at('2026-04-19T14:00:00Z', 'blog')).toBe('10:00-04:00');
    expect(chosen.note(['blog'])).toBe('times in America/New_York (--tz)');
  });

  it('since and until read against the same clock', () => {
    const t = new DisplayTimes(NOW);
    expect(t.since('2026-04-19T15:15:00Z')).toBe('15:15Z (17m)');
    expect(t.until('2026-04-19T16:00:00Z')).toBe('16:00Z (in 28m)');
    expect(t.until('2026-04-19T15:30:00Z')).toBe('15:30Z (due, 2m ago)');
  });

  it("a window's ends carry their dates when either falls on another day than now's", () => {
    const t = new DisplayTimes(NOW);
    expect(t.window('2026-04-19T09:30:00Z', '2026-04-19T15:30:00Z')).toEqual(['09:30Z', '15:30Z']);
    // 24 hours back to the minute: never "2026-04-18 15:32Z and 15:32Z"
    expect(t.window('2026-04-18T15:32:00Z', '2026-04-19T15:32:00Z')).toEqual([
      '2026-04-18 15:32Z',
      '2026-04-19 15:32Z',
    ]);
    expect(t.window('2026-04-17T15:32:00Z', '2026-04-18T15:32:00Z')).toEqual([
      '2026-04-17 15:32Z',
      '2026-04-18 15:32Z',
    ]);
    const berlin = new DisplayTimes(NOW, 'Europe/Berlin');
    // 22:30Z is the next day in Berlin: both dated
    expect(berlin.window('2026-04-19T12:00:00Z', '2026-04-19T22:30:00Z')).toEqual([
      '2026-04-19 14:00+02:00',
      '2026-04-20 00:30+02:00',
    ]);
  });
});
