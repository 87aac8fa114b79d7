/**
 * `backfill` end to end: real generate runs make the log of an outage (failed and missing
 * slots), then backfill fills exactly those slots, once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { heldProvider } from './helpers/held-provider.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

const AFTER = '2026-04-19T15:30:00Z';

/** Runs that cannot time out (what they serve is what counts); `primary` in front of the sim if given. */
function outageProject(primary = sim.url) {
  const cfg = patient(
    simConfig({ primary, fallback: sim.url }, { breaker: { failureThreshold: 1000, cooldownMs: 300000 } }),
  ) as any;
  delete cfg.jobs.stories;
  return tempProject(cfg);
}

async function gen(dir: string, job: string, slot: string) {
  return runCli(['generate', job, '--json', '--slot', slot], { cwd: dir, env: { LUCY_OPS_NOW: slot } });
}

/** 14:00 healthy; threads 14:15 and 14:30 fail (all providers 503); 14:45, 15:15 threads and 15:00 blog never ran. */
async function makeOutage(dir: string) {
  sim.setScript({ '*': { kind: 'ok' } });
  expect((await gen(dir, 'blog', '2026-04-19T14:00:00Z')).exitCode).toBe(0);
  expect((await gen(dir, 'threads', '2026-04-19T14:00:00Z')).exitCode).toBe(0);
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  expect((await gen(dir, 'threads', '2026-04-19T14:15:00Z')).exitCode).toBe(69);
  expect((await gen(dir, 'threads', '2026-04-19T14:30:00Z')).exitCode).toBe(69);
  sim.setScript({ '*': { kind: 'ok' } });
  expect((await gen(dir, 'threads', '2026-04-19T15:00:00Z')).exitCode).toBe(0);
}

const EXPECTED = [
  { job: 'blog', slot: '2026-04-19T15:00:00.000Z', was: 'missing' },
  { job: 'threads', slot: '2026-04-19T14:15:00.000Z', was: 'failed' },
  { job: 'threads', slot: '2026-04-19T14:30:00.000Z', was: 'failed' },
  { job: 'threads', slot: '2026-04-19T14:45:00.000Z', was: 'missing' },
  { job: 'threads', slot: '2026-04-19T15:15:00.000Z', was: 'missing' },
];

describe('backfill', () => {
  it('says nothing is owed over the true window: a 24-hour window prints both dates', async () => {
    const dir = tempProject({
      log: 'logs/jobs.jsonl',
      providers: [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }],
      jobs: { hourly: { schedule: '0 * * * *', command: ['node', '-e', '0'] } },
    });
    const at = (now: string, args: string[]) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
    expect((await at('2026-04-19T12:00:00Z', ['run', 'hourly', '--json'])).exitCode).toBe(0);
    const day = await at('2026-04-19T12:30:00Z', ['backfill', '--dry-run', '--since', '24h']);
    expect(day.exitCode, day.stderr).toBe(0);
    expect(day.stdout).toContain('Nothing to backfill between 2026-04-18 12:30Z and 2026-04-19 12:30Z:');
    const today = await at('2026-04-19T12:30:00Z', ['backfill', '--dry-run', '--since', '1h']);
    expect(today.stdout).toContain('Nothing to backfill between 11:30Z and 12:30Z:');
  });

  it('plans exactly the unserved slots, fills each once, and a second backfill does nothing', async () => {
    const dir = outageProject();
    await makeOutage(dir);
    const backfill = (...args: string[]) =>
      runCli(['backfill', '--since', '2026-04-19T14:00:00Z', '--json', ...args], {
        cwd: dir,
        env: { LUCY_OPS_NOW: AFTER },
      });

    const plan = await backfill('--dry-run');
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.json.slots.map(({ job, slot, was, status }: any) => ({ job, slot, was, status }))).toEqual(
      EXPECTED.map((e) => ({ ...e, status: 'planned' })),
    );

    const done = await backfill();
    expect(done.exitCode, done.stderr).toBe(0);
    expect(done.json).toMatchObject({ filled: 5, failed: 0, skipped: 0 });
    for (const e of EXPECTED) {
      const files = fs.readdirSync(path.join(dir, 'content', e.job));
      const stamp = e.slot.slice(0, 13) + e.slot.slice(14, 16) + 'Z';
      expect(files.filter((f) => f.startsWith(`${stamp}--`))).toHaveLength(1);
    }
    const ends = readLog(dir).filter((l) => l.event === 'run.end' && l.trigger === 'backfill');
    expect(ends.map((l) => `${l.job} ${l.scheduledFor} ${l.outcome}`).sort()).toEqual(
      EXPECTED.map((e) => `${e.job} ${e.slot} ok`).sort(),
    );

    const again = await backfill();
    expect(again.exitCode).toBe(0);
    expect(again.json).toMatchObject({ slots: [], filled: 0, failed: 0, skipped: 0 });

    const gaps = await runCli(['postmortem', 'gaps', '--since', '2026-04-19T14:00:00Z', '--json'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: AFTER },
    });
    expect(gaps.json.gaps).toEqual([]);
  }); // nine CLI processes in a row: ~3 s on an idle machine, past 30 s under a shared full suite

  it('stops early with exit 69 when no provider can serve, leaving the rest for a later run', async () => {
    const dir = outageProject();
    await makeOutage(dir);
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    const r = await runCli(['backfill', '--since', '2026-04-19T14:00:00Z', '--json'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: AFTER },
    });
    expect(r.exitCode).toBe(69);
    expect(r.json.slots[0]).toMatchObject({ status: 'failed' });
    expect(
      r.json.slots.slice(1).every((s: any) => s.status === 'skipped' && /no provider could serve/.test(s.reason)),
    ).toBe(true);
    expect(readLog(dir).filter((l) => l.event === 'run.start' && l.trigger === 'backfill')).toHaveLength(1);
    // the whole chain failing is alert-worthy in a backfill too (one stderr line for MAILTO)
    expect(r.stderr).toMatch(/ALERT chain-failed: blog/);
  });

  it('never doubles a slot that a cron run is serving right now', async () => {
    // the cron run holds its slot until the backfill (a new process, under any load) is done: its
    // primary holds the request until the test lets go, not until a timer runs out
    const primary = await heldProvider(sim.url);
    try {
      const dir = outageProject(primary.url);
      await makeOutage(dir);
      // a cron run for threads 14:45 is stuck on its primary while the backfill starts
      sim.setScript({ '*': { kind: 'ok' } });
      const held = primary.holdNext();
      const cron = gen(dir, 'threads', '2026-04-19T14:45:00Z');
      await held.arrived;
      const r = await runCli(['backfill', '--since', '2026-04-19T14:00:00Z', '--json'], {
        cwd: dir,
        env: { LUCY_OPS_NOW: AFTER },
      });
      held.release();
      expect(r.exitCode, r.stderr).toBe(0);
      const slot = r.json.slots.find((s: any) => s.slot === '2026-04-19T14:45:00.000Z');
      expect(slot).toMatchObject({ status: 'skipped' });
      expect(slot.reason).toMatch(/locked|running/);
      expect(r.json.filled).toBe(4);
      const c = await cron;
      expect(c.json).toMatchObject({ status: 'ok', provider: 'deepseek-v3' }); // the held attempt failed, the retry served
      const oks = readLog(dir).filter(
        (l) =>
          l.event === 'run.end' &&
          l.outcome === 'ok' &&
          l.job === 'threads' &&
          l.scheduledFor === '2026-04-19T14:45:00.000Z',
      );
      expect(oks).toHaveLength(1);
    } finally {
      await primary.close();
    }
  });
});
