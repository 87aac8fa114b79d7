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
import { readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
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
      const dir = tempProject(simConfig({ primary: sim.url }, m.config));
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
    const dir = tempProject(simConfig({ primary: sim.url }));
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
      const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 60_000 }));
      const run = startCli(['generate', 'blog', '--json'], dir);
      await nextRequests('deepseek-v3');
      const sent = performance.now();
      run.child.kill(signal);
      const exit = await run.exited;
      expect(exit.code, run.stderr()).toBe(code);
      expect(exit.at - sent).toBeLessThan(10_000); // the hang or the 30 s backoff would last far longer
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
    const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 60_000 }));
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
    sim.setScript({ 'deepseek-v3': { kind: 'rate-limit', retryAfterS: 30 }, '*': { kind: 'ok' } });
    const dir = tempProject(
      simConfig(
        { primary: sim.url },
        { deadlineMs: 60_000, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 60_000 } },
      ),
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
    expect(exit.at - sent).toBeLessThan(10_000); // the hang or the 30 s backoff would last far longer
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
    expect(end.durationMs).toBeLessThan(1500 + 1000); // timer lag on a loaded machine; the waits were 10 min and more
    expect(r.ms).toBeLessThan(1500 + 5000); // plus process start-up and the after-run hooks
  });

  it('a state lock held by a live, frozen process: run.end still comes at deadlineMs', async () => {
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    const dir = tempProject(simConfig({ primary: sim.url }, { deadlineMs: 1500 }));
    // a live process that holds state.lock and never lets go (its heartbeat stopped: frozen)
    const holder = spawn('node', ['-e', 'setInterval(() => {}, 1e6)']);
    const holderGone = new Promise((r) => holder.once('exit', r));
    fs.mkdirSync(path.join(dir, '.lucy-ops/locks'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, '.lucy-ops/state.lock'),
      JSON.stringify({ pid: holder.pid, host: os.hostname(), token: 'frozen', at: new Date().toISOString() }),
    );
    try {
      const run = startCli(['generate', 'blog', '--json'], dir);
      await until(
        'run.end',
        logHas(dir, (l) => l.event === 'run.end'),
      );
      const end = readLog(dir).find((l) => l.event === 'run.end');
      expect(end).toMatchObject({ outcome: 'failed' });
      expect(end.error).toMatch(/deadline of 1500 ms/);
      expect(end.durationMs).toBeLessThan(1500 + 1000); // timer lag on a loaded machine; the waits were 10 min and more
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
