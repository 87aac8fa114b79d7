import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecords, toRecord } from '../log/reader.js';
import type { LogRecord } from '../log/types.js';
import { analyzeLogs, buildLedger, findGaps, type JobSchedule } from './gaps.js';
import { decodeGapLine, type GapSink } from './quick-decode.js';

const APRIL19 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/april19.jsonl');
const head = (event: string, job = 'blog') =>
  `{"ts":"2026-04-19T14:00:09.000Z","level":"info","event":"${event}","job":"${job}","runId":"r1","scheduledFor":"2026-04-19T14:00:00.000Z","trigger":"cron"`;

/** What the sink saw, as records with the fields gaps uses. */
function decode(line: string): { ok: boolean; records: Partial<LogRecord>[] } {
  const records: Partial<LogRecord>[] = [];
  const bytesPathNotTaken = () => {
    throw new Error('no bytes given: the byte reader is not used');
  };
  const sink = {
    runStartedAt: bytesPathNotTaken,
    runServedAt: bytesPathNotTaken,
    attemptFailedAt: bytesPathNotTaken,
    add: (r: LogRecord) => records.push(r),
    runStarted: (...[job, scheduledFor, ts, trigger, schedule, tz, deadlineMs]: Parameters<GapSink['runStarted']>) =>
      records.push({
        event: 'run.start',
        job,
        scheduledFor,
        ts,
        trigger: trigger as LogRecord['trigger'],
        ...(schedule === undefined ? {} : { schedule, tz }),
        ...(deadlineMs === undefined ? {} : { deadlineMs }),
      }),
    runServed: (job: string, scheduledFor: string, ts: string, durationMs: number, trigger: string, runId: string) =>
      records.push({
        event: 'run.end',
        job,
        runId,
        scheduledFor,
        ts,
        durationMs,
        trigger: trigger as LogRecord['trigger'],
        outcome: 'ok',
      }),
  };
  // inside a larger text, as the reader hands it over
  const text = 'x\n' + line + '\n{"ts":"y"}\n';
  return { ok: decodeGapLine(text, 2, 2 + line.length, sink), records };
}

describe('decodeGapLine', () => {
  it('reads JobLog-shaped lines like JSON.parse does, for the fields gaps uses', () => {
    for (const line of [
      head('run.start') + ',"lateMs":1800,"pid":42}',
      head('run.start') + ',"schedule":"*/15 * * * *","tz":"UTC","lateMs":1800,"pid":42,"deadlineMs":600000}',
      head('run.start') + '}',
      head('run.start') + ',"schedule":"*/15 * * * *","tz":"Europe/Berlin","lateMs":1800,"pid":42}',
      head('run.start') + ',"schedule":"0 9 * * mon\\u002dfri","tz":"UTC","lateMs":1,"pid":42}',
      head('run.end') + ',"outcome":"ok","provider":"deepseek-v3","degraded":false,"durationMs":9123.5}',
      head('run.end') + ',"error":"x \\",\\"outcome\\":\\"ok","outcome":"failed","durationMs":1}',
      head('run.end') + ',"outcome":"ok","meta":{"durationMs":1},"durationMs":7}',
      head('run.end') + ',"outcome":"ok","durationMs":7,"tail":"a,\\"durationMs\\":9"}',
      head('run.end', 'we\\"ird') + ',"outcome":"ok","durationMs":7}',
      head('attempt.end') + ',"provider":"p","model":"m","outcome":"failed","httpStatus":503,"ms":800}',
      head('jobs.seen', 'watchdog') + ',"jobs":["blog","fresh"],"seed":true}',
      head('run.end') + ',"outcome":"skipped","reason":"served","servedBy":"h","servedRunId":"r0","durationMs":1}',
      '{"event":"run.end","ts":"2026-04-19T14:00:09.000Z","job":"blog","scheduledFor":"2026-04-19T14:00:00.000Z","outcome":"ok","durationMs":5}',
    ]) {
      const { ok, records } = decode(line);
      const full = toRecord(line)!;
      expect(ok, line).toBe(true);
      expect(records, line).toHaveLength(1);
      for (const key of [
        'event',
        'job',
        'scheduledFor',
        'outcome',
        'durationMs',
        'httpStatus',
        'schedule',
        'tz',
        'deadlineMs',
        'reason',
        'servedBy',
        'servedRunId',
        'jobs',
        'seed',
      ])
        expect(records[0][key], `${key} of ${line}`).toEqual(full[key]);
      if (records[0].outcome === 'ok' || records[0].event === 'run.start')
        expect([records[0].ts, records[0].trigger]).toEqual([full.ts, full.trigger]);
    }
  });

  it('passes over lines gaps never needs, and flags broken ones', () => {
    expect(decode(head('attempt.end') + ',"outcome":"ok","ms":5}')).toEqual({ ok: true, records: [] });
    expect(decode(head('breaker.open') + ',"provider":"p"}')).toEqual({ ok: true, records: [] });
    expect(decode('{"ts":"x","event":"probe","ok":true}')).toEqual({ ok: true, records: [] });
    expect(decode(head('run.end') + ',"outcome":"ok","dura')).toEqual({ ok: false, records: [] }); // truncated
    expect(decode(head('breaker.open').slice(0, 50))).toEqual({ ok: false, records: [] });
    expect(decode('hello')).toEqual({ ok: false, records: [] });
    expect(decode(head('breaker.open') + ',"provider":"p",oops}')).toEqual({ ok: false, records: [] }); // garbled inside
    // JSON objects that are not records (no ts or no event): skipped and counted, as docs/job-log.md says
    for (const line of [
      '{}',
      '{"weird":1}',
      '{"ts":"x","weird":1}',
      '{"ts":"2026-04-19T14:00:00Z","job":"threads"}',
      '{"ts":"x","event":5}',
    ]) {
      expect(decode(line), line).toEqual({ ok: false, records: [] });
    }
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
