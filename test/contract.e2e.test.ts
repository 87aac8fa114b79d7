/**
 * The documented CLI behaviour (README, docs/commands.md), as its users meet it: every command
 * under --json prints exactly one JSON document with the documented fields, and edge cases of
 * input and output (relative --slot, errors under --json, bad LUCY_OPS_NOW, config syntax errors,
 * bare command groups, early-closing readers, NO_COLOR) behave as documented. Real CLI
 * processes, the real simulator over HTTP.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator({ script: { '*': { kind: 'ok' } } });

const NOW = '2026-04-19T14:20:05Z';
const env = { LUCY_OPS_NOW: NOW };

/** Attempts that cannot time out: every command here must get its answer, however loaded the machine. */
function project(): string {
  const config = patient(simConfig({ primary: sim.url }));
  (config.jobs as Record<string, unknown>).sitemap = { schedule: '5 * * * *', command: ['node', '-e', '0'] };
  return tempProject(config);
}

/** Exactly one JSON document on stdout: JSON.parse of the whole of it. */
function oneDocument(stdout: string): any {
  return JSON.parse(stdout);
}

/** A long-running command (sim, serve): its JSON document on stdout, then SIGTERM; all of stdout. */
async function documentThenStop(args: string[], cwd: string): Promise<{ doc: any; stdout: string }> {
  const child = execa('node', [BIN, ...args], { cwd, env: { NO_COLOR: '1', ...env }, reject: false });
  let out = '';
  const doc = await new Promise<unknown>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      try {
        resolve(JSON.parse(out));
      } catch {
        // not the whole document yet
      }
    });
  });
  child.kill('SIGTERM');
  const r = await child;
  return { doc, stdout: String(r.stdout) };
}

