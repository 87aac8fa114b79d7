/**
 * `lucy-ops status` end to end: real runs through the simulator write the job log and the breaker
 * state, each a new process at a pinned clock; status reads both in another process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';
import { hasScript, runInPty } from './helpers/pty.js';

const sim = useSimulator();
const cli = (dir: string, args: string[], now: string) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });

describe('status after an afternoon with a failing primary', () => {
  let dir: string;
  const NOW = '2026-04-19T15:32:00Z';
  beforeAll(async () => {
    // attempts that cannot time out: the afternoon's runs fail by 503 and are served as scripted
    const base = patient(simConfig({ primary: sim.url })) as { jobs: Record<string, unknown> };
    dir = tempProject({ ...base, jobs: { blog: base.jobs.blog, threads: base.jobs.threads } });
    sim.setScript({ '*': { kind: 'ok' } });
    expect((await cli(dir, ['generate', 'threads'], '2026-04-19T15:00:05Z')).exitCode).toBe(0);
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    for (const at of ['2026-04-19T15:15:05Z', '2026-04-19T15:30:05Z']) {
      const r = await cli(dir, ['generate', 'threads', '--json'], at);
      expect(r.json, r.stderr).toMatchObject({ status: 'ok', provider: 'llama-3.3-70b', degraded: true });
    }
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    expect((await cli(dir, ['generate', 'blog'], '2026-04-19T15:30:10Z')).exitCode).toBe(69);
    expect((await cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '2h'], '2026-04-19T15:31:00Z')).exitCode).toBe(0);
  });

  it('--json: each job’s last slot, failures and degraded runs in a row, next slot; breakers with downSince; the store', async () => {
    const r = await cli(dir, ['status', '--json', '--since', '50m'], NOW);
    expect(r.exitCode, r.stderr).toBe(0);
    const { jobs, providers, store } = r.json;
    expect(jobs).toEqual([
      {
        job: 'blog',
        schedule: '0 * * * *',
        tz: 'UTC',
        last: {
          slot: '2026-04-19T15:00:00.000Z',
          outcome: 'failed',
          provider: null,
          degraded: false,
          servedOn: null,
          unverified: false,
          judgedAfter: null,
        },
        failuresInARow: 1,
        degradedInARow: 0,
        lastServed: null,
        lastGap: {
          start: '2026-04-19T15:00:00.000Z',
          lastSlot: '2026-04-19T15:00:00.000Z',
          end: null,
          slots: 1,
        },
        unserved: { slots: 1, since: '2026-04-19T15:00:00.000Z' },
        lastFailure: {
          slot: '2026-04-19T15:00:00.000Z',
          at: expect.stringMatching(/^2026-04-19T15:30:1/),
          error: expect.stringContaining('no provider could serve'),
        },
        nextSlot: '2026-04-19T16:00:00.000Z',
        // never out of the config: no span, no slot left unjudged
        outOfConfig: [],
        notJudgedOutOfConfig: 0,
        // served once each: no double
        doubles: [],
      },
      {
        job: 'threads',
        schedule: '*/15 * * * *',
        tz: 'UTC',
        last: {
          slot: '2026-04-19T15:30:00.000Z',
          outcome: 'ok',
          provider: 'llama-3.3-70b',
          degraded: true,
          servedOn: null,
          unverified: false,
          judgedAfter: null,
        },
        failuresInARow: 0,
        degradedInARow: 2,
        lastServed: {
          slot: '2026-04-19T15:30:00.000Z',
          provider: 'llama-3.3-70b',
          degraded: true,
          servedOn: null,
          unverified: false,
        },
        lastGap: null,
        unserved: null,
        lastFailure: null,
        nextSlot: '2026-04-19T15:45:00.000Z',
        outOfConfig: [],
        notJudgedOutOfConfig: 0,
        // served once each: no double
        doubles: [],
      },
    ]);
    const [deepseek, llama, qwen] = providers;
    expect(deepseek).toMatchObject({ provider: 'deepseek-v3', state: 'open' });
    // the primary has been down since the 15:15 run's first attempt, whatever happened after: that
    // run's clock starts at 15:15:05 and has run on by its start-up (tens of seconds on a loaded
    // machine); the next run that could set it starts at 15:30:05
    expect(Date.parse(deepseek.downSince) - Date.parse('2026-04-19T15:15:05Z')).toBeGreaterThanOrEqual(0);
    expect(Date.parse(deepseek.downSince) - Date.parse('2026-04-19T15:15:05Z')).toBeLessThan(60_000);
    expect(llama).toMatchObject({ provider: 'llama-3.3-70b', state: 'open' });
    expect(qwen).toMatchObject({ provider: 'qwen-72b', state: 'open', by: 'manual' });
    // from the log: the last failure of each provider and its last answer
    expect(deepseek.lastFailure).toMatchObject({ error: 'server 503' });
    expect(Date.parse(deepseek.lastFailure.at)).toBeGreaterThanOrEqual(Date.parse('2026-04-19T15:15:05Z'));
    expect(Date.parse(deepseek.lastOk)).toBeLessThan(Date.parse('2026-04-19T15:01:00Z')); // the 15:00 run
    expect(store).toEqual({ kind: 'file', where: fs.realpathSync(path.join(dir, '.lucy-ops')) });
  });

  it('the first slot served by the primary ends the degraded run; a served slot ends the failures', async () => {
    const r = await cli(dir, ['status', '--json', '--since', '50m', '--job', 'threads'], NOW);
    expect(r.json.jobs).toHaveLength(1);
    // 15:00 was served by the primary, so only 15:15 and 15:30 count
    expect(r.json.jobs[0].degradedInARow).toBe(2);
    // a slot whose time has come with no run yet is shown, due, not judged: its run may be starting
    const due = await cli(dir, ['status', '--json', '--since', '50m', '--job', 'threads'], '2026-04-19T15:46:00Z');
    expect(due.json.jobs[0]).toMatchObject({
      last: {
        slot: '2026-04-19T15:45:00.000Z',
        outcome: 'due',
        provider: null,
        judgedAfter: '2026-04-19T15:56:00.000Z',
      },
      // in no count yet: the fallback's run goes on, nothing is unserved
      failuresInARow: 0,
      degradedInARow: 2,
      lastServed: { slot: '2026-04-19T15:30:00.000Z', provider: 'llama-3.3-70b', degraded: true },
      lastGap: null,
    });
    const dueText = await cli(dir, ['status', '--since', '50m', '--job', 'threads'], '2026-04-19T15:46:00Z');
    expect(dueText.stdout).toMatch(/^threads +15:45Z +due, no run yet \(judged at 15:56Z\) +2 degraded +/m);
    // a slot without a run is missing once its run's deadline (10 min here) and a minute have passed
    const later = await cli(dir, ['status', '--json', '--since', '50m', '--job', 'threads'], '2026-04-19T15:58:00Z');
    // 15:45 had no run at all: missing, and the degraded run is over
    expect(later.json.jobs[0]).toMatchObject({
      last: {
        slot: '2026-04-19T15:45:00.000Z',
        outcome: 'missing',
        provider: null,
        degraded: false,
        judgedAfter: null,
      },
      failuresInARow: 1,
      degradedInARow: 0,
      lastServed: { slot: '2026-04-19T15:30:00.000Z', provider: 'llama-3.3-70b', degraded: true },
      nextSlot: '2026-04-19T16:00:00.000Z',
    });
  });

  it('on an 80-column terminal: one screen, no line wider than 80, the outage and the hand trip stated', async () => {
    if (!hasScript) return void console.warn('skipped: `script` (util-linux) is not installed');
    const { exitCode, screen } = await runInPty(['status', '--since', '50m'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW },
      columns: 80,
    });
    expect(exitCode, screen).toBe(0);
    const lines = screen.trimEnd().split('\n');
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThan(24);
    expect(screen).toMatch(/threads\s+15:30Z\s+ok by llama-3\.3-70b \(fallback\)\s+2 degraded\s+15:45Z \(in 13m\)/);
    expect(screen).toMatch(/blog\s+15:00Z\s+FAILED\s+1 unserved\s+16:00Z \(in 28m\)/);
    expect(screen).toMatch(/deepseek-v3\s+open\s+(down since )?15:15:0\dZ \(16m( \d+s)?\)/);
    expect(screen).toMatch(/qwen-72b\s+open by hand/);
    expect(screen).toContain('qwen-72b was tripped by hand (by: manual)');
    expect(screen).toMatch(/state: file store \(.*\) · times in UTC/);
  });

  it('piped: no colour codes and nothing cut; COLUMNS asks a pipe for a width', async () => {
    const r = await cli(dir, ['status', '--since', '50m'], NOW);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stdout).toMatch(/^job\s+last slot\s+outcome\s+in a row\s+next slot$/m);
    expect(r.stdout).not.toContain('…');
    expect(r.stdout).toContain('blog: 1 slot(s) unserved since 15:00Z');
    const narrow = await runCli(['status', '--since', '50m'], { cwd: dir, env: { LUCY_OPS_NOW: NOW, COLUMNS: '60' } });
    for (const line of narrow.stdout.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    // too narrow for the table: two lines per job, the outcome whole
    expect(narrow.stdout).toMatch(/^threads {2}15:30Z {2}ok by llama-3\.3-70b \(fallback\)$/m);
    expect(narrow.stdout).toMatch(/^ {2}2 degraded$\n^ {2}next 15:45Z \(in 13m\)$/m);
    expect(narrow.stdout).toMatch(/^deepseek-v3 {2}open {2}down since 15:15:0\dZ \(16m( \d+s)?\)$/m);
  });

  it('on a narrow terminal the columns shrink instead of wrapping', async () => {
    if (!hasScript) return void console.warn('skipped: `script` (util-linux) is not installed');
    const { screen } = await runInPty(['status', '--since', '50m'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW },
      columns: 60,
    });
    for (const line of screen.trimEnd().split('\n')) expect(line.length, line).toBeLessThanOrEqual(60);
    expect(screen).toMatch(/threads/);
  });
});

