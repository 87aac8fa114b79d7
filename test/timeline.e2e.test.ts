/**
 * `postmortem gaps` shows the service a fallback kept up (`degraded`) and draws the afternoon
 * (`--timeline`): real runs through the simulator at pinned clocks, then the CLI reads the log.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { patient, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';
import { hasScript, runInPty } from './helpers/pty.js';

const sim = useSimulator();
const cli = (dir: string, args: string[], now: string) => runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: now } });
const NOW = '2026-04-19T15:31:00Z';
const GAPS = ['postmortem', 'gaps', '--since', '2026-04-19T14:00Z'];

describe('an afternoon: primary down, fallback serving, then everything down, then back', () => {
  let dir: string;
  beforeAll(async () => {
    // attempts that cannot time out: the afternoon's runs fail by 503 and are served as scripted
    const base = patient(simConfig({ primary: sim.url })) as { jobs: Record<string, unknown> };
    dir = tempProject({ ...base, jobs: { threads: base.jobs.threads } });
    const gen = async (at: string, expected: number) => {
      const r = await cli(dir, ['generate', 'threads'], at);
      expect(r.exitCode, r.stderr).toBe(expected);
    };
    sim.setScript({ '*': { kind: 'ok' } });
    await gen('2026-04-19T14:00:03Z', 0);
    sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
    await gen('2026-04-19T14:15:03Z', 0); // served by llama-3.3-70b, degraded
    await gen('2026-04-19T14:30:03Z', 0);
    sim.setScript({ '*': { kind: 'status', status: 503 } });
    await gen('2026-04-19T14:45:03Z', 69); // nobody could serve
    // 15:00: no run at all (the host was down)
    sim.setScript({ '*': { kind: 'ok' } });
    await gen('2026-04-19T15:15:03Z', 0); // the primary's trial works: served by it again
    // 15:30: not run yet, still in its grace
  });

  it('--json: degraded lists the stretch the fallback kept up; the timeline one cell per slot', async () => {
    const r = await cli(dir, [...GAPS, '--timeline', '--json'], NOW);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.degraded).toEqual([
      {
        job: 'threads',
        start: '2026-04-19T14:15:00.000Z',
        end: '2026-04-19T14:45:00.000Z',
        lastSlot: '2026-04-19T14:30:00.000Z',
        durationMs: 30 * 60_000,
        slots: 2,
        providers: ['llama-3.3-70b'],
        open: false,
      },
    ]);
    expect(r.json.gaps.map((g: any) => [g.start, g.failed, g.missing])).toEqual([['2026-04-19T14:45:00.000Z', 1, 1]]);
    expect(r.json.timeline).toMatchObject({ stepMs: 15 * 60_000, slotsPerCell: 1, since: '2026-04-19T14:00:00.000Z' });
    expect(r.json.timeline.jobs).toEqual([
      { job: 'threads', cells: ['served', 'degraded', 'degraded', 'failed', 'missing', 'served', 'pending'] },
    ]);
    const plain = await cli(dir, [...GAPS, '--json'], NOW);
    expect(plain.json.timeline).toBeUndefined(); // only when asked for
    expect(plain.json.degraded).toEqual(r.json.degraded);
  });

  it('human, piped: a section for the fallback’s service, and the row readable without colour', async () => {
    const r = await cli(dir, [...GAPS, '--timeline'], NOW);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stdout).toMatch(/Served by a fallback \(1 stretch\(es\), 2 slot\(s\)\)/);
    expect(r.stdout).toMatch(/threads\s+14:15Z\s+14:45Z\s+2\s+llama-3\.3-70b/);
    // one cell per slot, each outcome its own character: # ~ ~ X ? # .
    expect(r.stdout).toMatch(/^threads +##+ ~~+ ~~+ XX+ \?\?+ ##+ \.\.+$/m);
    expect(r.stdout).toMatch(/^ +14:00 +14:30 +15:00/m);
    expect(r.stdout).toMatch(/# served {3}~ served by a fallback {3}X failed/);
    for (const line of r.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(200);
  });

  it('on an 80-column terminal (and a 40-column one) every timeline line fits', async () => {
    if (!hasScript) return void console.warn('skipped: `script` (util-linux) is not installed');
    for (const columns of [80, 40]) {
      const { exitCode, screen } = await runInPty([...GAPS, '--timeline'], {
        cwd: dir,
        env: { LUCY_OPS_NOW: NOW },
        columns,
      });
      expect(exitCode, screen).toBe(0);
      const start = screen.indexOf('Timeline');
      const picture = screen.slice(start, screen.indexOf('pending (not judged yet)', start) + 30).split('\n');
      expect(picture.length).toBeGreaterThan(4);
      for (const line of picture) expect(line.length, `${columns}: ${line}`).toBeLessThanOrEqual(columns);
      expect(screen).toMatch(/threads +#+ ?~+ ?~+ ?X+ ?\?+ ?#+ ?\.+/);
    }
  });

  it('a long window on a narrow terminal: several slots per cell, the worst shown', async () => {
    const r = await runCli([...GAPS.slice(0, 2), '--since', '2026-04-17T15:31Z', '--timeline', '--json'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: NOW }, // piped: 80 columns
    });
    const t = r.json.timeline;
    expect(t.columns).toBeLessThanOrEqual(80 - 'threads'.length - 2);
    expect(t.slotsPerCell).toBeGreaterThan(1);
    const cells: string[] = t.jobs[0].cells;
    // the failure at 14:45 is not hidden by the served slots around it
    expect(cells.filter((c) => c === 'failed')).toHaveLength(1);
    expect(cells).toContain('served');
  });
});