describe('every command under --json: one document with the documented fields', () => {
  it('generate, probe, breaker, postmortem, backfill, run, init, drill, sim, serve', async () => {
    const dir = project();
    const run = (args: string[]) => runCli([...args, '--json'], { cwd: dir, env });
    // lucy-ops served blog at 12:00 already (judging begins at a job's first record), then missed 13:00
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'logs/jobs.jsonl'),
      JSON.stringify({
        ts: '2026-04-19T12:00:09.000Z',
        level: 'info',
        event: 'run.end',
        job: 'blog',
        runId: 'earlier',
        scheduledFor: '2026-04-19T12:00:00.000Z',
        trigger: 'cron',
        outcome: 'ok',
        durationMs: 9000,
      }) + '\n',
    );

    const gen = await run(['generate', 'blog']);
    expect(gen.exitCode, gen.stderr).toBe(0);
    const g = oneDocument(gen.stdout);
    for (const k of ['job', 'slot', 'status', 'provider', 'model', 'degraded', 'attempts', 'output'])
      expect(g).toHaveProperty(k);
    expect(g.attempts[0]).toEqual(
      expect.objectContaining({ provider: 'deepseek-v3', model: 'deepseek-v3', outcome: 'ok', ms: expect.any(Number) }),
    );

    const probe = await run(['probe', 'providers']);
    expect(probe.exitCode, probe.stderr).toBe(0);
    for (const p of oneDocument(probe.stdout).providers) {
      expect(p).toEqual(
        expect.objectContaining({
          provider: expect.any(String),
          model: expect.any(String),
          ok: true,
          latencyMs: expect.any(Number),
        }),
      );
    }

    const trip = await run(['breaker', 'trip', 'qwen-72b', '--for', '10m']);
    expect(trip.exitCode, trip.stderr).toBe(0);
    expect(oneDocument(trip.stdout).providers.find((p: any) => p.provider === 'qwen-72b')).toEqual(
      expect.objectContaining({
        state: 'open',
        consecutiveFailures: expect.any(Number),
        openedAt: expect.any(String),
        retryAt: expect.any(String),
      }),
    );
    const reset = await run(['breaker', 'reset', 'qwen-72b']);
    expect(reset.exitCode, reset.stderr).toBe(0);
    const status = await run(['breaker', 'status']);
    expect(oneDocument(status.stdout).providers.map((p: any) => [p.provider, p.state])).toEqual([
      ['deepseek-v3', 'closed'],
      ['llama-3.3-70b', 'closed'],
      ['qwen-72b', 'closed'],
    ]);
    const manual = readLog(dir).filter((r) => r.event.startsWith('breaker.'));
    expect(manual.map((r) => [r.event, r.by])).toEqual([
      ['breaker.open', 'manual'],
      ['breaker.close', 'manual'],
    ]);

    const gaps = await run(['postmortem', 'gaps', '--since', '2h', '--job', 'blog']);
    expect(gaps.exitCode, gaps.stderr).toBe(0);
    const report = oneDocument(gaps.stdout);
    for (const k of ['since', 'until', 'gaps', 'incidents', 'skippedLines']) expect(report).toHaveProperty(k);
    expect(report.gaps[0]).toEqual(
      expect.objectContaining({
        job: 'blog',
        start: '2026-04-19T13:00:00.000Z',
        end: '2026-04-19T14:00:00.000Z',
        durationMs: 3_600_000,
        slots: 1,
        failed: 0,
        missing: 1,
      }),
    );
    expect(report.incidents[0]).toEqual(
      expect.objectContaining({ start: expect.any(String), jobs: ['blog'], slots: 1 }),
    );
    expect((await run(['postmortem', 'gaps', '--since', '2h', '--job', 'blog', '--fail-on-gap'])).exitCode).toBe(1);

    const plan = await run(['backfill', '--since', '2h', '--job', 'blog', '--dry-run']);
    expect(oneDocument(plan.stdout)).toEqual(
      expect.objectContaining({
        slots: [expect.objectContaining({ job: 'blog', slot: '2026-04-19T13:00:00.000Z', status: 'planned' })],
        filled: 0,
        failed: 0,
        skipped: 0,
      }),
    );
    const fill = await run(['backfill', '--since', '2h', '--job', 'blog']);
    expect(fill.exitCode, fill.stderr).toBe(0);
    expect(oneDocument(fill.stdout)).toEqual(
      expect.objectContaining({
        slots: [expect.objectContaining({ status: 'filled' })],
        filled: 1,
        failed: 0,
        skipped: 0,
      }),
    );

    const cmd = await run(['run', 'sitemap']);
    expect(cmd.exitCode, cmd.stderr).toBe(0);
    expect(oneDocument(cmd.stdout)).toEqual(
      expect.objectContaining({
        job: 'sitemap',
        slot: '2026-04-19T14:05:00.000Z',
        status: 'ok',
        exitCode: 0,
        durationMs: expect.any(Number),
      }),
    );

    // every record of the job log has the common fields docs/job-log.md lists
    for (const rec of readLog(dir)) {
      for (const k of ['ts', 'level', 'event', 'job', 'runId', 'scheduledFor', 'trigger'])
        expect(rec, JSON.stringify(rec)).toHaveProperty(k);
      expect(['cron', 'backfill', 'manual']).toContain(rec.trigger);
    }

    const init = await runCli(['init', '--dir', path.join(dir, 'fresh'), '--json'], { cwd: dir });
    expect(oneDocument(init.stdout).written).toHaveLength(2);

    const drill = await runCli(['drill', '--json'], { cwd: dir });
    expect(drill.exitCode, drill.stderr).toBe(0);
    expect(oneDocument(drill.stdout).ok).toBe(true);

    const simRun = await documentThenStop(['sim', '--port', '0', '--json', '--quiet'], dir);
    expect(simRun.doc.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(oneDocument(simRun.stdout)).toEqual(simRun.doc); // nothing else on stdout, start to stop
    const serve = await documentThenStop(['serve', '--port', '0', '--json'], dir);
    expect(serve.doc.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(oneDocument(serve.stdout)).toEqual(serve.doc);
  }); // a dozen CLI processes, the whole drill among them
});

