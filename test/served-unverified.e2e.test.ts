/**
 * A slot counted as served on another host only because a skip line of this host says so, through
 * the built CLI: the run it names is in no log read, so nothing confirms it (a stale or forged line
 * reads the same). gaps, status and the report count it as served and say so honestly ("served on
 * host-a (its run not in the logs read)", `unverified`); the watchdog does not page on it; read
 * with the other host's log, the run is there and the flag goes.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';
import { writeRecords } from './helpers/log-lines.js';

const PROVIDERS = [{ name: 'deepseek-v3', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }];
const NOW = '2026-12-07T10:10:00Z';
const slot = (hhmm: string) => `2026-12-07T${hhmm}:00.000Z`;
const at = (hhmm: string, seconds: number) => new Date(Date.parse(slot(hhmm)) + seconds * 1000).toISOString();

type Rec = Record<string, unknown>;
function run(hhmm: string, runId: string, end: Rec): Rec[] {
  const common = { level: 'info', job: 'threads', runId, scheduledFor: slot(hhmm), trigger: 'cron' };
  return [
    { ts: at(hhmm, 2), event: 'run.start', ...common, schedule: '*/15 * * * *', tz: 'UTC' },
    { ts: at(hhmm, 5), event: 'run.end', ...common, durationMs: 3000, ...end },
  ];
}
const ok = (hhmm: string, runId: string) => run(hhmm, runId, { outcome: 'ok', provider: 'deepseek-v3' });
const skip = (hhmm: string, runId: string, servedRunId: string) =>
  run(hhmm, runId, { outcome: 'skipped', reason: 'served', servedBy: 'host-a', servedRunId });

describe('a slot served elsewhere whose serving run is in no log read', () => {
  it('counts as served, is flagged unverified in gaps, status and the report, and pages nobody', async () => {
    const dir = tempProject({
      log: 'logs/jobs.jsonl',
      providers: PROVIDERS,
      jobs: { threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'out', prompt: 'x' } },
    });
    // host A served 09:30 (its log is elsewhere); this host served 09:00, 09:15, 09:45 and skipped
    // 09:30 and 10:00 as served by A, but A's log shows no 10:00 run: only the skip says so
    const logA = path.join(dir, 'a', 'jobs.jsonl');
    writeRecords(logA, ok('09:30', 'a0930'));
    writeRecords(path.join(dir, 'logs', 'jobs.jsonl'), [
      ...ok('09:00', 'b0900'),
      ...ok('09:15', 'b0915'),
      ...skip('09:30', 'b0930', 'a0930'),
      ...ok('09:45', 'b0945'),
      ...skip('10:00', 'b1000', 'a1000'),
    ]);
    const cli = (args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    const window = ['--since', '2026-12-07T09:00:00Z'];

    const alone = await cli(['postmortem', 'gaps', '--json', ...window]);
    expect(alone.json.gaps).toEqual([]);
    expect(alone.json.jobs[0]).toMatchObject({ served: 5, missing: 0, servedElsewhere: 2, unverified: 2 });
    expect(alone.json.servedElsewhere).toEqual([
      { job: 'threads', slot: slot('09:30'), host: 'host-a', unverified: true },
      { job: 'threads', slot: slot('10:00'), host: 'host-a', unverified: true },
    ]);
    const human = await cli(['postmortem', 'gaps', ...window]);
    expect(human.stdout).toContain(
      'Served elsewhere, unverified (2): threads 09:30Z served on host-a (its run not in the logs read)',
    );
    // the watchdog stays quiet: served is what the record says, and a skip is not a gap
    const watchdog = await cli(['postmortem', 'gaps', '--fail-on-gap', ...window]);
    expect([watchdog.exitCode, watchdog.stdout, watchdog.stderr]).toEqual([0, '', '']);
    const plan = await cli(['backfill', '--dry-run', '--json', ...window]);
    expect(plan.json.slots).toEqual([]);

    const status = await cli(['status', '--json', '--since', '2h']);
    expect(status.json.jobs[0].last).toMatchObject({
      slot: slot('10:00'),
      outcome: 'ok',
      servedOn: 'host-a',
      unverified: true,
    });
    const statusText = await cli(['status', '--since', '2h']);
    expect(statusText.stdout).toContain('ok on host-a (its run not in the logs read)');

    const report = await cli(['postmortem', 'report', '--json', ...window]);
    expect(report.json.unverified).toEqual([
      { job: 'threads', slot: slot('09:30'), servedOn: 'host-a' },
      { job: 'threads', slot: slot('10:00'), servedOn: 'host-a' },
    ]);
    expect(report.json.jobs[0].cells.find((c: any) => c.slot === slot('10:00'))).toMatchObject({
      outcome: 'served',
      servedOn: 'host-a',
      unverified: true,
    });
    const md = await cli(['postmortem', 'report', '--md', '-', ...window]);
    expect(md.stdout).toContain('## Served on another host, unverified');
    expect(md.stdout).toContain('host-a (its run not in the logs read)');

    // with host A's log read too, 09:30's run is there: no longer unverified; 10:00 still is
    const both = await cli(['postmortem', 'gaps', '--json', ...window, '--log', logA]);
    expect(both.json.jobs[0]).toMatchObject({ served: 5, servedElsewhere: 1, unverified: 1, doubled: 0 });
    expect(both.json.servedElsewhere).toEqual([
      { job: 'threads', slot: slot('10:00'), host: 'host-a', unverified: true },
    ]);
  });
});
