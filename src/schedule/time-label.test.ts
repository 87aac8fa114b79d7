import { describe, expect, it } from 'vitest';
import { formatTime } from './time-label.js';

const NOW = Date.parse('2026-04-19T15:32:00Z');

describe('one time format', () => {
  it('UTC: the time with Z, the date only on another day, seconds only when there are any', () => {
    expect(formatTime('2026-04-19T14:15:00.000Z', NOW)).toBe('14:15Z');
    expect(formatTime('2026-04-19T14:15:07.000Z', NOW)).toBe('14:15:07Z');
    expect(formatTime('2026-04-18T23:45:00.000Z', NOW)).toBe('2026-04-18 23:45Z');
    expect(formatTime('not a time', NOW)).toBe('not a time');
  });

  it('another zone: its wall clock with the offset in force then, across DST', () => {
    expect(formatTime('2026-04-19T14:15:00Z', NOW, 'Europe/Berlin')).toBe('16:15+02:00');
    expect(formatTime('2026-01-10T14:15:00Z', NOW, 'Europe/Berlin')).toBe('2026-01-10 15:15+01:00');
    expect(formatTime('2026-04-19T14:15:00Z', NOW, 'America/New_York')).toBe('10:15-04:00');
    expect(formatTime('2026-04-19T14:15:00Z', NOW, 'Asia/Kolkata')).toBe('19:45+05:30');
    // "the day of now" is the zone's day: 23:30Z on the 19th is already the 20th in Berlin
    expect(formatTime('2026-04-19T23:30:00Z', Date.parse('2026-04-19T23:40:00Z'), 'Europe/Berlin')).toBe('01:30+02:00');
    expect(formatTime('2026-04-19T21:30:00Z', Date.parse('2026-04-19T23:40:00Z'), 'Europe/Berlin')).toBe(
      '2026-04-19 23:30+02:00',
    );
  });
});
