import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../clock.js';
import { JobLog, newRunId, type RunRecord } from './writer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-log-'));
const base = {
  event: 'run.start',
  job: 'blog',
  runId: 'r1',
  scheduledFor: '2026-04-19T14:00:00.000Z',
  trigger: 'cron' as const,
};

describe('JobLog', () => {
  it('starts on a new line when the file ends mid-line (a killed writer, a hand edit)', () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, '{"ts":"2026-04-19T13:00:00Z","event":"run.end","cut short');
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(file, past, past); // not a write in flight: it was cut short a minute ago
    const log = new JobLog(file);
    log.append(base);
    log.append({ ...base, event: 'run.end' });
    log.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('{"ts":"2026-04-19T13:00:00Z","event":"run.end","cut short');
    expect(lines.slice(1, 3).map((l) => JSON.parse(l).event)).toEqual(['run.start', 'run.end']);
    // a file that ends with a newline gets none extra
    new JobLog(file).append(base);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(5);
  });

  it('creates the folder, appends one line per record, fills ts and level', () => {
    const file = path.join(tmp(), 'deep', 'logs', 'jobs.jsonl');
    const log = new JobLog(file, { clock: new ManualClock(Date.parse('2026-04-19T14:00:03Z')) });
    log.append(base);
    log.append({
      ...base,
      event: 'run.end',
      ts: '2026-04-19T14:00:09.000Z',
      level: 'warn',
      outcome: 'ok',
      durationMs: 6000,
      missing: undefined,
    });
    log.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const [a, b] = lines.slice(0, 2).map((l) => JSON.parse(l));
    expect(a).toMatchObject({ ts: '2026-04-19T14:00:03.000Z', level: 'info', event: 'run.start' });
    expect(Object.keys(a).slice(0, 7)).toEqual(['ts', 'level', 'event', 'job', 'runId', 'scheduledFor', 'trigger']);
    expect(b).toMatchObject({ ts: '2026-04-19T14:00:09.000Z', level: 'warn', outcome: 'ok', durationMs: 6000 });
    expect('missing' in b).toBe(false);
  });

  it('never throws into the job and warns only once', () => {
    const dir = tmp();
    const warnings: string[] = [];
    const log = new JobLog(dir /* a directory: cannot be opened for append */, {
      warn: (m) => warnings.push(m),
      secrets: ['sk-live-SECRET123'],
    });
    expect(() => log.append(base)).not.toThrow();
    expect(() => log.append(base)).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot write the job log/);
  });

  it('scrubs secrets from free-text fields but keeps identifiers', () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    const key = 'tgp_v1_abcdefghijklmnop';
    const log = new JobLog(file, { secrets: [key] });
    log.append({
      ...base,
      event: 'run.end',
      provider: 'deepseek-v3',
      error: `401 for key ${key}`,
      tail: [`Authorization: Bearer ${key}`],
    });
    log.close();
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    const rec = JSON.parse(text);
    expect(rec.error).toBe('401 for key [REDACTED]');
    expect(rec.tail[0]).toContain('[REDACTED]');
    expect(rec.provider).toBe('deepseek-v3');
  });

  it('keeps whole lines when several processes append at once', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    const writers = 4;
    const perWriter = 1500;
    const script = `
      import { createJiti } from 'jiti';
      const jiti = createJiti(${JSON.stringify(import.meta.url)});
      const { JobLog } = await jiti.import(${JSON.stringify(path.join(here, 'writer.ts'))});
      const log = new JobLog(process.argv[1]);
      const pad = 'x'.repeat(Number(process.argv[3]));
      for (let i = 0; i < ${perWriter}; i++) log.append({ event: 'attempt.end', job: process.argv[2], runId: String(i), scheduledFor: '2026-04-19T14:00:00Z', trigger: 'cron', pad });
    `;
    const cwd = path.resolve(here, '../..'); // so the child resolves 'jiti' from the project
    await Promise.all(
      Array.from(
        { length: writers },
        (_, w) =>
          new Promise<void>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--input-type=module', '-e', script, file, `w${w}`, String(200 + w * 3000)],
              { cwd, stdio: ['ignore', 'inherit', 'inherit'] },
            );
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
          }),
      ),
    );
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(writers * perWriter);
    const counts = new Map<string, number>();
    for (const line of lines) {
      const rec = JSON.parse(line); // throws if two writes interleaved inside a line
      counts.set(rec.job, (counts.get(rec.job) ?? 0) + 1);
    }
    for (let w = 0; w < writers; w++) expect(counts.get(`w${w}`)).toBe(perWriter);
  });
});

describe('newRunId', () => {
  it('is short, unique and sorts by time', () => {
    const a = newRunId(Date.parse('2026-04-19T14:00:00Z'));
    const b = newRunId(Date.parse('2026-04-19T14:00:01Z'));
    expect(a.length).toBeLessThanOrEqual(16);
    expect(a < b).toBe(true);
    const ids = new Set(Array.from({ length: 1000 }, () => newRunId(0)));
    expect(ids.size).toBe(1000);
  });
});