describe('status after a gap that closed, from the log alone', () => {
  it('says which slots are still owed and how each provider last failed, though every breaker is closed', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    fs.mkdirSync(path.join(dir, 'logs'));
    const rec = (ts: string, slot: string, event: string, extra: object) =>
      JSON.stringify({
        ts,
        level: 'info',
        event,
        job: 'threads',
        runId: `r${slot}`,
        scheduledFor: slot,
        trigger: 'cron',
        ...extra,
      });
    const T = (hhmm: string, s = 0) => `2026-04-19T${hhmm}:${String(s).padStart(2, '0')}.000Z`;
    const lines = [
      rec(T('14:00', 1), T('14:00'), 'attempt.end', { provider: 'deepseek-v3', outcome: 'ok', ms: 800 }),
      rec(T('14:00', 2), T('14:00'), 'run.end', { outcome: 'ok', provider: 'deepseek-v3', durationMs: 900 }),
      rec(T('14:15', 3), T('14:15'), 'run.end', { outcome: 'failed', durationMs: 9000 }),
      // 14:30: nothing at all
      rec(T('14:45', 1), T('14:45'), 'attempt.end', {
        provider: 'deepseek-v3',
        outcome: 'failed',
        httpStatus: 503,
        errorType: 'server',
        ms: 40,
      }),
      rec(T('14:45', 2), T('14:45'), 'attempt.end', { provider: 'llama-3.3-70b', outcome: 'ok', ms: 700 }),
      rec(T('14:45', 2), T('14:45'), 'run.end', {
        outcome: 'ok',
        provider: 'llama-3.3-70b',
        degraded: true,
        durationMs: 800,
      }),
    ];
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');
    const r = await cli(dir, ['status', '--json', '--job', 'threads', '--since', '1h'], '2026-04-19T14:50:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs[0]).toMatchObject({
      last: { slot: T('14:45'), outcome: 'ok', degraded: true },
      failuresInARow: 0,
      lastGap: { start: T('14:15'), lastSlot: T('14:30'), end: T('14:45'), slots: 2 },
    });
    const [deepseek, llama] = r.json.providers;
    expect(deepseek).toMatchObject({
      state: 'closed',
      lastOk: T('14:00', 1),
      lastFailure: { at: T('14:45', 1), job: 'threads', error: 'server 503' },
    });
    expect(llama).toMatchObject({ state: 'closed', lastOk: T('14:45', 2), lastFailure: null });
    const human = await cli(dir, ['status', '--job', 'threads', '--since', '1h'], '2026-04-19T14:50:00Z');
    expect(human.stdout).toMatch(/^deepseek-v3 +closed +server 503 at 14:45:01Z$/m);
    expect(human.stdout).toContain(
      'threads: 2 slot(s) unserved 14:15Z → 14:30Z, served again from 14:45Z; this fills them:\n  lucy-ops backfill --job threads --since 2026-04-19T14:15Z\n',
    );
  });
});

