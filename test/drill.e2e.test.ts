/** `lucy-ops drill` as a newcomer runs it: the built CLI, no config, no keys, no network. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-drill-e2e-'));
// a folder with no config at all; the drill's own temporary folder goes under a private TMPDIR
const cwd = path.join(root, 'project');
const tmp = path.join(root, 'tmp');
fs.mkdirSync(cwd);
fs.mkdirSync(tmp);
// an environment that must not matter to the drill
const env = { TMPDIR: tmp, LUCY_OPS_NOW: '2030-01-01T00:00:00Z', TOGETHER_API_KEY: undefined };

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('lucy-ops drill', () => {
  it('--json: every act passes, with the numbers of the April 19 afternoon', async () => {
    const r = await runCli(['drill', '--json', '--config', 'no-such-config.ts'], { cwd, env });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const report = r.json;
    expect(report.ok).toBe(true);
    expect(report.failedChecks).toEqual([]);
    expect(report.acts.map((a: { name: string }) => a.name)).toEqual(['before', 'after', 'backfill']);
    for (const act of report.acts) {
      expect(act.ok).toBe(true);
      expect(act.checks.length).toBeGreaterThan(5);
      for (const c of act.checks) expect(Object.keys(c).sort()).toEqual(['actual', 'expected', 'name', 'ok']);
    }
    expect(report.numbers).toMatchObject({
      slots: 30,
      before: { served: 24, failed: 6, primaryRequestsInOutage: 18, alerts: 0 },
      after: {
        servedByPrimary: 24,
        servedByFallback: 6,
        failed: 0,
        primaryRequestsInOutage: 6,
        skippedPrimaryRuns: 2,
        alerts: { 'breaker-open': 1, 'breaker-closed': 1 },
      },
      requestsSavedByBreaker: 12,
      gap: {
        found: 6,
        jobs: ['blog-generate', 'gen-stories', 'thread-factory'],
        start: '2026-04-19T14:15:00.000Z',
        end: '2026-04-19T15:00:00.000Z',
        durationMinutes: 45,
        filled: 6,
        secondBackfill: 0,
      },
    });
    // act 1's postmortem: the blog generator failed three times in a row, in one incident with the other two
    const before = report.acts[0];
    const gaps = before.checks.find((c: { name: string }) => c.name === 'postmortem gaps finds each job’s gap');
    expect(gaps.actual[0]).toMatchObject({ job: 'blog-generate', start: '2026-04-19T14:15:00.000Z', failed: 3 });
    expect(report.keptIn).toBeNull();
    // nothing left behind: not in the temporary folder, not in the working directory
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('for a person: a timeline per act, the numbers, what to run next; exit 0', async () => {
    const r = await runCli(['drill'], { cwd, env });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Act 1 · before');
    expect(r.stdout).toContain('Act 2 · after');
    expect(r.stdout).toContain('Act 3 · backfill');
    expect(r.stdout).toMatch(
      / 14:15:02Z +blog-generate +14:15Z +deepseek-v3 timeout, idle-timeout, 503 → breaker OPEN/,
    );
    expect(r.stdout).toMatch(/thread-factory 14:30Z +deepseek-v3 skipped: breaker open, no request/);
    expect(r.stdout).toMatch(
      /postmortem gaps: incident 14:15Z–15:00Z \(45 min\), 6 slots: blog-generate 3 \(3 failed, 0 missing\), gen-stories 2 .*thread-factory 1/,
    );
    expect(r.stdout).toContain('ALERT breaker-open');
    expect(r.stdout).toContain('ALERT breaker-closed');
    expect(r.stdout).toContain('the breaker saved 12');
    expect(r.stdout).toContain('Every act behaved as expected');
    expect(r.stdout).toContain('npx lucy-ops postmortem gaps --since 2h');
    expect(r.stdout).toContain('npx lucy-ops backfill --since 6h --dry-run');
    expect(r.stdout).not.toMatch(/\x1b\[/); // NO_COLOR (and not a TTY)
    // the alert's own stderr line is captured into the timeline, not printed
    expect(r.stderr).toBe('');
  });

  it('--keep DIR keeps the artefacts, which the real commands can read; refuses a folder in use', async () => {
    const keep = path.join(cwd, 'kept');
    const r = await runCli(['drill', '--json', '--keep', keep], { cwd, env });
    expect(r.exitCode).toBe(0);
    expect(r.json.keptIn).toBe(keep);
    for (const act of ['before', 'after']) {
      expect(fs.existsSync(path.join(keep, act, 'lucy-ops.config.json'))).toBe(true);
      expect(fs.existsSync(path.join(keep, act, 'logs/jobs.jsonl'))).toBe(true);
    }
    const gaps = await runCli(
      [
        'postmortem',
        'gaps',
        '--json',
        '--config',
        path.join(keep, 'after/lucy-ops.config.json'),
        '--since',
        '2026-04-19T13:00Z',
        '--until',
        '2026-04-19T16:10Z',
      ],
      { cwd },
    );
    expect(gaps.exitCode).toBe(0);
    expect(gaps.json.gaps).toEqual([]);

    const again = await runCli(['drill', '--keep', keep], { cwd, env });
    expect(again.exitCode).toBe(64);
    expect(again.stderr).toMatch(/--keep: .* not empty/);
  });

  it('tells its afternoon in UTC: --tz UTC is fine, another zone is refused rather than ignored', async () => {
    const other = await runCli(['drill', '--tz', 'America/New_York'], { cwd, env });
    expect(other.exitCode).toBe(64);
    expect(other.stderr).toMatch(/--tz America\/New_York: the drill tells the April 19 afternoon in UTC only/);
    expect(other.stdout).toBe('');
  });
});