describe('JobLog.appendAll', () => {
  it('writes several records as whole lines in order, in one append', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-log-all-'));
    const file = path.join(dir, 'jobs.jsonl');
    const log = new JobLog(file);
    const base = { job: 'serve', runId: 'r1', scheduledFor: '2026-04-19T14:00:00.000Z', trigger: 'manual' as const };
    log.appendAll([
      { ...base, event: 'run.start' },
      { ...base, event: 'attempt.end', provider: 'p', model: 'm', outcome: 'ok', ms: 3 },
      { ...base, event: 'run.end', outcome: 'ok', durationMs: 4 },
    ]);
    log.appendAll([]);
    log.close();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l).event)).toEqual(['run.start', 'attempt.end', 'run.end']);
  });
});

describe('JobLog.forRun', () => {
  it("stamps each record with the time it is logged and the run's job, runId, scheduledFor and trigger, as a hand-built record is written", () => {
    const dir = tmp();
    const clock = new ManualClock(Date.parse('2026-04-19T14:15:01.800Z'));
    const stamp = { job: 'threads', runId: 'r9', scheduledFor: '2026-04-19T14:15:00.000Z', trigger: 'cron' as const };
    const viaRun = new JobLog(path.join(dir, 'run.jsonl'), { clock });
    const log = viaRun.forRun(stamp);
    log('run.start', { lateMs: 1800 });
    clock.advance(900);
    log('attempt.end', { provider: 'p', outcome: 'failed', httpStatus: 503 }, 'warn');
    viaRun.close();
    const byHand = new JobLog(path.join(dir, 'hand.jsonl'));
    byHand.append({ ts: '2026-04-19T14:15:01.800Z', level: 'info', event: 'run.start', ...stamp, lateMs: 1800 });
    byHand.append({
      ts: '2026-04-19T14:15:02.700Z',
      level: 'warn',
      event: 'attempt.end',
      ...stamp,
      provider: 'p',
      outcome: 'failed',
      httpStatus: 503,
    });
    byHand.close();
    expect(fs.readFileSync(path.join(dir, 'run.jsonl'), 'utf8')).toBe(
      fs.readFileSync(path.join(dir, 'hand.jsonl'), 'utf8'),
    );
  });

  it('writes any fields of a run record exactly as the whole record would be written (scrubbed, undefined left out, a stamp key replaced in place)', () => {
    const dir = tmp();
    const clock = new ManualClock(Date.parse('2026-04-19T14:15:01.800Z'));
    const secrets = ['sk-live-0123456789abcdef'];
    const stamp = { job: 'threads', runId: 'r9', scheduledFor: '2026-04-19T14:15:00.000Z', trigger: 'cron' as const };
    const cases: Array<Record<string, unknown>> = [
      { error: 'HTTP 401: key sk-live-0123456789abcdef refused', provider: 'p', ms: 12 },
      { outcome: 'ok', httpStatus: undefined, nested: { why: ['sk-live-0123456789abcdef', 3, null] }, flag: true },
      { 7: 'seven', later: 'x', 2: 'two', at: new Date(0), nan: Number.NaN, fn: () => 1 },
      { job: 'other', extra: 'é "quoted" \n line', trigger: 'manual' },
      {},
    ];
    const viaRun = new JobLog(path.join(dir, 'run.jsonl'), { clock, secrets });
    const log = viaRun.forRun(stamp);
    for (const fields of cases) log('attempt.end', fields, 'warn');
    log('run.end');
    viaRun.close();
    const ts = '2026-04-19T14:15:01.800Z';
    const byHand = new JobLog(path.join(dir, 'hand.jsonl'), { secrets });
    for (const fields of cases) byHand.append({ ts, level: 'warn', event: 'attempt.end', ...stamp, ...fields });
    byHand.append({ ts, level: 'info', event: 'run.end', ...stamp });
    byHand.close();
    const written = fs.readFileSync(path.join(dir, 'run.jsonl'), 'utf8');
    expect(written).toBe(fs.readFileSync(path.join(dir, 'hand.jsonl'), 'utf8'));
    expect(written).not.toContain('sk-live');
    expect(JSON.parse(written.split('\n')[3])).toMatchObject({ job: 'other', trigger: 'manual' });
  });

  it('hands the records to another writer when told (the time is still taken when they are logged)', () => {
    const clock = new ManualClock(Date.parse('2026-04-19T14:00:00.000Z'));
    const held: RunRecord[] = [];
    const log = new JobLog(path.join(tmp(), 'unused.jsonl'), { clock }).forRun(
      { job: 'serve', runId: 'r1', scheduledFor: '2026-04-19T14:00:00.000Z', trigger: 'manual' },
      { append: (record) => void held.push(record) },
    );
    log('run.start');
    clock.advance(5);
    log('run.end', { outcome: 'ok' });
    expect(held.map((r) => r.toInput())).toEqual([
      {
        ts: '2026-04-19T14:00:00.000Z',
        level: 'info',
        event: 'run.start',
        job: 'serve',
        runId: 'r1',
        scheduledFor: '2026-04-19T14:00:00.000Z',
        trigger: 'manual',
      },
      {
        ts: '2026-04-19T14:00:00.005Z',
        level: 'info',
        event: 'run.end',
        job: 'serve',
        runId: 'r1',
        scheduledFor: '2026-04-19T14:00:00.000Z',
        trigger: 'manual',
        outcome: 'ok',
      },
    ]);
  });
});
