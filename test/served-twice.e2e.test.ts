/**
 * A fleet's record read through the built CLI, from hand-made logs of two hosts: host B skipped a
 * slot as served by host A's run (servedRunId), then served it again itself by hand while Redis was
 * down. B's log alone proves two serves; read with A's log it is still two, never three; status,
 * late runs and the report say who served what. A run whose records are read twice (a duplicated
 * line, or stdin overlapping the configured log) is one serve, not a double.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { writeRecords } from './helpers/log-lines.js';

const PROVIDERS = [{ name: 'deepseek-v3', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const NOW = '2026-12-07T10:10:00Z';
const slot = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(slot(hhmm)) + seconds * 1000).toISOString();

type Rec = Record<string, unknown>;
function run(hhmm: string, runId: string, end: Rec, trigger = 'cron', startAfter = 2): Rec[] {
  const common = { level: 'info', job: 'threads', runId, scheduledFor: slot(hhmm), trigger };
  return [
    { ts: at(hhmm, startAfter), event: 'run.start', ...common, schedule: '*/15 * * * *', tz: 'UTC' },
    { ts: at(hhmm, startAfter + 3), event: 'run.end', ...common, durationMs: 3000, ...end },
  ];
}
const ok = (hhmm: string, runId: string, trigger = 'cron', startAfter = 2) =>
  run(hhmm, runId, { outcome: 'ok', provider: 'deepseek-v3' }, trigger, startAfter);
const skip = (hhmm: string, runId: string, servedRunId: string) =>
  run(hhmm, runId, { outcome: 'skipped', reason: 'served', servedBy: 'host-a', servedRunId });

/** A serves 09:00 and 09:30; B skips both, then runs 09:00 by hand at 09:20; nobody runs 09:15. */
function fleet(): { dir: string; logA: string } {
  const dir = tempProject({
    log: 'logs/jobs.jsonl',
    providers: PROVIDERS,
    jobs: { threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'out', prompt: 'x' } },
  });
  const write = writeRecords;
  const logA = path.join(dir, 'a', 'jobs.jsonl');
  write(logA, [...ok('09:00', 'a0900'), ...ok('09:30', 'a0930'), ...ok('09:45', 'a0945'), ...ok('10:00', 'a1000')]);
  write(path.join(dir, 'logs', 'jobs.jsonl'), [
    ...skip('09:00', 'b0900', 'a0900'),
    ...ok('09:00', 'b0900m', 'manual', 20 * 60),
    ...skip('09:30', 'b0930', 'a0930'),
    ...skip('09:45', 'b0945', 'a0945'),
    ...skip('10:00', 'b1000', 'a1000'),
  ]);
  return { dir, logA };
}

describe('a slot skipped as served elsewhere and then served here', () => {
  it('is a double on this host’s log alone and with the other host’s (×2 both times), never late here', async () => {
    const { dir, logA } = fleet();
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const window = ['--since', '2026-12-07T09:00:00Z', '--job', 'threads'];
    const alone = await cli(['postmortem', 'gaps', '--json', ...window]);
    expect(alone.json.doubles).toEqual([{ job: 'threads', slot: slot('09:00'), runs: 2 }]);
    expect(alone.json.late).toEqual([]);
    expect(alone.json.jobs[0]).toMatchObject({ doubled: 1, servedElsewhere: 4, missing: 1 });
    const both = await cli(['postmortem', 'gaps', '--json', ...window, '--log', logA]);
    expect(both.json.doubles).toEqual([{ job: 'threads', slot: slot('09:00'), runs: 2 }]);
    // every serving run is in the logs read now
    expect(both.json.jobs[0]).toMatchObject({ doubled: 1, servedElsewhere: 0, missing: 1 });
    const watchdog = await cli(['postmortem', 'gaps', ...window, '--fail-on-gap']);
    expect(watchdog.exitCode).toBe(1);
    expect(watchdog.stderr).toMatch(/served more than once: threads 2026-12-07 09:00Z \(2 runs\)/);
  });

  it('status names the server of the run it shows: this host’s own ok run is not the other host’s', async () => {
    const { dir } = fleet();
    const status = (now: string) =>
      runCli(['status', '--json', '--since', '2h', '--job', 'threads'], { cwd: dir, env: { LUCY_OPS_NOW: now } });
    // 09:15 is due, not judged yet (no run has come): shown as the last slot; the last one served
    // is 09:00, served here by hand (the log holds it), and twice, as gaps says
    const early = await status('2026-12-07T09:15:30Z');
    expect(early.json.jobs[0].last).toMatchObject({ slot: slot('09:15'), outcome: 'due', provider: null });
    expect(early.json.jobs[0].lastServed).toMatchObject({
      slot: slot('09:00'),
      provider: 'deepseek-v3',
      servedOn: null,
    });
    expect(early.json.jobs[0].doubles).toEqual([{ slot: slot('09:00'), runs: 2 }]);
    // 10:00: only host A's run served it
    const late = await status(NOW);
    expect(late.json.jobs[0].last).toMatchObject({
      slot: slot('10:00'),
      outcome: 'ok',
      provider: null,
      servedOn: 'host-a',
      // host A's log is not read here: only B's skip says so
      unverified: true,
    });
    // the double, in the on-call's words: a line under the tables (the watchdog pages for it)
    const text = await runCli(['status', '--since', '2h', '--job', 'threads'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW },
    });
    expect(text.stdout).toMatch(
      /^Served more than once \(1\): threads 09:00Z ×2; see the runbook, "A slot was served more than once"$/m,
    );
    expect(late.json.jobs[0].doubles).toEqual([{ slot: slot('09:00'), runs: 2 }]);
  });
});

