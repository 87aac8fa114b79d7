/**
 * The circuit breaker across processes: each cron run is a new process, so the breaker lives in
 * the state store. Time moves with LUCY_OPS_NOW, never with sleeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

it('trips after the threshold, skips with zero requests, probes once after the cooldown, re-trips, then closes', async () => {
  // attempts that cannot time out: the counts below are of 503s, never of a slow answer's timeout
  const dir = tempProject(patient(simConfig({ primary: sim.url })));
  const run = (now: string, job = 'threads') =>
    runCli(['generate', job, '--json', '--force'], { cwd: dir, env: { LUCY_OPS_NOW: now } });
  const primaryRequests = () => sim.counts()['deepseek-v3'] ?? 0;
  // the primary's breaker as the file store holds it for every process
  const stored = () =>
    JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8')).entries['breaker:deepseek-v3'];
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  sim.resetCounts();

  // 14:00 — three failed attempts reach the threshold: the breaker opens; the fallback serves
  const first = await run('2026-04-19T14:00:05Z');
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  expect(primaryRequests()).toBe(3);
  expect(readLog(dir).filter((l) => l.event === 'breaker.open')).toEqual([
    expect.objectContaining({ provider: 'deepseek-v3' }),
  ]);

  // 14:01 and 14:04 — new processes skip the primary without a request (side by side, on two
  // jobs so neither waits for the other's slot lock: a skip changes no breaker)
  const skips = [run('2026-04-19T14:01:00Z', 'blog'), run('2026-04-19T14:04:00Z', 'stories')];
  for (const r of await Promise.all(skips)) {
    expect(r.json.attempts[0]).toMatchObject({ provider: 'deepseek-v3', outcome: 'skipped-open' });
    expect(r.json).toMatchObject({ provider: 'llama-3.3-70b', degraded: true });
  }
  expect(primaryRequests()).toBe(3);

  // 14:06 — cooldown over: exactly one trial request; it fails and re-opens for a full cooldown,
  // as the shared record every later process reads says
  const trial = await run('2026-04-19T14:06:00Z');
  expect(primaryRequests()).toBe(4);
  expect(trial.json.attempts.filter((a: any) => a.provider === 'deepseek-v3')).toHaveLength(1);
  const events = readLog(dir)
    .filter((l) => l.event.startsWith('breaker.'))
    .map((l) => l.event);
  expect(events).toEqual(['breaker.open', 'breaker.half-open', 'breaker.open']);
  const reopened = stored();
  expect(reopened).toMatchObject({ state: 'open', consecutiveFailures: 4 });
  expect(Date.parse(reopened.openedAt) - Date.parse('2026-04-19T14:06:00Z')).toBeGreaterThanOrEqual(0);
  expect(Date.parse(reopened.retryAt) - Date.parse(reopened.openedAt)).toBe(300_000);

  // 14:10 — inside the new cooldown: skipped again
  await run('2026-04-19T14:10:00Z');
  expect(primaryRequests()).toBe(4);

  // 14:12 — the provider recovered; the next trial (after 14:11) closes the breaker: the record is
  // gone (closed, no failures), so the next process finds a healthy provider
  sim.setScript({ '*': { kind: 'ok' } });
  const healed = await run('2026-04-19T14:12:00Z');
  expect(healed.json).toMatchObject({ provider: 'deepseek-v3', degraded: false });
  expect(healed.json.attempts).toEqual([expect.objectContaining({ provider: 'deepseek-v3', outcome: 'ok' })]);
  expect(
    readLog(dir)
      .filter((l) => l.event.startsWith('breaker.'))
      .map((l) => l.event)
      .at(-1),
  ).toBe('breaker.close');
  expect(stored()).toBeUndefined();
});