describe('edge cases of input and output', () => {
  it('--slot takes a relative time: the latest slot at or before then, not "not a slot"', async () => {
    const dir = project();
    const [gen, cmd] = await Promise.all([
      runCli(['generate', 'threads', '--slot', '2h', '--dry-run', '--json'], { cwd: dir, env }),
      runCli(['run', 'sitemap', '--slot', '45m', '--json'], { cwd: dir, env }),
    ]);
    expect(gen.exitCode, gen.stderr).toBe(0);
    expect(gen.json.slot).toBe('2026-04-19T12:15:00.000Z');
    expect(cmd.exitCode, cmd.stderr).toBe(0);
    expect(cmd.json.slot).toBe('2026-04-19T13:05:00.000Z');
    // an ISO time still has to be a slot
    const off = await runCli(['generate', 'threads', '--slot', '2026-04-19T12:07:00Z', '--dry-run'], { cwd: dir, env });
    expect(off.exitCode).toBe(64);
    expect(off.stderr).toContain('nearest: 2026-04-19T12:00:00.000Z or 2026-04-19T12:15:00.000Z');
  });

  it('under --json an error is still one JSON document on stdout, with the exit code', async () => {
    const dir = project();
    const [usage, config] = await Promise.all([
      runCli(['generate', 'nope', '--json'], { cwd: dir, env }),
      runCli(['breaker', 'status', '--json', '--config', path.join(dir, 'missing.json')], { cwd: dir }),
    ]);
    expect(usage.exitCode).toBe(64);
    expect(oneDocument(usage.stdout)).toEqual({
      error: { message: expect.stringContaining('unknown job "nope"'), exitCode: 64 },
    });
    expect(config.exitCode).toBe(78);
    expect(oneDocument(config.stdout).error.exitCode).toBe(78);
  });

  it('a bad LUCY_OPS_NOW is a configuration error (78) that says what to set, never an internal error with a stack', async () => {
    const r = await runCli(['breaker', 'status'], { cwd: project(), env: { LUCY_OPS_NOW: '2h' } });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('LUCY_OPS_NOW is not an ISO time: "2h" (use e.g. LUCY_OPS_NOW=2026-04-19T14:20:00Z');
    expect(r.stderr).not.toContain('internal error');
  });

  it('config syntax errors name the place, never the loader internals: TypeScript, YAML, JSON', async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'lucy-ops-contract-'));
    fs.writeFileSync(
      path.join(dir, 'bad.ts'),
      "import { defineConfig } from 'lucy-ops';\nexport default defineConfig({\n  providers: [,,{\n});\n",
    );
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'providers:\n  - name: a\n   baseUrl: x\n');
    fs.writeFileSync(path.join(dir, 'bad.json'), '{\n  "providers": [],\n}\n');
    const [ts, yaml, json] = await Promise.all(
      ['bad.ts', 'bad.yaml', 'bad.json'].map((f) =>
        runCli(['breaker', 'status', '--config', f], { cwd: dir, env: { XDG_CACHE_HOME: dir } }),
      ),
    );
    for (const r of [ts, yaml, json]) expect(r.exitCode).toBe(78);
    expect(ts.stderr).toMatch(/cannot load config .*bad\.ts: syntax error at line 4, column \d+/);
    expect(ts.stderr).not.toContain('__JITI_ERROR__');
    expect(yaml.stderr).toContain('bad indentation of a sequence entry (3:4)');
    expect(json.stderr).toMatch(/cannot load config .*bad\.json: .*\(line 3, column 1\)/);
  });

  it('a command group without its subcommand is a usage error (64), not a silent exit 0; --version works', async () => {
    const dir = project();
    const [breaker, bare, version] = await Promise.all([
      runCli(['breaker'], { cwd: dir }),
      runCli([], { cwd: dir }),
      runCli(['--version'], { cwd: dir }),
    ]);
    expect(breaker.exitCode).toBe(64);
    expect(breaker.stderr).toContain('Usage: lucy-ops breaker');
    expect(bare.exitCode).toBe(64);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.trim()).toBe(
      JSON.parse(fs.readFileSync(path.join(BIN, '../../package.json'), 'utf8')).version,
    );
  });

  it('the program, probe and postmortem --help have examples too', async () => {
    const dir = project();
    const helps = await Promise.all([[], ['probe'], ['postmortem']].map((w) => runCli([...w, '--help'], { cwd: dir })));
    for (const h of helps) expect(h.stdout).toMatch(/Examples:\n {2}(npx )?lucy-ops /);
  });

  it('a reader that leaves early (| head) does not crash the CLI with EPIPE', async () => {
    // `true` exits at once, so every write of the help meets a closed pipe
    const r = await execa('bash', ['-c', `set -o pipefail; node ${JSON.stringify(BIN)} help generate | true`], {
      reject: false,
    });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.exitCode).toBe(0);
  });

  const hasScript = (() => {
    try {
      execSync('script -qc true /dev/null', { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasScript)('NO_COLOR turns colour off on a terminal for the chalk views too', async () => {
    const dir = project();
    const tty = (noColor: boolean) =>
      execa('script', ['-qc', `node ${JSON.stringify(BIN)} breaker status`, '/dev/null'], {
        cwd: dir,
        // chalk turns colour off by itself under CI=true and a dumb or missing TERM: a real terminal here
        env: {
          ...process.env,
          ...env,
          NO_COLOR: noColor ? '1' : '',
          FORCE_COLOR: undefined,
          CI: undefined,
          TERM: 'xterm-256color',
        },
        reject: false,
      });
    const [plain, coloured] = await Promise.all([tty(true), tty(false)]);
    expect(plain.stdout).toContain('deepseek-v3');
    expect(plain.stdout).not.toMatch(/\u001b\[/);
    expect(coloured.stdout).toMatch(/\u001b\[3\dm/); // the same view does colour a terminal
  });
});
