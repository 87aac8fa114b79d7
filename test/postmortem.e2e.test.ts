/**
 * `postmortem gaps` and `backfill` read the same logs: the configured one plus every `--log`
 * (a file or stdin). Logs are written by hand here: no provider is needed to plan.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';

const NOW = '2026-04-19T17:00:00Z';
const WINDOW = ['--since', '2026-04-19T14:00:00Z', '--until', '2026-04-19T16:00:00Z'];

function project(): string {
  return tempProject({
    log: 'logs/jobs.jsonl',
    providers: [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
    jobs: { stories: { schedule: '*/30 * * * *', outDir: 'content/stories', prompt: 'A story.' } },
  });
}

/** One served run of stories for this slot, as its log lines. */
function served(slot: string, runId: string): string {
  const base = { level: 'info', job: 'stories', runId, scheduledFor: slot, trigger: 'cron' };
  return [
    { ts: slot, event: 'run.start', ...base },
    {
      ts: slot.replace(':00.000Z', ':09.000Z'),
      event: 'run.end',
      ...base,
      outcome: 'ok',
      provider: 'p1',
      durationMs: 9000,
    },
  ]
    .map((r) => JSON.stringify(r) + '\n')
    .join('');
}

async function both(dir: string, extra: string[], input?: string) {
  const env = { LUCY_OPS_NOW: NOW };
  const gaps = await runCli(['postmortem', 'gaps', ...WINDOW, '--json', ...extra], { cwd: dir, env, input });
  const plan = await runCli(['backfill', ...WINDOW, '--dry-run', '--json', ...extra], { cwd: dir, env, input });
  expect(gaps.exitCode, gaps.stderr).toBe(0);
  expect(plan.exitCode, plan.stderr).toBe(0);
  // a gap is a run of consecutive unserved slots: list them (the schedule is every 30 minutes)
  const unserved = gaps.json.gaps.flatMap((g: any) =>
    Array.from({ length: g.slots }, (_, i) => new Date(Date.parse(g.start) + i * 30 * 60_000).toISOString()),
  );
  return { gaps: unserved, plan: plan.json.slots.map((s: any) => s.slot), stderr: [gaps.stderr, plan.stderr] };
}

describe('postmortem gaps and backfill read the same logs', () => {
  it('the configured log plus every --log: gaps and backfill --dry-run agree', async () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), served('2026-04-19T14:00:00.000Z', 'a'));
    const host2 = path.join(dir, 'host2.jsonl');
    fs.writeFileSync(host2, served('2026-04-19T15:00:00.000Z', 'b'));

    // now is 17:00: the 16:00 slot is an hour old, past any grace (pending is measured from now)
    const configuredOnly = await both(dir, []);
    expect(configuredOnly.gaps).toEqual([
      '2026-04-19T14:30:00.000Z',
      '2026-04-19T15:00:00.000Z',
      '2026-04-19T15:30:00.000Z',
      '2026-04-19T16:00:00.000Z',
    ]);
    expect(configuredOnly.plan).toEqual(configuredOnly.gaps);

    const union = await both(dir, ['--log', host2]);
    expect(union.gaps).toEqual(['2026-04-19T14:30:00.000Z', '2026-04-19T15:30:00.000Z', '2026-04-19T16:00:00.000Z']);
    expect(union.plan).toEqual(union.gaps);
    expect(union.stderr).toEqual(['', '']);

    // stdin is one more log, for both
    const piped = await both(dir, ['--log', '-'], served('2026-04-19T15:30:00.000Z', 'c'));
    expect(piped.gaps).toEqual(['2026-04-19T14:30:00.000Z', '2026-04-19T15:00:00.000Z', '2026-04-19T16:00:00.000Z']);
    expect(piped.plan).toEqual(piped.gaps);
  });

  it('a --log that does not exist is a usage error for both; a missing configured log only a warning', async () => {
    const dir = project();
    for (const cmd of [
      ['postmortem', 'gaps'],
      ['backfill', '--dry-run'],
    ]) {
      const r = await runCli([...cmd, ...WINDOW, '--log', path.join(dir, 'nope.jsonl')], {
        cwd: dir,
        env: { LUCY_OPS_NOW: NOW },
      });
      expect(r.exitCode, cmd.join(' ')).toBe(64);
      expect(r.stderr).toContain(`no such log file: ${path.join(dir, 'nope.jsonl')} (--log)`);
    }
    const host2 = path.join(dir, 'host2.jsonl');
    fs.writeFileSync(host2, served('2026-04-19T15:00:00.000Z', 'b'));
    const r = await both(dir, ['--log', host2]);
    // host2's log is all there is: judging begins at its first record (15:00)
    expect(r.gaps).toEqual(['2026-04-19T15:30:00.000Z', '2026-04-19T16:00:00.000Z']);
    expect(r.plan).toEqual(r.gaps);
    for (const stderr of r.stderr)
      expect(stderr).toMatch(
        /warning: no job log at .*logs\/jobs\.jsonl \(the configured log\): reading only .*host2\.jsonl/,
      );
  });
});

