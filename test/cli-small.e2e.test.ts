/**
 * What users of well-liked CLIs expect (clig.dev): shell completion, `--version --json`,
 * `--no-color`, global flags in every command's help; and `cause` always present in gaps --json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { runInPty } from './helpers/pty.js';

const PROVIDERS = { primary: 'http://127.0.0.1:9/v1' };

describe('--version, --no-color, --help', () => {
  it('--version --json prints one JSON document; --version alone stays plain', async () => {
    const dir = tempProject(simConfig(PROVIDERS));
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(BIN), '../package.json'), 'utf8'));
    const json = await runCli(['--version', '--json'], { cwd: dir });
    expect(json.exitCode).toBe(0);
    expect(json.json).toEqual({ name: 'lucy-ops', version: pkg.version, node: process.versions.node });
    const plain = await runCli(['--version'], { cwd: dir });
    expect(plain.stdout.trim()).toBe(pkg.version);
  });

  it('--no-color is a global flag: no colour on a terminal, anywhere on the line; without it there is colour', async () => {
    const dir = tempProject(simConfig(PROVIDERS));
    const env = { NO_COLOR: '' }; // colour allowed by the environment
    const coloured = await runInPty(['breaker', 'status'], { cwd: dir, env });
    expect(coloured.exitCode, coloured.output).toBe(0);
    expect(coloured.output).toMatch(/\u001b\[3\dm/);
    for (const args of [
      ['--no-color', 'breaker', 'status'],
      ['breaker', 'status', '--no-color'],
    ]) {
      const plain = await runInPty(args, { cwd: dir, env });
      expect(plain.exitCode, plain.output).toBe(0);
      expect(plain.output).toContain('closed');
      expect(plain.output).not.toMatch(/\u001b\[\d+m/);
    }
    // NO_COLOR is still honoured
    expect((await runInPty(['breaker', 'status'], { cwd: dir, env: { NO_COLOR: '1' } })).output).not.toMatch(
      /\u001b\[\d+m/,
    );
  });

  it("every command's --help lists the global flags", async () => {
    const dir = tempProject(simConfig(PROVIDERS));
    for (const args of [
      ['generate', '--help'],
      ['probe', 'providers', '--help'],
      ['postmortem', 'gaps', '--help'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.exitCode).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/Global Options:[\s\S]*--config <path>[\s\S]*--json[\s\S]*--no-color/);
    }
  });
});

describe('completion', () => {
  /** What bash offers after the typed words (the last one is the word being completed). */
  async function bashComplete(words: string[]): Promise<string[]> {
    const script = (await runCli(['completion', 'bash'], { cwd: path.dirname(BIN) })).stdout;
    const r = await execa(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(lucy-ops ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _lucy_ops_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    return r.stdout.split('\n').filter(Boolean);
  }

  it('bash: commands, subcommands and each command’s flags, from the program itself', async () => {
    expect(await bashComplete(['ge'])).toEqual(['generate']);
    expect(await bashComplete(['probe', ''])).toContain('providers');
    expect(await bashComplete(['breaker', ''])).toEqual(expect.arrayContaining(['status', 'reset', 'trip']));
    expect(await bashComplete(['probe', 'providers', '--'])).toEqual(
      expect.arrayContaining(['--strict', '--timeout', '--json', '--config', '--no-color', '--help']),
    );
    // a job name does not stop generate's flags; a flag's value is skipped
    expect(await bashComplete(['--config', 'x.ts', 'generate', 'blog', '--s'])).toEqual(['--slot']);
    // after a flag that takes a value: no words, so bash completes file names
    expect(await bashComplete(['generate', '--config', ''])).toEqual([]);
  });

  it('zsh and fish scripts; an unknown shell is a usage error', async () => {
    const dir = path.dirname(BIN);
    const zsh = await runCli(['completion', 'zsh'], { cwd: dir });
    expect(zsh.stdout).toMatch(/^#compdef lucy-ops$/m);
    expect(zsh.stdout).toContain('bashcompinit');
    const fish = await runCli(['completion', 'fish'], { cwd: dir });
    expect(fish.stdout).toContain("complete -c lucy-ops -n '__fish_use_subcommand' -a generate");
    expect(fish.stdout).toMatch(
      /-n '__fish_seen_subcommand_from probe; and __fish_seen_subcommand_from providers' -l strict/,
    );
    expect(fish.stdout).toMatch(/^complete -c lucy-ops -l json /m); // global: no condition
    const bad = await runCli(['completion', 'tcsh'], { cwd: dir });
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('unknown shell "tcsh" (bash, zsh or fish)');
  });
});

it('gaps --json: every gap and incident has a cause key, null when nothing explains it', async () => {
  const dir = tempProject(simConfig(PROVIDERS));
  fs.mkdirSync(path.join(dir, 'logs'));
  // blog served at 10:00, then nothing: 11:00 and 12:00 are missing (no record at all)
  const rec = (event: string, extra = {}) =>
    JSON.stringify({
      ts: '2026-04-19T10:00:01Z',
      level: 'info',
      event,
      job: 'blog',
      runId: 'r1',
      scheduledFor: '2026-04-19T10:00:00.000Z',
      trigger: 'cron',
      ...extra,
    });
  fs.writeFileSync(
    path.join(dir, 'logs/jobs.jsonl'),
    [rec('run.start'), rec('run.end', { outcome: 'ok' })].join('\n') + '\n',
  );
  expect(readLog(dir)).toHaveLength(2);
  const r = await runCli(
    ['postmortem', 'gaps', '--since', '2026-04-19T10:00Z', '--until', '2026-04-19T13:00Z', '--job', 'blog', '--json'],
    { cwd: dir, env: { LUCY_OPS_NOW: '2026-04-19T15:00:00Z' } },
  );
  expect(r.exitCode, r.stderr).toBe(0);
  expect(r.json.gaps.length).toBeGreaterThan(0);
  for (const g of r.json.gaps) expect(g).toHaveProperty('cause', null);
  // an incident of missing slots says so in its cause: no provider is blamed for them
  for (const i of r.json.incidents) expect(i).toHaveProperty('cause', 'blog: no records at all — the job did not run');
});

it('one stderr line per failed run: a run whose alert line is on stderr prints no second line', async () => {
  const cfg = simConfig(PROVIDERS, { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } }) as any;
  cfg.jobs.sitemap = { schedule: '0 * * * *', command: ['false'] };
  const dir = tempProject(cfg);
  const lines = async (args: string[], hour: number) => {
    const r = await runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: `2026-04-19T1${hour}:00:05Z` } });
    expect(r.exitCode).not.toBe(0);
    return r.stderr.trim().split('\n');
  };
  // 1st: chain-failed alert; 2nd: no alert, the run's own line; 3rd: job-failing alert
  expect(await lines(['generate', 'blog'], 1)).toEqual([expect.stringMatching(/^lucy-ops: ALERT chain-failed: blog/)]);
  expect(await lines(['generate', 'blog'], 2)).toEqual([expect.stringMatching(/^✖ lucy-ops: blog .* FAILED: /)]);
  expect(await lines(['generate', 'blog'], 3)).toEqual([expect.stringMatching(/^lucy-ops: ALERT job-failing: blog/)]);
  // a command job: its own line until the third failure's alert says it instead
  expect(await lines(['run', 'sitemap'], 1)).toEqual([expect.stringMatching(/^lucy-ops: sitemap .* failed: /)]);
  await lines(['run', 'sitemap'], 2);
  expect(await lines(['run', 'sitemap'], 3)).toEqual([expect.stringMatching(/^lucy-ops: ALERT job-failing: sitemap/)]);
});
