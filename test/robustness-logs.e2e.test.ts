/**
 * Robustness, end to end: many processes on one breaker, and garbage in the job log. Real CLI
 * processes against the simulator; no sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useRobustness } from './helpers/robustness.js';

const { sim } = useRobustness();

describe('one breaker, many processes', () => {
  it('20 runs for different slots: exact failure count, one breaker.open; after the cooldown exactly one trial reaches the primary', async () => {
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok' } });
    // 20 processes start at once on a small, loaded machine: no budget is what this tests. An
    // attempt that timed out (the sim never saw it, or a fallback's breaker opened on three of
    // them) or a run past its deadline would change the counts below, so none can time out here;
    // the trial lease (the longest timeout plus 5 s) outlasts any trial, so none is taken over.
    const base = patient(simConfig({ primary: sim.url })) as any;
    base.jobs.minutely = {
      schedule: '* * * * *',
      tz: 'UTC',
      kind: 'thread',
      outDir: 'content/minutely',
      prompt: 'Now: {{time}}.',
    };
    const dir = tempProject(base);
    const wave = (hour: string, now: string) =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          runCli(
            ['generate', 'minutely', '--json', '--slot', `2026-04-19T${hour}:${String(i + 10).padStart(2, '0')}:00Z`],
            { cwd: dir, env: { LUCY_OPS_NOW: now } },
          ),
        ),
      );
    const breaker = () =>
      JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8')).entries['breaker:deepseek-v3'];
    const events = (name: string) => readLog(dir).filter((l) => l.event === name);
    /** Which providers' breakers changed by `name`, in log order. */
    const changed = (name: string) => events(name).map((l) => l.provider);

    sim.resetCounts();
    const first = await wave('13', '2026-04-19T14:00:00Z');
    for (const r of first) expect(r.json?.status, r.stderr).toBe('ok');
    const primaryCalls = sim.counts()['deepseek-v3'];
    expect(primaryCalls).toBeGreaterThanOrEqual(3);
    // every request the primary failed is counted, none twice, none lost
    expect(breaker()).toMatchObject({ state: 'open', consecutiveFailures: primaryCalls, lastError: 'auth' });
    expect(changed('breaker.open')).toEqual(['deepseek-v3']);
    expect(events('attempt.end').filter((a) => a.provider === 'deepseek-v3' && a.outcome === 'failed')).toHaveLength(
      primaryCalls,
    );

    // past the 5-minute cooldown: 20 runs at once, and the primary sees exactly one trial (which fails)
    sim.resetCounts();
    const openedAt = Date.parse(breaker().openedAt);
    const second = await wave('12', new Date(openedAt + 300_000 + 60_000).toISOString());
    for (const r of second) expect(r.json?.status, r.stderr).toBe('ok');
    expect(sim.counts()['deepseek-v3']).toBe(1);
    expect(changed('breaker.half-open')).toEqual(['deepseek-v3']);
    expect(changed('breaker.open')).toEqual(['deepseek-v3', 'deepseek-v3']);
    expect(breaker()).toMatchObject({ state: 'open', consecutiveFailures: primaryCalls + 1 });
  });
});

describe('garbage in the job log', () => {
  it('binary junk, a 10 MB line, CRLF, a BOM, unknown events and fields: gaps and backfill --dry-run read on and count', async () => {
    // attempts that cannot time out: the generate below must serve its slot on any machine
    const dir = tempProject(patient(simConfig({ primary: sim.url })));
    const rec = (o: Record<string, unknown>) =>
      JSON.stringify({ level: 'info', job: 'blog', trigger: 'cron', runId: `r${o.scheduledFor}`, ...o });
    const slot = (h: number) => `2026-04-19T${String(h).padStart(2, '0')}:00:00.000Z`;
    const end = (h: number, extra: Record<string, unknown> = {}) =>
      rec({
        ts: slot(h).replace(':00.000Z', ':30.000Z'),
        event: 'run.end',
        scheduledFor: slot(h),
        outcome: 'ok',
        durationMs: 5,
        ...extra,
      });
    const parts: Array<string | Buffer> = [
      '\uFEFF' + rec({ ts: slot(10), event: 'run.start', scheduledFor: slot(10) }) + '\r\n', // BOM, CRLF
      end(10) + '\r\n',
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x0a]), // binary junk
      'x'.repeat(10 * 1024 * 1024) + '\n', // a 10 MB line that is not JSON
      rec({ ts: slot(11), event: 'weird.event', scheduledFor: slot(11), nested: { deep: [1, 2] } }) + '\n', // unknown event
      end(12, { unknownField: 'kept quiet', another: { x: 1 } }) + '\r\n', // unknown fields
      'not json at all\n{"half": \n',
      end(13), // no newline at the end of the file
    ];
    fs.mkdirSync(path.join(dir, 'logs'));
    fs.writeFileSync(
      path.join(dir, 'logs/jobs.jsonl'),
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p))),
    );
    const env = { LUCY_OPS_NOW: '2026-04-19T16:30:00Z' };
    const window = ['--since', '2026-04-19T09:30Z', '--until', '2026-04-19T15:30Z', '--job', 'blog', '--json'];

    const gaps = await runCli(['postmortem', 'gaps', ...window], { cwd: dir, env });
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    // 10, 12, 13 served; 11 (only an unknown event) and 14, 15 missing
    expect(gaps.json.jobs[0]).toMatchObject({ job: 'blog', slots: 6, served: 3, missing: 3, failed: 0 });
    expect(gaps.json.skippedLines).toBeGreaterThanOrEqual(4); // junk, 10 MB, "not json", the half record
    const dry = await runCli(['backfill', ...window, '--dry-run'], { cwd: dir, env });
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.json.slots.map((s: any) => s.slot)).toEqual([slot(11), slot(14), slot(15)]);
    expect(dry.json.skippedLines).toBe(gaps.json.skippedLines);

    // the next record appended to a log that ends mid-line starts on a line of its own
    sim.setScript({ '*': { kind: 'ok' } });
    const r = await runCli(['generate', 'blog', '--json', '--slot', slot(14)], { cwd: dir, env });
    expect(r.json?.status, r.stderr).toBe('ok');
    const again = await runCli(['postmortem', 'gaps', ...window], { cwd: dir, env });
    expect(again.json.jobs[0]).toMatchObject({ served: 4, missing: 2 });
    expect(again.json.skippedLines).toBe(gaps.json.skippedLines);
  });

  it('a log that cannot be read stops a real backfill before any slot runs; --dry-run still plans', async () => {
    sim.resetCounts();
    const dir = tempProject(simConfig({ primary: sim.url }));
    fs.mkdirSync(path.join(dir, 'logs/jobs.jsonl'), { recursive: true }); // a directory where the log should be
    const env = { LUCY_OPS_NOW: '2026-04-19T16:30:00Z' };
    const args = ['backfill', '--since', '3h', '--job', 'blog', '--json'];
    const real = await runCli(args, { cwd: dir, env });
    expect(real.exitCode).toBe(1);
    expect(real.stderr).toMatch(/could not read .*jobs\.jsonl.*not backfilling/);
    expect(sim.counts()).toEqual({});
    const dry = await runCli([...args, '--dry-run'], { cwd: dir, env });
    expect(dry.exitCode).toBe(0);
    expect(dry.json.unreadable).toEqual([expect.stringContaining('EISDIR')]);
    expect(dry.stderr).toMatch(/warning: could not read all of/);
  });
});