describe('a slot served twice', () => {
  it('the watchdog names it on stderr with its date and fails; --json lists it; people see which slot', async () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, 'logs'));
    const slots = ['14:00', '14:30', '15:00', '15:30', '16:00'].map((t) => `2026-04-19T${t}:00.000Z`);
    // every slot served once here; 15:00 served again by a second host, as its log says
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), slots.map((s, i) => served(s, `a${i}`)).join(''));
    const host2 = path.join(dir, 'host2.jsonl');
    fs.writeFileSync(host2, served('2026-04-19T15:00:00.000Z', 'b'));
    const env = { LUCY_OPS_NOW: NOW };
    const watchdog = await runCli(['postmortem', 'gaps', ...WINDOW, '--log', host2, '--fail-on-gap'], {
      cwd: dir,
      env,
    });
    expect(watchdog.exitCode).toBe(1);
    expect(watchdog.stderr).toContain('lucy-ops: served more than once: stories 2026-04-19 15:00Z (2 runs)');
    const json = await runCli(['postmortem', 'gaps', ...WINDOW, '--log', host2, '--json'], { cwd: dir, env });
    expect(json.json.gaps).toEqual([]);
    expect(json.json.doubles).toEqual([{ job: 'stories', slot: '2026-04-19T15:00:00.000Z', runs: 2 }]);
    const human = await runCli(['postmortem', 'gaps', ...WINDOW, '--log', host2], { cwd: dir, env });
    expect(human.stdout).toContain('Served more than once (1): stories 15:00Z ×2');
    // a gap as well: still one line, the gap first, then the doubles
    const withGap = path.join(dir, 'logs/jobs.jsonl');
    fs.writeFileSync(
      withGap,
      slots
        .filter((s) => !s.includes('T14:30'))
        .map((s, i) => served(s, `a${i}`))
        .join(''),
    );
    const both = await runCli(['postmortem', 'gaps', ...WINDOW, '--log', host2, '--fail-on-gap'], { cwd: dir, env });
    expect(both.exitCode).toBe(1);
    const lines = both.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^lucy-ops: (ALERT gap|gaps): 1 gap\(s\), 1 unserved slot\(s\): stories from 2026-04-19 14:30Z .*; served more than once: stories 2026-04-19 15:00Z \(2 runs\)$/,
    );
    fs.writeFileSync(withGap, slots.map((s, i) => served(s, `a${i}`)).join(''));
    // without the second host's log, nothing is doubled and the watchdog is quiet
    const quiet = await runCli(['postmortem', 'gaps', ...WINDOW, '--fail-on-gap'], { cwd: dir, env });
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stdout + quiet.stderr).toBe('');
  });
});
