import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecords } from '../log/reader.js';
import { toRecord } from '../log/reader.js';
import { analyzeLogs, buildLedger, findGaps, type JobSchedule } from './gaps.js';
import { decodeGapLine } from './quick-decode.js';

const APRIL19 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/april19.jsonl');
const head = (event: string, job = 'blog') => `{"ts":"2026-04-19T14:00:09.000Z","level":"info","event":"${event}","job":"${job}","runId":"r1","scheduledFor":"2026-04-19T14:00:00.000Z","trigger":"cron"`;

describe('decodeGapLine', () => {
  it('reads JobLog-shaped lines like JSON.parse does, for the fields gaps uses', () => {
    for (const line of [
      head('run.start') + ',"lateMs":1800,"pid":42}',
      head('run.start') + '}',
      head('run.end') + ',"outcome":"ok","provider":"deepseek-v3","degraded":false,"durationMs":9123.5}',
      head('run.end') + ',"error":"x \\",\\"outcome\\":\\"ok","outcome":"failed","durationMs":1}',
      head('run.end') + ',"outcome":"ok","meta":{"durationMs":1},"durationMs":7}',
      head('run.end', 'we\\"ird') + ',"outcome":"ok","durationMs":7}',
      head('attempt.end') + ',"provider":"p","model":"m","outcome":"failed","httpStatus":503,"ms":800}',
      '{"event":"run.end","ts":"2026-04-19T14:00:09.000Z","job":"blog","scheduledFor":"2026-04-19T14:00:00.000Z","outcome":"ok","durationMs":5}',
    ]) {
      const quick = decodeGapLine(line)!;
      const full = toRecord(line)!;
      expect(quick, line).not.toBeNull();
      for (const key of ['ts', 'event', 'job', 'scheduledFor', 'trigger', 'outcome', 'durationMs', 'httpStatus'] as const) expect(quick[key], `${key} of ${line}`).toEqual(full[key]);
    }
  });

  it('drops lines gaps never needs, and flags broken ones', () => {
    expect(decodeGapLine(head('attempt.end') + ',"outcome":"ok","ms":5}')).toBeNull();
    expect(decodeGapLine(head('breaker.open') + ',"provider":"p"}')).toBeNull();
    expect(decodeGapLine('{"ts":"x","event":"probe","ok":true}')).toBeNull();
    expect(decodeGapLine(head('run.end') + ',"outcome":"ok","dura')).toBeUndefined(); // truncated
    expect(decodeGapLine(head('breaker.open').slice(0, 50))).toBeUndefined();
    expect(decodeGapLine('hello')).toBeUndefined();
  });

  it('gives the same report as the plain JSON.parse path', async () => {
    const jobs: JobSchedule[] = [
      { name: 'blog', schedule: '0 * * * *', tz: 'UTC' },
      { name: 'threads', schedule: '*/15 * * * *', tz: 'UTC' },
      { name: 'stories', schedule: '*/30 * * * *', tz: 'UTC' },
    ];
    const window = { since: new Date('2026-04-19T12:00:00Z'), until: new Date('2026-04-19T16:50:00Z') };
    const quick = await analyzeLogs(jobs, window, [APRIL19]);
    const plain = findGaps(jobs, await buildLedger(jobs, window, readRecords([APRIL19])));
    expect(quick.gaps).toEqual(plain.gaps);
    expect(quick.late).toEqual(plain.late);
    expect(quick.jobs).toEqual(plain.jobs);
    expect(fs.statSync(APRIL19).size).toBeGreaterThan(0);
  });
});
