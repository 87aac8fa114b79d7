import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { slotsBetween, validateSchedule } from './slots.js';
import { UTC_ZONES, isUtcZone } from './utc-zones.js';
import { offsetAt } from './zone-offset.js';

const list = (schedule: string, tz: string, from: string, to: string) =>
  [...slotsBetween(schedule, tz, new Date(from), new Date(to))].map((d) => d.toISOString());

describe('the one set of UTC zone names', () => {
  it('holds only names Intl knows as UTC, offset 0 in winter and summer', () => {
    for (const tz of UTC_ZONES) {
      expect(new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone, tz).toBe('UTC');
      for (const at of ['2026-01-15T12:00:00Z', '2026-07-15T12:00:00Z'])
        expect(offsetAt(tz, Date.parse(at)), `${tz} at ${at}`).toBe(0);
    }
    expect(isUtcZone('Europe/London')).toBe(false);
    expect(isUtcZone('Z')).toBe(false); // not a zone name a config can use (Intl refuses it)
  });

  it('gives every spelling the same slots as UTC, and each is a valid config tz', () => {
    const want = list('30 2 * * *', 'UTC', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z');
    expect(want).toHaveLength(3);
    for (const tz of UTC_ZONES) {
      expect(list('30 2 * * *', tz, '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z'), tz).toEqual(want);
      expect(validateSchedule('30 2 * * *', tz), tz).toBeUndefined();
    }
  });

  it('loads nothing (a view asks it without loading croner)', () => {
    const source = readFileSync(new URL('./utc-zones.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/^\s*import\b/m);
  });
});
