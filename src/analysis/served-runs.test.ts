/**
 * A slot's serves are its distinct runs: the same run's records read twice (a log given on stdin
 * that overlaps the configured log's rotations) serve it once, in one ledger, in the merge of two
 * threads' ledgers, and through the threads reading a file; distinct runs are still a double.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../log/types.js';
import { analyzeLogs, buildLedger, findGaps, type JobSchedule } from './gaps.js';
import { mergeLedger, snapshotLedger } from './ledger-merge.js';
import { runLines } from '../../test/helpers/log-lines.js';

const T = (hhmm: string) => `2026-04-19T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(T(hhmm)) + seconds * 1000).toISOString();
const blog: JobSchedule = { name: 'blog', schedule: '0 * * * *', tz: 'UTC' };
const WINDOW = { since: new Date(T('12:00')), until: new Date(T('15:30')) };
const OPTS = { now: new Date(T('15:30')), presize: false };

/** A cron run of blog for slot `hhmm`: run.start, then its ok run.end. */
function ok(hhmm: string, runId: string): LogRecord[] {
  const common = { level: 'info' as const, job: 'blog', runId, scheduledFor: T(hhmm), trigger: 'cron' as const };
  return [
    { ...common, ts: at(hhmm, 2), event: 'run.start', schedule: '0 * * * *', tz: 'UTC' },
    { ...common, ts: at(hhmm, 9), event: 'run.end', outcome: 'ok', provider: 'p', durationMs: 7000 },
  ];
}
const hours = ['12:00', '13:00', '14:00', '15:00'];
const day = () => hours.flatMap((h) => ok(h, `r${h}`));

async function report(records: LogRecord[]) {
  return findGaps([blog], await buildLedger([blog], WINDOW, records, OPTS));
}
/** `one` and `two` read as two ranges and merged, as the threads do. */
async function merged(one: LogRecord[], two: LogRecord[]) {
  const first = await buildLedger([blog], WINDOW, one, OPTS);
  mergeLedger(first, snapshotLedger(await buildLedger([blog], WINDOW, two, OPTS)));
  return findGaps([blog], first);
}
const double = (hhmm: string, runs: number) => ({ job: 'blog', slot: T(hhmm), runs });

describe('one ledger', () => {
  it('the same ok run.end read twice is one serve; the whole run read twice leaves no run unended', async () => {
    const end = day()[5]; // 14:00's run.end
    for (const records of [
      [...day(), end],
      [...day(), ...day()],
    ]) {
      const r = await report(records);
      expect(r.doubles).toEqual([]);
      expect(r.gaps).toEqual([]);
      expect(r.jobs[0]).toMatchObject({ slots: 4, served: 4, doubled: 0, failed: 0, missing: 0 });
    }
  });

  it('distinct runs of a slot are each a serve, read once or twice', async () => {
    const two = [...day(), ...ok('14:00', 'again')];
    expect((await report(two)).doubles).toEqual([double('14:00', 2)]);
    expect((await report([...two, ...two])).doubles).toEqual([double('14:00', 2)]);
    // a third and fourth run, and the second and third read again
    const four = [...two, ...ok('14:00', 'third'), ...ok('14:00', 'again'), ...ok('14:00', 'fourth')];
    expect((await report([...four, ...ok('14:00', 'third')])).doubles).toEqual([double('14:00', 4)]);
  });
});

describe('two ranges merged', () => {
  it('a run in both ranges is one serve; a run in each is two', async () => {
    expect((await merged(day(), day())).doubles).toEqual([]);
    expect((await merged(day(), day().slice(4))).doubles).toEqual([]);
    expect((await merged(day(), ok('14:00', 'again'))).doubles).toEqual([double('14:00', 2)]);
    // pairs and longer lists on either side, overlapping in part
    const a = [...ok('14:00', 'x'), ...ok('14:00', 'y')];
    const b = [...ok('14:00', 'y'), ...ok('14:00', 'z'), ...ok('14:00', 'w')];
    expect((await merged(a, b)).doubles).toEqual([double('14:00', 4)]);
    expect((await merged(b, a)).doubles).toEqual([double('14:00', 4)]);
    expect((await merged([...a, ...b], [...b, ...a])).doubles).toEqual([double('14:00', 4)]);
    // one range that holds the run twice, the other once more
    expect((await merged([...ok('14:00', 'x'), ...ok('14:00', 'x')], ok('14:00', 'x'))).doubles).toEqual([]);
  });

  it('through the threads: a file holding its lines twice is read as once, by one thread or two', async () => {
    const lines = (runId: (hhmm: string) => string) =>
      hours.flatMap((h) => {
        const run = runLines({ job: 'blog', runId: runId(h), scheduledFor: T(h), trigger: 'cron' }, (ms) =>
          new Date(Date.parse(T(h)) + 2000 + ms).toISOString(),
        );
        return [run.start({ schedule: '0 * * * *', tz: 'UTC' }), run.end(7000, { outcome: 'ok', durationMs: 7000 })];
      });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-served-runs-'));
    const write = (name: string, text: string[]) => {
      fs.writeFileSync(path.join(dir, name), text.join('\n') + '\n');
      return path.join(dir, name);
    };
    const once = lines((h) => `r${h}`);
    const twice = write('twice.jsonl', [...once, ...once]);
    const real = write('real.jsonl', [...once, ...once, ...lines((h) => `s${h}`).slice(4, 6)]);
    const ran: boolean[] = [];
    const run = (file: string, threads: number) =>
      analyzeLogs([blog], WINDOW, [file], {
        rotated: false,
        lateAfterMs: 60_000,
        now: OPTS.now,
        parallel: { threads, minBytes: 0, onWorker: (w) => ran.push(w) },
      });
    for (const threads of [1, 2]) {
      expect((await run(twice, threads)).doubles).toEqual([]);
      expect((await run(real, threads)).doubles).toEqual([double('14:00', 2)]);
    }
    expect(ran).toEqual([true, true]); // the second range of each two-thread read was a worker's
  });
});
