import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseTimeArg } from './time.js';

const NOW = Date.parse('2026-04-19T16:00:00Z');

describe('parseDuration', () => {
  it('reads units and combinations', () => {
    expect(parseDuration('45m')).toBe(45 * 60_000);
    expect(parseDuration('6h')).toBe(6 * 3_600_000);
    expect(parseDuration('2d')).toBe(2 * 86_400_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5h')).toBe(90 * 60_000);
    expect(parseDuration('2500')).toBe(2500);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
    expect(() => parseDuration('5 parsecs')).toThrow(/45m/);
    expect(() => parseDuration('')).toThrow();
  });
});

describe('parseTimeArg', () => {
  it('reads ISO 8601', () => {
    expect(parseTimeArg('2026-04-19T14:15:00Z', NOW).toISOString()).toBe('2026-04-19T14:15:00.000Z');
    expect(parseTimeArg('2026-04-19T16:15:00+02:00', NOW).toISOString()).toBe('2026-04-19T14:15:00.000Z');
    expect(parseTimeArg('2026-04-19', NOW).toISOString()).toBe('2026-04-19T00:00:00.000Z');
  });
  it('reads a duration as that long before now', () => {
    expect(parseTimeArg('45m', NOW).toISOString()).toBe('2026-04-19T15:15:00.000Z');
    expect(parseTimeArg('2d', new Date(NOW)).toISOString()).toBe('2026-04-17T16:00:00.000Z');
    expect(parseTimeArg('now', NOW).getTime()).toBe(NOW);
  });
  it('rejects other text with a message naming both forms', () => {
    expect(() => parseTimeArg('yesterday', NOW)).toThrow(/ISO 8601.*45m/);
    expect(() => parseTimeArg('2026-13-45T99:00:00Z', NOW)).toThrow(/not a time/);
  });
});

describe('formatDuration', () => {
  it('shows at most two units', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(45 * 60_000)).toBe('45m');
    expect(formatDuration(65 * 60_000)).toBe('1h 5m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(2 * 86_400_000 + 3 * 3_600_000 + 5 * 60_000)).toBe('2d 3h');
  });

  it('rounds to the smaller unit shown, so a few ms between two views do not change the words', () => {
    const twoHours = 2 * 3_600_000;
    for (const elapsed of [0, 2, 162, 20_000, 29_999])
      expect(formatDuration(twoHours - elapsed), `${elapsed}`).toBe('2h');
    expect(formatDuration(twoHours - 30_000)).toBe('2h'); // half a minute rounds up
    expect(formatDuration(twoHours - 30_001)).toBe('1h 59m');
    expect(formatDuration(3_599_600)).toBe('1h'); // 59m 59.6s
    expect(formatDuration(86_400_000 - 20_000)).toBe('1d'); // 23h 59m 40s
    expect(formatDuration(1_499)).toBe('1s');
    expect(formatDuration(1_500)).toBe('2s');
    expect(formatDuration(-(twoHours - 162))).toBe('-2h');
  });
});
