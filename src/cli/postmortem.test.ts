import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { register } from './postmortem.js';

const APRIL19 = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/april19.jsonl');

let dir: string;
let configPath: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-pm-'));
  fs.mkdirSync(path.join(dir, 'logs'));
  fs.copyFileSync(APRIL19, path.join(dir, 'logs', 'jobs.jsonl'));
  configPath = path.join(dir, 'lucy-ops.config.json');
  const job = (schedule: string, outDir: string) => ({ schedule, tz: 'UTC', kind: 'blog', prompt: 'p', outDir });
  fs.writeFileSync(
    configPath,
    JSON.stringify({
      log: 'logs/jobs.jsonl',
      // the April 19 chain: a cause naming a provider outside it would be marked (not in config)
      providers: ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'].map((name) => ({
        name,
        baseUrl: 'http://127.0.0.1:9/v1',
        model: 'm',
      })),
      jobs: {
        blog: job('0 * * * *', 'out/blog'),
        threads: job('*/15 * * * *', 'out/threads'),
        stories: job('*/30 * * * *', 'out/stories'),
      },
    }),
  );
  process.env.LUCY_OPS_NOW = '2026-04-19T17:01:00Z';
  process.exitCode = undefined;
});

afterEach(() => {
  delete process.env.LUCY_OPS_NOW;
  process.exitCode = undefined;
});

