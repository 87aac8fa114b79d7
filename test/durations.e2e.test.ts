/**
 * Times and durations on the command line, end to end (src/cli/flags.ts): a bare number is refused
 * (it is ambiguous: seconds or milliseconds?), ms flags take units, and an ISO time without an offset is UTC
 * whatever TZ the host has. Providers point at a closed port: nothing here needs an answer.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, readLog, runCli, tempProject } from './helpers/cli.js';

const NOW = '2026-04-19T14:07:30Z';
const NEW_YORK = 'America/New_York'; // UTC-4 in April: a zone-less time read locally would move 4 h

function project() {
  return tempProject({
    stateDir: '.lucy-ops',
    log: 'logs/jobs.jsonl',
    providers: [
      { name: 'deepseek-v3', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
      { name: 'qwen-72b', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' },
    ],
    jobs: {
      blog: { schedule: '0 * * * *', tz: 'UTC', kind: 'blog', outDir: 'content/blog', prompt: 'x' },
      sitemap: { schedule: '5 * * * *', tz: 'UTC', command: [process.execPath, '-e', '0'] },
    },
  });
}

const cli = (dir: string, args: string[], env: Record<string, string> = {}) =>
  runCli(args, { cwd: dir, env: { LUCY_OPS_NOW: NOW, ...env } });

describe.concurrent('a bare number is a usage error that says what to write', () => {
  it('backfill --since 6, postmortem gaps --since 6 --fail-on-gap', async () => {
    const dir = project();
    const fill = await cli(dir, ['backfill', '--since', '6']);
    expect(fill.exitCode).toBe(64);
    expect(fill.stderr).toContain('--since 6: add a unit (6m, 6h, 6d) or give an ISO time');
    expect(fill.stdout).not.toContain('Nothing to backfill');
    const gaps = await cli(dir, ['postmortem', 'gaps', '--since', '6', '--fail-on-gap']);
    expect(gaps.exitCode).toBe(64);
    expect(gaps.stderr).toContain('--since 6: add a unit');
    expect(
      (await cli(dir, ['postmortem', 'gaps', '--since', '6h', '--grace', '90', '--json'])).json.error.message,
    ).toMatch(/^--grace 90: add a unit \(90s/);
  });

  it('breaker trip --for 30 opens nothing; --for 30s holds 30 s', async () => {
    const dir = project();
    const bare = await cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '30']);
    expect(bare.exitCode).toBe(64);
    expect(bare.stderr).toContain('--for 30: add a unit (30s, 30m, 30h');
    expect((await cli(dir, ['breaker', 'status', '--json'])).json.providers[1]).toMatchObject({
      provider: 'qwen-72b',
      state: 'closed',
    });
    const trip = await cli(dir, ['breaker', 'trip', 'qwen-72b', '--for', '30s', '--json']);
    expect(trip.exitCode, trip.stderr).toBe(0);
    const q = trip.json.providers.find((p: any) => p.provider === 'qwen-72b');
    expect(Date.parse(q.retryAt) - Date.parse(q.openedAt)).toBe(30_000);
  });

  it('run --timeout 10 does not start the command', async () => {
    const dir = project();
    const r = await cli(dir, [
      'run',
      'sitemap',
      '--timeout',
      '10',
      '--',
      process.execPath,
      '-e',
      'setTimeout(() => {}, 2000)',
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toContain('--timeout 10: add a unit (10s, 10m');
    expect(readLog(dir)).toEqual([]);
  });

  it('probe --timeout and serve --grace: a bare number under 100 is surely seconds', async () => {
    const dir = project();
    const probe = await cli(dir, ['probe', 'providers', '--timeout', '5']);
    expect(probe.exitCode).toBe(64);
    expect(probe.stderr).toContain(
      '--timeout 5: a bare number is milliseconds here, and 5 ms is surely not meant: write 5s',
    );
    const serve = await cli(dir, ['serve', '--port', '0', '--grace', '10']);
    expect(serve.exitCode).toBe(64);
    expect(serve.stderr).toContain('--grace 10: a bare number is milliseconds here');
  });
});

describe.concurrent('ms flags take units too', () => {
  it('probe --timeout 5s and --timeout 2000 are accepted', async () => {
    const dir = project();
    for (const timeout of ['5s', '2000']) {
      const r = await cli(dir, ['probe', 'providers', '--json', '--timeout', timeout]);
      expect(r.exitCode, r.stderr).toBe(69); // the port is closed: every provider fails, none is a usage error
      expect(r.json.providers).toHaveLength(2);
    }
  });

  it('serve --grace 10s waits up to 10000 ms', async () => {
    const dir = project();
    const child = execa(process.execPath, [BIN, 'serve', '--port', '0', '--json', '--grace', '10s'], {
      cwd: dir,
      env: { NO_COLOR: '1' },
      reject: false,
      timeout: 30_000,
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening`)));
    });
    child.kill('SIGTERM');
    const r = await child;
    expect(
      r.exitCode,
      JSON.stringify({
        signal: r.signal,
        stderr: String(r.stderr),
        stdout: String(r.stdout),
        isTerminated: r.isTerminated,
      }),
    ).toBe(0);
    expect(String(r.stderr)).toContain('waiting up to 10000 ms');
  });
});

describe.concurrent(`ISO times without an offset are UTC (TZ=${NEW_YORK})`, () => {
  const env = { TZ: NEW_YORK };

  it('postmortem gaps --since/--until', async () => {
    const r = await cli(
      project(),
      ['postmortem', 'gaps', '--since', '2026-04-19T10:00', '--until', '2026-04-19 12:00:00', '--json'],
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect([r.json.since, r.json.until]).toEqual(['2026-04-19T10:00:00.000Z', '2026-04-19T12:00:00.000Z']);
  });

  it('generate --slot and run --slot', async () => {
    const dir = project();
    const gen = await cli(dir, ['generate', 'blog', '--slot', '2026-04-19T13:00', '--dry-run', '--json'], env);
    expect(gen.exitCode, gen.stderr).toBe(0);
    expect(gen.json.slot).toBe('2026-04-19T13:00:00.000Z');
    const run = await cli(dir, ['run', 'sitemap', '--slot', '2026-04-19T13:05', '--json'], env);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.json.slot).toBe('2026-04-19T13:05:00.000Z');
  });

  it('backfill: --since after --until names both times', async () => {
    const r = await cli(project(), ['backfill', '--since', '2026-04-19T15:00', '--until', '1h', '--dry-run'], env);
    expect(r.exitCode).toBe(64);
    // the clock starts at LUCY_OPS_NOW and runs: under load a few ms pass before --until is read
    expect(r.stderr).toMatch(
      /--since \(2026-04-19T15:00:00\.000Z\) must be before --until \(2026-04-19T13:07:30\.\d{3}Z\)/,
    );
  });
});
