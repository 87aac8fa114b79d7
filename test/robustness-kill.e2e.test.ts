/**
 * Robustness, end to end, with real processes: kill -9 at bad moments, SIGTERM/SIGINT, and the
 * deadline against trickles, huge Retry-After and a wedged state lock. No sleeps: every wait is on
 * an event (a simulator request, a file appearing, a process exiting).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempPath } from '../src/files/atomic-write.js';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { expectWhole, gapsAt, LATER, logHas, NOW, SLOT, until, useRobustness } from './helpers/robustness.js';

const { sim, nextRequests, startCli } = useRobustness();

describe('kill -9 of generate', () => {
  const moments: Array<{
    name: string;
    script: () => void;
    config: Record<string, unknown>;
    when: (dir: string) => Promise<void>;
  }> = [
    {
      name: 'while the provider hangs',
      script: () => sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } }),
      config: { deadlineMs: 60_000 },
      when: () => nextRequests('deepseek-v3'),
    },
    {
      name: 'while backing off (Retry-After 30 s)',
      script: () => sim.setScript({ 'deepseek-v3': { kind: 'rate-limit', retryAfterS: 30 }, '*': { kind: 'ok' } }),
      config: { deadlineMs: 60_000, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 60_000 } },
      when: async (dir) =>
        until(
          'the first attempt.end',
          logHas(dir, (l) => l.event === 'attempt.end'),
        ),
    },
    {
      name: 'as the answer arrives',
      script: () => sim.setScript({ '*': { kind: 'ok' } }),
      config: {},
      when: () => nextRequests('deepseek-v3'),
    },
    {
      name: 'as the output file appears',
      script: () => sim.setScript({ '*': { kind: 'ok' } }),
      config: {},
      when: (dir) =>
        until(
          'the output file',
          () =>
            fs.existsSync(path.join(dir, 'content/blog')) && fs.readdirSync(path.join(dir, 'content/blog')).length > 0,
        ),
    },
  ];
  for (const m of moments) {
    it(`${m.name}: state and output stay whole, the lock is free, gaps counts it failed, the next cron run serves it`, async () => {
      m.script();
      // no attempt times out and no deadline passes on a loaded machine: only the kill ends the run
      const dir = tempProject(patient(simConfig({ primary: sim.url }, m.config)));
      const run = startCli(['generate', 'blog', '--json'], dir);
      await m.when(dir);
      run.child.kill('SIGKILL');
      const exit = await run.exited;
      expect(exit.signal === 'SIGKILL' || exit.code === 0).toBe(true); // it may have just finished
      expectWhole(dir);

      const log = readLog(dir);
      const served = log.some((l) => l.event === 'run.end');
      if (!served) {
        // a run.start without run.end: judged failed once the slot is old enough
        const gaps = await gapsAt(dir, LATER);
        expect(gaps.gaps).toEqual([expect.objectContaining({ job: 'blog', start: SLOT, failed: 1, missing: 0 })]);
        expect(gaps.gaps[0].cause).toMatch(/no run\.end/);
      }

      sim.setScript({ '*': { kind: 'ok' } });
      const next = await runCli(['generate', 'blog', '--json'], {
        cwd: dir,
        env: { LUCY_OPS_NOW: '2026-04-19T14:10:00Z' },
      });
      expect(next.exitCode, next.stderr).toBe(0); // never 75: the dead holder's lock is free at once
      const files = fs.readdirSync(path.join(dir, 'content/blog'));
      expect(files.filter((f) => f.endsWith('.md'))).toHaveLength(1);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
      expectWhole(dir);
      if (next.json.status === 'ok') expect((await gapsAt(dir, LATER)).gaps).toEqual([]);
    });
  }

  it("a killed writer's hidden temp file is never output, and the slot's next run removes it", async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = tempProject(patient(simConfig({ primary: sim.url })));
    const out = path.join(dir, 'content/blog');
    fs.mkdirSync(out, { recursive: true });
    // the name writeFileAtomic gives a temp file, from a process that is gone
    const gone = spawn('node', ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const temp = tempPath(path.join(out, '2026-04-19T1400Z--half.md'), gone.pid);
    fs.writeFileSync(temp, '---\njob: "blog"\n');
    const dry = await runCli(['generate', 'blog', '--json', '--dry-run'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(dry.json.output).toBeNull(); // not counted as served
    const r = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(r.json.status).toBe('ok');
    expect(fs.existsSync(temp)).toBe(false);
    expect(fs.readdirSync(out)).toEqual([path.basename(r.json.output)]);
  });
});

describe('SIGTERM and SIGINT', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`${signal} while a provider hangs: prompt exit ${code}, a failed run.end saying interrupted, the lock released`, async () => {
      sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } });
      // the hang lasts the attempt's timeoutMs (300 s) and the run's deadline is further off: only
      // the signal can end this run soon, whatever the load
      const dir = tempProject(patient(simConfig({ primary: sim.url })));
      const run = startCli(['generate', 'blog', '--json'], dir);
      await nextRequests('deepseek-v3');
      const sent = performance.now();
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit.code, run.stderr()).toBe(code);
      expect(exit.at - sent).toBeLessThan(60_000); // the hang would last 300 s
      expect(JSON.parse(run.stdout())).toMatchObject({ status: 'failed', slot: SLOT });
      const end = readLog(dir).find((l) => l.event === 'run.end');
      expect(end).toMatchObject({ outcome: 'failed', level: 'error' });
      expect(end.error).toMatch(new RegExp(`interrupted by ${signal}`));
      expect(fs.readdirSync(path.join(dir, '.lucy-ops/locks')).filter((f) => f.endsWith('.lock'))).toEqual([]);
      sim.setScript({ '*': { kind: 'ok' } });
      const next = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
      expect(next.json?.status, next.stderr).toBe('ok');
    });
  }

  it('SIGINT during a backfill: exit 130, the slot in flight logged failed, and stderr says to run it again', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const dir = tempProject(patient(simConfig({ primary: sim.url })));
    // a served slot starts the log; the threads slots after it are missing
    expect((await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } })).exitCode).toBe(0);
    sim.setScript({ 'deepseek-v3': { kind: 'hang' }, '*': { kind: 'ok' } });
    const run = startCli(['backfill', '--since', SLOT, '--job', 'threads'], dir, {
      LUCY_OPS_NOW: '2026-04-19T15:00:00Z',
    });
    await nextRequests('deepseek-v3');
    run.child.kill('SIGINT');
    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(130);
    expect(run.stderr()).toMatch(
      /^lucy-ops: backfill interrupted by SIGINT \(0 filled, 1 failed so far\); run the same command again to continue$/m,
    );
    expect(readLog(dir).filter((l) => l.event === 'run.end' && l.job === 'threads')).toEqual([
      expect.objectContaining({
        outcome: 'failed',
        trigger: 'backfill',
        error: expect.stringMatching(/interrupted by SIGINT/),
      }),
    ]);
  });

  it('SIGTERM while backing off ends the sleep at once', async () => {
    // a 300 s Retry-After that the run sleeps out (its deadline is further off): a sleep the signal
    // did not end would keep the process far past the bound below, however loaded the machine
    sim.setScript({ 'deepseek-v3': { kind: 'rate-limit', retryAfterS: 300 }, '*': { kind: 'ok' } });
    const dir = tempProject(
      patient(simConfig({ primary: sim.url }, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 600_000 } })),
    );
    const run = startCli(['generate', 'blog', '--json'], dir);
    await until(
      'the first attempt.end',
      logHas(dir, (l) => l.event === 'attempt.end'),
    );
    const sent = performance.now();
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code).toBe(143);
    expect(exit.at - sent).toBeLessThan(60_000); // the backoff would last 300 s
    expect(readLog(dir).find((l) => l.event === 'run.end')).toMatchObject({
      outcome: 'failed',
      error: 'run aborted: interrupted by SIGTERM',
    });
  });
});

describe('the deadline bounds every wait', () => {
  it('a huge Retry-After, a huge backoff and a keep-alive trickle: the run ends at deadlineMs', async () => {
    sim.setScript({
      'deepseek-v3': { kind: 'rate-limit', retryAfterS: 3600 },
      'llama-3.3-70b': { kind: 'status', status: 503 },
      'qwen-72b': { kind: 'trickle', intervalMs: 50 },
    });
    const cfg = simConfig(
      { primary: sim.url },
      { deadlineMs: 1500, retry: { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 3_600_000 } },
    ) as any;
    for (const p of cfg.providers) Object.assign(p, { timeoutMs: 600_000, idleTimeoutMs: 600_000 });
    const dir = tempProject(cfg);
    const r = await runCli(['generate', 'blog', '--json'], { cwd: dir, env: { LUCY_OPS_NOW: NOW } });
    expect(r.exitCode, r.stderr).toBe(69);
    const end = readLog(dir).find((l) => l.event === 'run.end');
    expect(end.error).toMatch(/deadline of 1500 ms/);
    expect(end.durationMs).toBeGreaterThanOrEqual(1500);
    // Each wait the deadline cut would have lasted 600 s or more (the trickle's idle and total
    // timeouts, a 10-minute backoff, an hour's Retry-After): ending far sooner is the deadline's
    // doing. How late past 1500 ms a loaded machine gets there (module loading counts in the run's
    // duration, timers fire late) is no part of this; src/engine/deadline.test.ts times the
    // deadline itself.
    expect(end.durationMs).toBeLessThan(60_000);
    expect(r.ms).toBeLessThan(120_000); // plus process start-up and the after-run hooks
  });

  it('a state lock held by a live, frozen process: run.end still comes at deadlineMs', async () => {
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    // attempts that cannot time out: the run's deadline is the only bound in play
    // a 4 s deadline: the first attempt (after one breaker read) starts inside it on a loaded
    // machine too, so there is a failure for the breaker to write; still far below the lock's 15 s
    const dir = tempProject({ ...patient(simConfig({ primary: sim.url })), deadlineMs: 4000 });
    // a live process that holds state.lock and never lets go (its heartbeat stopped: frozen)
    const holder = spawn('node', ['-e', 'setInterval(() => {}, 1e6)']);
    const holderGone = new Promise((r) => holder.once('exit', r));
    fs.mkdirSync(path.join(dir, '.lucy-ops/locks'), { recursive: true });
    const lockFile = path.join(dir, '.lucy-ops/state.lock');
    fs.writeFileSync(
      lockFile,
      JSON.stringify({ pid: holder.pid, host: os.hostname(), token: 'frozen', at: new Date().toISOString() }),
    );
    // its last heartbeat stays fresh however long the CLI takes to start: were the lock to go stale
    // (10 s) before the run reaches it, the run would take it over and this would test nothing
    const fresh = new Date(Date.now() + 3_600_000);
    fs.utimesSync(lockFile, fresh, fresh);
    try {
      const run = startCli(['generate', 'blog', '--json'], dir);
      await until(
        'run.end',
        logHas(dir, (l) => l.event === 'run.end'),
      );
      const log = readLog(dir);
      const end = log.find((l) => l.event === 'run.end');
      expect(end).toMatchObject({ outcome: 'failed' });
      expect(end.error).toMatch(/deadline of 4000 ms/);
      expect(end.durationMs).toBeGreaterThanOrEqual(4000);
      // The first attempt's failure goes to the breaker, whose write waits for the frozen lock: a
      // wait that gives up by itself only after 15 s (staleMs + 5 s). The run ended sooner after
      // it than that, by its own clock: the deadline cut the wait (load only makes it later).
      const failed = log.find((l) => l.event === 'attempt.end');
      expect(failed).toMatchObject({ provider: 'deepseek-v3', outcome: 'failed' });
      expect(Date.parse(end.ts) - Date.parse(failed.ts)).toBeLessThan(15_000);
      // the after-run hooks wait for the lock too (bounded: a frozen holder's lock goes stale after
      // 10 s); the holder dying frees it at once
      holder.kill('SIGKILL');
      await holderGone;
      expect((await run.exited).code).toBe(69);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
