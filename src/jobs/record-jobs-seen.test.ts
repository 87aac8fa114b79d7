import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlotLedger } from '../analysis/ledger.js';
import type { ResolvedConfig } from '../config/types.js';
import { recordJobsSeen } from './record-jobs-seen.js';

const NOW = Date.parse('2026-04-19T12:30:00Z');
const WINDOW = { since: new Date('2026-04-19T10:00:00Z'), until: new Date(NOW) };
const job = { schedule: '0 * * * *', tz: 'UTC' };
const configOf = (log: string, names: string[]) =>
  ({ log, jobs: Object.fromEntries(names.map((n) => [n, job])) }) as unknown as ResolvedConfig;
const lines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('recordJobsSeen', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-seen-')), 'logs/jobs.jsonl');
  const opts = { now: NOW, complete: true, warn: () => {} };
  const ledgerOf = () => {
    const ledger = new SlotLedger([], WINDOW, { now: new Date(NOW) });
    for (const record of lines(file)) ledger.add(record);
    return ledger;
  };

  it('seeds an empty log, then writes only names not seen, once; the ledger judges with it at once', async () => {
    const first = ledgerOf();
    expect(await recordJobsSeen(configOf(file, ['blog', 'threads']), first, opts)).toEqual({
      jobs: ['blog', 'threads'],
      removed: [],
      back: {},
    });
    expect(first.jobsSeen.has('blog')).toBe(true);
    expect(await recordJobsSeen(configOf(file, ['blog', 'threads']), ledgerOf(), opts)).toEqual({
      jobs: [],
      removed: [],
      back: {},
    });
    const later = ledgerOf();
    expect(
      (await recordJobsSeen(configOf(file, ['blog', 'threads', 'fresh']), later, { ...opts, now: NOW + 60_000 })).jobs,
    ).toEqual(['fresh']);
    expect(later.jobsSeen.addedAt('fresh')).toBe(NOW + 60_000);
    expect(lines(file).map((r) => [r.event, r.job, r.jobs, r.seed ?? false])).toEqual([
      ['jobs.seen', 'watchdog', ['blog', 'threads'], true],
      ['jobs.seen', 'watchdog', ['fresh'], false],
    ]);
  });

  it('writes nothing when a log was not read to its end, and counts nothing it could not write', async () => {
    const before = lines(file).length;
    expect(await recordJobsSeen(configOf(file, ['other']), ledgerOf(), { ...opts, complete: false })).toEqual({
      jobs: [],
      removed: [],
      back: {},
    });
    expect(lines(file)).toHaveLength(before);
    // a log path under a regular file cannot be written: the note is not taken into judging
    const blocked = path.join(file, 'cannot/jobs.jsonl');
    const warnings: string[] = [];
    const ledger = new SlotLedger([], WINDOW);
    const note = await recordJobsSeen(configOf(blocked, ['other']), ledger, { ...opts, warn: (m) => warnings.push(m) });
    expect([note.jobs, ledger.jobsSeen.any, warnings.length]).toEqual([[], false, 1]);
  });

  it('names a job taken out with its last own record, and names it again with its period out when it is back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-seen-'));
    const log = path.join(dir, 'jobs.jsonl');
    const at = (hhmm: string) => Date.parse(`2026-04-19T${hhmm}:00.000Z`);
    const run = (job: string, hhmm: string, event: string) =>
      JSON.stringify({
        ts: new Date(at(hhmm) + 5000).toISOString(),
        level: 'info',
        event,
        job,
        runId: `r${hhmm}`,
        scheduledFor: new Date(at(hhmm)).toISOString(),
        trigger: 'cron',
        ...(event === 'run.end' ? { outcome: 'ok' } : {}),
      });
    const ledgerAt = (now: number) => {
      const ledger = new SlotLedger([], { since: new Date(at('10:00')), until: new Date(now) }, { now: new Date(now) });
      for (const record of lines(log)) ledger.add(record);
      return ledger;
    };
    const write = (config: string[], now: number) =>
      recordJobsSeen(configOf(log, config), ledgerAt(now), { ...opts, now });
    await write(['blog', 'gone'], at('10:30'));
    fs.appendFileSync(
      log,
      ['11:00', '12:00'].flatMap((t) => [run('gone', t, 'run.start'), run('gone', t, 'run.end')]).join('\n') + '\n',
    );
    // a record dated ahead of the clock says nothing about when it was last in the config
    fs.appendFileSync(log, run('gone', '23:00', 'run.start') + '\n');
    expect(await write(['blog'], at('13:30'))).toEqual({ jobs: [], removed: ['gone'], back: {} });
    expect(await write(['blog'], at('14:30'))).toEqual({ jobs: [], removed: [], back: {} });
    // what the watchdog says once: the job back, and since when it was not judged
    expect(await write(['blog', 'gone'], at('15:30'))).toEqual({
      jobs: ['gone'],
      removed: [],
      back: { gone: '2026-04-19T12:00:05.000Z' },
    });
    expect(await write(['blog', 'gone'], at('16:30'))).toEqual({ jobs: [], removed: [], back: {} });
    const seen = lines(log).filter((r) => r.event === 'jobs.seen');
    expect(seen.map((r) => [r.ts.slice(11, 16), r.jobs, r.removed, r.lastSeen, r.back, r.seed])).toEqual([
      ['10:30', ['blog', 'gone'], undefined, undefined, undefined, true],
      ['13:30', [], ['gone'], { gone: '2026-04-19T12:00:05.000Z' }, undefined, undefined],
      ['15:30', ['gone'], undefined, undefined, { gone: '2026-04-19T12:00:05.000Z' }, undefined],
    ]);
    // the schedule it came back with, from the config: judged by it from then on
    expect(seen[2].backSchedule).toEqual({ gone: { schedule: '0 * * * *', tz: 'UTC' } });
    // judged with what it wrote: out after its last run until the watchdog saw it back
    expect(ledgerAt(at('16:30')).jobsSeen.periodsOut('gone')).toEqual([
      { afterMs: at('12:00') + 5000, untilMs: at('15:30') },
    ]);
  });

  it("takes a removed job's last record from every log the watchdog read, not the configured log alone", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-seen-'));
    const log = path.join(dir, 'jobs.jsonl');
    const record = (job: string, hhmm: string, event: string) => ({
      ts: `2026-04-19T${hhmm}:05.000Z`,
      level: 'info' as const,
      event,
      job,
      runId: `r${hhmm}`,
      scheduledFor: `2026-04-19T${hhmm}:00.000Z`,
      trigger: 'cron' as const,
      ...(event === 'run.end' ? { outcome: 'ok' } : {}),
    });
    await recordJobsSeen(configOf(log, ['blog', 'gone']), new SlotLedger([], WINDOW), {
      ...opts,
      now: Date.parse('2026-04-19T10:30Z'),
    });
    const seeded = lines(log);
    // host A's log has gone's 11:00 run; host B's (read with --log) its 12:00 run
    const ledger = new SlotLedger([], WINDOW, { now: new Date(NOW) });
    for (const r of [...seeded, record('gone', '11:00', 'run.start'), record('gone', '11:00', 'run.end')])
      ledger.add(r);
    for (const r of [record('gone', '12:00', 'run.start'), record('gone', '12:00', 'run.end')]) ledger.add(r);
    expect(await recordJobsSeen(configOf(log, ['blog']), ledger, opts)).toEqual({
      jobs: [],
      removed: ['gone'],
      back: {},
    });
    expect(lines(log).at(-1)).toMatchObject({ removed: ['gone'], lastSeen: { gone: '2026-04-19T12:00:05.000Z' } });
    expect(ledger.jobsSeen.periodsOut('gone')).toEqual([
      { afterMs: Date.parse('2026-04-19T12:00:05Z'), untilMs: Infinity },
    ]);
  });
});
