/**
 * Many cron processes at once against one state dir: the state stays valid, breaker counts are
 * exact, and each slot is written once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();

it('50 concurrent generate processes: one output per slot, exact breaker counts, valid state', async () => {
  // the primary fails once per request; a high threshold so every failure is counted, never reset by a trip
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 401 }, '*': { kind: 'ok', latencyMs: 20 } });
  const dir = tempProject(simConfig({ primary: sim.url }, { breaker: { failureThreshold: 1000, cooldownMs: 300000 } }));
  // 10 slots, 5 processes racing for each
  const slots = Array.from({ length: 10 }, (_, i) => `2026-04-19T${String(4 + i).padStart(2, '0')}:00:00Z`);
  const runs = await Promise.all(
    slots.flatMap((slot) =>
      Array.from({ length: 5 }, () =>
        runCli(['generate', 'blog', '--json', '--slot', slot], {
          cwd: dir,
          env: { LUCY_OPS_NOW: '2026-04-19T15:00:00Z' },
          timeoutMs: 120_000,
        }),
      ),
    ),
  );
  for (const r of runs) expect([0, 75], r.stderr).toContain(r.exitCode);
  const served = runs.filter((r) => r.json?.status === 'ok');
  expect(served).toHaveLength(10);
  expect(new Set(served.map((r) => r.json.slot)).size).toBe(10);
  const files = fs.readdirSync(path.join(dir, 'content/blog')).filter((f) => f.endsWith('.md'));
  expect(files).toHaveLength(10);

  // every request to the primary failed once (401 fails over at once) and each is counted exactly
  // once in the shared breaker record: one a served slot, plus one for each run that was starved
  // past its lock's lease on a loaded machine and whose slot another run took over (logged)
  const log = readLog(dir);
  const primaryRequests = log.filter((l) => l.event === 'attempt.end' && l.provider === 'deepseek-v3').length;
  const leasesLost = log.filter(
    (l) => l.event === 'run.end' && (l.reason === 'lease lost' || l.leaseLost === true),
  ).length;
  expect(primaryRequests).toBe(10 + leasesLost);
  const state = JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8'));
  expect(state.entries['breaker:deepseek-v3']).toMatchObject({ state: 'closed', consecutiveFailures: primaryRequests });
  const ends = log.filter((l) => l.event === 'run.end');
  expect(ends.filter((l) => l.outcome === 'ok')).toHaveLength(10);
  expect(ends.length).toBe(50); // every process says what it did: ok, served already, or locked
}, 180_000);