/** Run `lucy-ops <args>` in-process with only this command registered; capture stdout/stderr. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number; error?: Error }> {
  const program = new Command('lucy-ops').option('-c, --config <path>').option('--json').exitOverride();
  program.configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  register(program);
  const out: string[] = [];
  const err: string[] = [];
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
  let error: Error | undefined;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'lucy-ops', ...args]);
  } catch (e) {
    error = e as Error;
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  const exitCode = error ? Number((error as { exitCode?: number }).exitCode ?? 70) : Number(process.exitCode ?? 0);
  return { stdout: out.join(''), stderr: err.join(''), exitCode, error };
}

describe('postmortem gaps', () => {
  it('prints the documented JSON for April 19 and exits 0', async () => {
    const r = await cli('--config', configPath, 'postmortem', 'gaps', '--since', '2026-04-19T12:00:00Z', '--json');
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['since', 'until', 'gaps', 'incidents', 'skippedLines']));
    expect(doc.since).toBe('2026-04-19T12:00:00.000Z');
    expect(doc.until).toBe('2026-04-19T17:01:00.000Z');
    expect(doc.skippedLines).toBe(0);
    expect(
      doc.gaps.map((g: { job: string; start: string; end: string; slots: number; failed: number; missing: number }) => [
        g.job,
        g.start,
        g.end,
        g.slots,
        g.failed,
        g.missing,
      ]),
    ).toEqual([
      ['threads', '2026-04-19T14:15:00.000Z', '2026-04-19T15:00:00.000Z', 3, 3, 0],
      ['stories', '2026-04-19T14:30:00.000Z', '2026-04-19T15:00:00.000Z', 1, 0, 1],
    ]);
    expect(doc.gaps[0].cause).toBe('deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3');
    expect(doc.incidents).toEqual([
      expect.objectContaining({
        start: '2026-04-19T14:15:00.000Z',
        end: '2026-04-19T15:00:00.000Z',
        jobs: ['stories', 'threads'],
        slots: 4,
      }),
    ]);
    // the 17:00 slots are younger than deadline + 1m: not judged, so no false open gap
    expect(doc.jobs.every((j: { pending: number }) => j.pending === 1)).toBe(true);
  });

  it('--fail-on-gap exits 1 when a gap is found, 0 when the window is clean', async () => {
    const watchdog = () =>
      cli('--config', configPath, 'postmortem', 'gaps', '--since', '2026-04-19T12:00:00Z', '--fail-on-gap');
    const found = await watchdog();
    expect(found.exitCode).toBe(1);
    expect(found.stdout).toMatch(/threads/);
    expect(found.stdout).toMatch(/deepseek-v3: 503 ×9/);
    expect(found.stdout).not.toMatch(/\u001b\[/); // not a TTY: no colour
    // the watchdog's stdout goes to /dev/null in crontab: one stderr line says it, failed gaps
    // included, causes too; the new silent gap's alert is that same line (ALERT, "alerted")
    expect(found.stderr).toBe(
      'lucy-ops: ALERT gap: 2 gap(s), 4 unserved slot(s): threads from 2026-04-19 14:15Z (3 failed: deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3); stories from 2026-04-19 14:30Z (1 missing, alerted)\n',
    );
    // once alerted, the gap is remembered: the next watchdog run says "gaps:", not ALERT
    const again = await watchdog();
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(
      'lucy-ops: gaps: 2 gap(s), 4 unserved slot(s): threads from 2026-04-19 14:15Z (3 failed: deepseek-v3: 503 ×9; llama-3.3-70b: timeout ×3); stories from 2026-04-19 14:30Z (1 missing)\n',
    );
    const clean = await cli('--config', configPath, 'postmortem', 'gaps', '--since', '2h', '--fail-on-gap');
    expect(clean.exitCode).toBe(0);
    expect(clean.stdout).toBe(''); // a crontab watchdog stays quiet while all is well
    const told = await cli('--config', configPath, 'postmortem', 'gaps', '--since', '2h');
    expect(told.stdout).toMatch(/No gaps/);
  });

  it('reads every --log besides the configured log, with a job filter', async () => {
    const other = path.join(dir, 'host2.jsonl');
    fs.writeFileSync(other, 'garbage\n');
    const r = await cli(
      '--config',
      configPath,
      'postmortem',
      'gaps',
      '--since',
      '2026-04-19T12:00:00Z',
      '--job',
      'threads',
      '--log',
      other,
      '--json',
    );
    expect(r.stderr).toBe('');
    const doc = JSON.parse(r.stdout);
    expect(doc.skippedLines).toBe(1); // host2's garbage line
    expect(doc.jobs.map((j: { job: string }) => j.job)).toEqual(['threads']);
    // the configured log was read too: its failed 14:15–14:45 threads slots are there
    expect(doc.gaps).toEqual([
      expect.objectContaining({ job: 'threads', start: '2026-04-19T14:15:00.000Z', failed: 3 }),
    ]);
    // a served run in the extra log closes a gap of the configured one
    fs.writeFileSync(
      other,
      `${JSON.stringify({ ts: '2026-04-19T14:16:00Z', level: 'info', event: 'run.end', job: 'threads', runId: 'h2', scheduledFor: '2026-04-19T14:15:00.000Z', trigger: 'manual', outcome: 'ok', durationMs: 1 })}\n`,
    );
    const merged = JSON.parse(
      (
        await cli(
          '--config',
          configPath,
          'postmortem',
          'gaps',
          '--since',
          '2026-04-19T12:00:00Z',
          '--job',
          'threads',
          '--log',
          other,
          '--json',
        )
      ).stdout,
    );
    expect(merged.gaps).toEqual([
      expect.objectContaining({ job: 'threads', start: '2026-04-19T14:30:00.000Z', failed: 2 }),
    ]);
  });

  it('a missing configured log is only a warning when --log files are given', async () => {
    fs.rmSync(path.join(dir, 'logs', 'jobs.jsonl'));
    const other = path.join(dir, 'host2.jsonl');
    fs.copyFileSync(APRIL19, other);
    const r = await cli(
      '--config',
      configPath,
      'postmortem',
      'gaps',
      '--since',
      '2026-04-19T12:00:00Z',
      '--log',
      other,
      '--json',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/no job log at .*jobs\.jsonl \(the configured log\): reading only .*host2\.jsonl/);
    expect(r.stderr).not.toMatch(/counts as missing/);
    expect(JSON.parse(r.stdout).gaps).toHaveLength(2);
  });

  it('rejects bad times, unknown jobs and missing --log files with exit 64', async () => {
    for (const args of [
      ['--since', 'yesterday'],
      ['--since', '1h', '--until', '2h'],
      ['--job', 'nope'],
      ['--log', path.join(dir, 'nope.jsonl')],
      ['--grace', 'soon'],
    ]) {
      const r = await cli('--config', configPath, 'postmortem', 'gaps', ...args);
      expect(r.exitCode, args.join(' ')).toBe(64);
    }
  });

  it('treats a configured log that does not exist yet as all missing under an old config, with a warning', async () => {
    fs.rmSync(path.join(dir, 'logs', 'jobs.jsonl'));
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(configPath, old, old);
    const r = await cli('--config', configPath, 'postmortem', 'gaps', '--since', '3h', '--json');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/no job log at/);
    expect(JSON.parse(r.stdout).gaps).toHaveLength(3);
    // a config written after the window (a fresh install): nothing in it was owed yet
    const fresh = new Date('2026-04-19T17:02:00Z');
    fs.utimesSync(configPath, fresh, fresh);
    const quiet = await cli('--config', configPath, 'postmortem', 'gaps', '--since', '3h', '--json');
    expect(JSON.parse(quiet.stdout).gaps).toEqual([]);
  });
});