describe('the report of that fleet host', () => {
  it('says the slot was served on the other host (not filled later here) and lists it as served more than once', async () => {
    const { dir } = fleet();
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const window = ['--since', '2026-12-07T09:00:00Z', '--job', 'threads'];
    const report = await cli(['postmortem', 'report', '--json', ...window]);
    expect(report.json.doubles).toEqual([{ job: 'threads', slot: slot('09:00'), runs: 2 }]);
    expect(report.json.jobs[0].cells[0]).toEqual({
      slot: slot('09:00'),
      outcome: 'served',
      servedOn: 'host-a',
      unverified: true,
    });
    // as gaps has it: 09:15 alone is missing, served again at 09:30
    expect(report.json.incidents[0]).toMatchObject({ start: slot('09:15'), end: slot('09:30'), slots: 1, missing: 1 });
    expect(report.json.headline).toMatchObject({ filled: 0, missing: 1 });
    const md = await cli(['postmortem', 'report', '--md', '-', ...window]);
    expect(md.stdout).toContain('## Served more than once');
    expect(md.stdout).toContain('| threads | 2026-12-07 09:00Z | 2 |');
    expect(md.stdout).not.toContain('filled later by');
    const file = path.join(dir, 'report.html');
    expect((await cli(['postmortem', 'report', '--html', file, ...window])).exitCode).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toContain('<h2 id="h-doubles">Served more than once</h2>');
  });
});

describe('a run whose records are read twice (a copy of the log, or stdin overlapping it)', () => {
  /** This host serves 09:00 to 10:00 once each; its 09:30 run.end is in the log twice. */
  function project(): string {
    const dir = tempProject({
      log: 'logs/jobs.jsonl',
      providers: PROVIDERS,
      jobs: { threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'out', prompt: 'x' } },
    });
    const log = path.join(dir, 'logs', 'jobs.jsonl');
    writeRecords(
      log,
      ['09:00', '09:15', '09:30', '09:45', '10:00'].flatMap((h) => ok(h, `a${h}`)),
    );
    const end = fs
      .readFileSync(log, 'utf8')
      .split('\n')
      .find((line) => line.includes('"run.end"') && line.includes(slot('09:30')));
    fs.appendFileSync(log, end + '\n');
    return dir;
  }
  const window = ['--since', '2026-12-07T09:00:00Z', '--job', 'threads'];

  it('is one serve: the watchdog does not page, status shows no ×2, the report lists no double', async () => {
    const dir = project();
    const cli = (args: string[], input?: string) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW }, input });
    const watchdog = await cli(['postmortem', 'gaps', ...window, '--fail-on-gap']);
    expect(watchdog.stderr).not.toMatch(/served more than once/);
    expect(watchdog.exitCode).toBe(0);
    // the whole log again on stdin, beside the configured log (the docs' zcat example overlapping it)
    const log = fs.readFileSync(path.join(dir, 'logs', 'jobs.jsonl'), 'utf8');
    const both = await cli(['postmortem', 'gaps', '--json', ...window, '--log', '-'], log);
    expect(both.json.doubles).toEqual([]);
    expect(both.json.gaps).toEqual([]);
    expect(both.json.jobs[0]).toMatchObject({ served: 5, doubled: 0, failed: 0, missing: 0 });
    const status = await cli(['status', '--since', '2h', '--job', 'threads']);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).not.toMatch(/×2|Served more than once/);
    const file = path.join(dir, 'report.html');
    expect((await cli(['postmortem', 'report', '--html', file, ...window])).exitCode).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('id="h-doubles"');
  });

  it('a real double beside it still pages', async () => {
    const dir = project();
    const log = path.join(dir, 'logs', 'jobs.jsonl');
    fs.appendFileSync(
      log,
      ok('09:45', 'b0945m', 'manual', 5 * 60)
        .map((r) => JSON.stringify(r) + '\n')
        .join(''),
    );
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const watchdog = await cli(['postmortem', 'gaps', ...window, '--fail-on-gap']);
    expect(watchdog.exitCode).toBe(1);
    expect(watchdog.stderr).toMatch(/served more than once: threads 2026-12-07 09:45Z \(2 runs\)/);
    expect(watchdog.stderr).not.toMatch(/09:30Z/);
  });
});