describe('status with two stretches unserved in its window', () => {
  it('counts both and gives the backfill line from the earliest, so following it fills every one', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    fs.mkdirSync(path.join(dir, 'logs'));
    const T = (hhmm: string, s = 0) => `2026-04-19T${hhmm}:${String(s).padStart(2, '0')}.000Z`;
    const end = (slot: string, outcome: 'ok' | 'failed') =>
      JSON.stringify({
        ts: T(slot, 3),
        level: 'info',
        event: 'run.end',
        job: 'threads',
        runId: `r${slot}`,
        scheduledFor: T(slot),
        trigger: 'cron',
        outcome,
        ...(outcome === 'ok' ? { provider: 'deepseek-v3' } : { error: 'no provider could serve' }),
        durationMs: 900,
      });
    // 14:00 failed, 14:15 served, 14:30 failed, 14:45 served: the latest gap is 14:30 alone
    const lines = [end('14:00', 'failed'), end('14:15', 'ok'), end('14:30', 'failed'), end('14:45', 'ok')];
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');
    const args = ['status', '--job', 'threads', '--since', '1h'];
    const r = await cli(dir, [...args, '--json'], '2026-04-19T14:50:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs[0]).toMatchObject({
      lastGap: { start: T('14:30'), lastSlot: T('14:30'), end: T('14:45'), slots: 1 },
      unserved: { slots: 2, since: T('14:00') },
    });
    const human = await cli(dir, args, '2026-04-19T14:50:00Z');
    expect(human.stdout).toContain(
      'threads: 1 slot(s) unserved 14:30Z, served again from 14:45Z (and 1 earlier, from 14:00Z); this fills them:\n  lucy-ops backfill --job threads --since 2026-04-19T14:00Z\n',
    );
  });
});

