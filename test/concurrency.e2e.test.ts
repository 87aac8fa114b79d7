/**
 * Many cron processes at once against one state dir: the state stays valid, breaker counts are
 * exact, each slot is written once, and a due half-open trial goes to exactly one process.
 *
 * Timeouts, the deadline and the trial lease are far longer than any pause a loaded machine causes,
 * and each provider gets one attempt per run: what a run asks of the primary does not depend on how
 * fast the machine is (an attempt that timed out under load would be retried, one more request).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

/** The drill's chain with load-proof timings: one attempt per provider, nothing times out. */
function patientConfig(over: Record<string, unknown>): Record<string, unknown> {
  const base = simConfig({ primary: sim.url }) as { providers: Array<Record<string, unknown>> };
  return {
    ...base,
    providers: base.providers.map((p) => ({ ...p, timeoutMs: 60_000, idleTimeoutMs: 60_000 })),
    retry: { attempts: 1, baseDelayMs: 10, maxDelayMs: 40 },
    deadlineMs: 150_000,
    ...over,
  };
}

const generate = (dir: string, slot: string, now: string) =>
  runCli(['generate', 'blog', '--json', '--slot', slot], { cwd: dir, env: { LUCY_OPS_NOW: now }, timeoutMs: 150_000 });

const slotsFrom = (hour: number) =>
  Array.from({ length: 10 }, (_, i) => `2026-04-19T${String(hour + i).padStart(2, '0')}:00:00Z`);

it('50 concurrent generate processes: one output per slot, exact breaker counts, valid state', async () => {
  // the primary fails every request; a high threshold so every failure is counted, never reset by a trip
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok', latencyMs: 20 } });
  sim.resetCounts();
  const dir = tempProject(patientConfig({ breaker: { failureThreshold: 1000, cooldownMs: 300000 } }));
  // 10 slots, 5 processes racing for each
  const runs = await Promise.all(
    slotsFrom(4).flatMap((slot) => Array.from({ length: 5 }, () => generate(dir, slot, '2026-04-19T15:00:00Z'))),
  );
  for (const r of runs) expect([0, 75], r.stderr).toContain(r.exitCode);
  const served = runs.filter((r) => r.json?.status === 'ok');
  expect(served).toHaveLength(10);
  expect(new Set(served.map((r) => r.json.slot)).size).toBe(10);
  const files = fs.readdirSync(path.join(dir, 'content/blog')).filter((f) => f.endsWith('.md'));
  expect(files).toHaveLength(10);

  // each run that called the engine asked the primary exactly once: the run that served its slot,
  // and any run that was starved past its lock's lease and found on waking that the slot was no
  // longer its own (logged as such)
  const log = readLog(dir);
  const primary = log.filter((l) => l.event === 'attempt.end' && l.provider === 'deepseek-v3');
  const askedBy = primary.map((l) => l.runId);
  expect(new Set(askedBy).size).toBe(askedBy.length);
  const ends = log.filter((l) => l.event === 'run.end');
  const servedBy = ends.filter((l) => l.outcome === 'ok').map((l) => l.runId);
  expect(servedBy).toHaveLength(10);
  const leaseLost = ends.filter((l) => l.reason === 'lease lost').map((l) => l.runId);
  expect(askedBy.sort()).toEqual([...servedBy, ...leaseLost].sort());
  // every request that reached the primary is counted exactly once in the shared breaker record
  expect(sim.counts()['deepseek-v3']).toBe(primary.length);
  const state = JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8'));
  expect(state.entries['breaker:deepseek-v3']).toMatchObject({ state: 'closed', consecutiveFailures: primary.length });
  expect(ends.length).toBe(50); // every process says what it did: ok, served already, or locked
});

it('after the cooldown, of 10 concurrent processes exactly one sends the half-open trial', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  sim.resetCounts();
  const dir = tempProject(patientConfig({}));
  const trip = await runCli(['breaker', 'trip', 'deepseek-v3', '--for', '1m'], {
    cwd: dir,
    env: { LUCY_OPS_NOW: '2026-04-19T15:00:00Z' },
  });
  expect(trip.exitCode, trip.stderr).toBe(0);
  // 15:05: the cooldown ended at 15:01 for every one of them; one wins the trial, it fails, the
  // breaker opens again, and the rest skip the primary without a request
  const runs = await Promise.all(slotsFrom(4).map((slot) => generate(dir, slot, '2026-04-19T15:05:00Z')));
  for (const r of runs) {
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  }
  expect(sim.counts()['deepseek-v3']).toBe(1);
  const firstAttempts = runs.map((r) => r.json.attempts[0]);
  expect(firstAttempts.filter((a) => a.provider === 'deepseek-v3' && a.outcome === 'failed')).toHaveLength(1);
  expect(firstAttempts.filter((a) => a.provider === 'deepseek-v3' && a.outcome === 'skipped-open')).toHaveLength(9);
  const transitions = readLog(dir)
    .filter((l) => l.event.startsWith('breaker.') && l.by !== 'manual')
    .map((l) => l.event);
  expect(transitions).toEqual(['breaker.half-open', 'breaker.open']);
});
