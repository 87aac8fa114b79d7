import { afterEach, describe, expect, it } from 'vitest';
import { BARE_MS_FLOOR, durationFlag, msFlag, positiveDurationFlag, timeFlag, timerDurationFlag } from './flags.js';
import { CliError } from './common.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');

/** The CliError a call throws (fails the test when it does not throw one). */
function usageError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(64);
    return err as CliError;
  }
  throw new Error('expected a usage error');
}

describe('timeFlag', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    process.env.TZ = savedTz;
    if (savedTz === undefined) delete process.env.TZ;
  });

  it('reads relative times with a unit, ISO times, and now', () => {
    expect(timeFlag('--since', '6h', NOW).toISOString()).toBe('2026-11-23T06:00:00.000Z');
    expect(timeFlag('--since', '45m', NOW).toISOString()).toBe('2026-11-23T11:15:00.000Z');
    expect(timeFlag('--since', '2026-11-23T10:00:00+02:00', NOW).toISOString()).toBe('2026-11-23T08:00:00.000Z');
    expect(timeFlag('--until', 'now', NOW).getTime()).toBe(NOW);
  });

  it('refuses a bare number, saying what to write instead', () => {
    for (const text of ['6', '-6', '6 ago', '1.5']) {
      const n = text.replace(/[^\d.]/g, '');
      expect(usageError(() => timeFlag('--since', text, NOW)).message).toBe(
        `--since ${text}: add a unit (${n}m, ${n}h, ${n}d) or give an ISO time`,
      );
    }
  });

  it('reads an ISO time without an offset as UTC, whatever the host TZ', () => {
    // Node applies a TZ change at run time; this zone is UTC-5 in November
    process.env.TZ = 'America/New_York';
    expect(new Date(2026, 10, 23, 10).toISOString()).toBe('2026-11-23T15:00:00.000Z'); // the TZ did take effect
    for (const text of ['2026-11-23T10:00', '2026-11-23T10:00:00', '2026-11-23 10:00', '2026-11-23t10:00:00.000']) {
      expect(timeFlag('--slot', text, NOW).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    }
    expect(timeFlag('--since', '2026-11-23', NOW).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(timeFlag('--since', '2026-11-23T10:00Z', NOW).toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });

  it('names the flag on other bad values', () => {
    expect(usageError(() => timeFlag('--until', 'yesterday', NOW)).message).toMatch(/^--until: not a time/);
  });
});

describe('durationFlag / positiveDurationFlag', () => {
  it('reads every unit', () => {
    expect(durationFlag('--grace', '500ms')).toBe(500);
    expect(durationFlag('--grace', '30s')).toBe(30_000);
    expect(durationFlag('--grace', '10m')).toBe(600_000);
    expect(durationFlag('--grace', '2h')).toBe(7_200_000);
    expect(durationFlag('--grace', '1d')).toBe(86_400_000);
    expect(durationFlag('--grace', '1h30m')).toBe(5_400_000);
  });

  it('refuses a bare number (seconds or milliseconds? it says to add a unit)', () => {
    expect(usageError(() => durationFlag('--for', '30')).message).toBe(
      '--for 30: add a unit (30s, 30m, 30h; also ms and d)',
    );
    expect(usageError(() => positiveDurationFlag('--timeout', '10')).message).toMatch(
      /^--timeout 10: add a unit \(10s, 10m/,
    );
    expect(usageError(() => durationFlag('--grace', '0')).message).toMatch(/add a unit/);
  });

  it('positiveDurationFlag refuses 0', () => {
    expect(usageError(() => positiveDurationFlag('--for', '0s')).message).toMatch(/must be more than 0/);
  });

  it('a timer flag refuses more than a Node timer holds (it would fire at once); a breaker hold may be longer', () => {
    expect(timerDurationFlag('--timeout', '24d')).toBe(24 * 86_400_000);
    expect(usageError(() => timerDurationFlag('--timeout', '25d')).message).toBe(
      '--timeout 25d: at most 24d (a Node timer cannot wait longer; it would fire at once)',
    );
    expect(usageError(() => msFlag('--grace', '25d', { allowZero: true })).message).toMatch(
      /^--grace 25d: at most 24d/,
    );
    expect(usageError(() => msFlag('--timeout', '3000000000')).message).toMatch(/at most 24d/);
    expect(positiveDurationFlag('--for', '30d')).toBe(30 * 86_400_000); // breaker trip: a date, not a timer
  });
});

describe('msFlag', () => {
  it('reads a bare number as ms and a duration by its unit', () => {
    expect(msFlag('--timeout', '10000')).toBe(10_000);
    expect(msFlag('--timeout', String(BARE_MS_FLOOR))).toBe(BARE_MS_FLOOR);
    expect(msFlag('--timeout', '5s')).toBe(5000);
    expect(msFlag('--grace', '10s', { allowZero: true })).toBe(10_000);
    expect(msFlag('--timeout', '50ms')).toBe(50); // a unit says it is meant
  });

  it('refuses a bare number below the floor: surely seconds', () => {
    expect(usageError(() => msFlag('--grace', '10', { allowZero: true })).message).toBe(
      '--grace 10: a bare number is milliseconds here, and 10 ms is surely not meant: write 10s (or 10ms if you do mean it)',
    );
    expect(usageError(() => msFlag('--timeout', '99')).message).toMatch(/write 99s/);
    expect(usageError(() => msFlag('--timeout', '150.5')).message).toMatch(/whole milliseconds/);
  });

  it('0 only where allowed', () => {
    expect(msFlag('--grace', '0', { allowZero: true })).toBe(0);
    expect(msFlag('--grace', '0s', { allowZero: true })).toBe(0);
    expect(usageError(() => msFlag('--timeout', '0')).message).toMatch(/--timeout 0/);
    expect(usageError(() => msFlag('--timeout', '0s')).message).toMatch(/must be more than 0/);
    expect(usageError(() => msFlag('--timeout', 'soon')).message).toMatch(/^--timeout: not a duration/);
  });
});