describe('status of a new project and bad input', () => {
  it('no log yet: every job without a last slot, said once; exit 0', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    const r = await cli(dir, ['status', '--json'], '2026-04-19T15:32:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs.map((j: any) => j.job)).toEqual(['blog', 'threads', 'stories']);
    expect(r.json.providers.every((p: any) => p.state === 'closed' && p.downSince === null)).toBe(true);
    const human = await cli(dir, ['status'], '2026-04-19T15:32:00Z');
    expect(human.stdout).toContain('no job log at');
  });

  it('a bad --since or an unknown job is a usage error (64)', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    expect((await cli(dir, ['status', '--since', '6'], '2026-04-19T15:32:00Z')).exitCode).toBe(64);
    expect((await cli(dir, ['status', '--job', 'nope'], '2026-04-19T15:32:00Z')).exitCode).toBe(64);
  });

  it('reads only the end of a large log (bisected), with the same answer as from the start', async () => {
    const dir = tempProject(simConfig({ primary: 'http://127.0.0.1:9/v1' }));
    fs.mkdirSync(path.join(dir, 'logs'));
    // 30 days of the threads job, every slot served, plus garbage lines; then one failed slot today
    const lines: string[] = [];
    const start = Date.parse('2026-03-20T00:00:00Z');
    for (let t = start; t < Date.parse('2026-04-19T15:00:00Z'); t += 15 * 60_000) {
      const slot = new Date(t).toISOString();
      const ts = new Date(t + 2_000).toISOString();
      const head = `{"ts":"${ts}","level":"info","event":"run.end","job":"threads","runId":"r${t}","scheduledFor":"${slot}","trigger":"cron"`;
      lines.push(`${head},"outcome":"ok","provider":"deepseek-v3","degraded":false,"durationMs":2000}`);
      if (t % (24 * 3600_000) === 0) lines.push('not json at all {');
    }
    lines.push(
      `{"ts":"2026-04-19T15:00:09.000Z","level":"error","event":"run.end","job":"threads","runId":"x","scheduledFor":"2026-04-19T15:00:00.000Z","trigger":"cron","outcome":"failed","durationMs":9000}`,
    );
    fs.writeFileSync(path.join(dir, 'logs/jobs.jsonl'), lines.join('\n') + '\n');
    const size = fs.statSync(path.join(dir, 'logs/jobs.jsonl')).size;
    const r = await cli(dir, ['status', '--json', '--job', 'threads'], '2026-04-19T15:10:00Z');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.jobs[0]).toMatchObject({
      last: { slot: '2026-04-19T15:00:00.000Z', outcome: 'failed' },
      failuresInARow: 1,
      lastServed: { slot: '2026-04-19T14:45:00.000Z', provider: 'deepseek-v3', degraded: false },
    });
    // it started reading in the last few percent of the file, not at its start
    expect(r.json.log.startedAtByte).toBeGreaterThan(size * 0.9);
    expect(r.json.log.lines).toBeLessThan(200);
  });
});
