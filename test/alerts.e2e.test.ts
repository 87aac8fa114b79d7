/**
 * Alerts end to end: `generate` runs as new processes (as crontab starts them) against the real
 * simulator, and alerts arrive at a real local HTTP receiver. Each run's process has ended before
 * we look, so what the receiver holds is everything that was sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { closedPortUrl } from '../src/sim/server.js';
import { configWrittenAt, patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
let hook: Receiver;
beforeAll(async () => {
  hook = await startReceiver();
});
afterAll(async () => {
  await hook?.close();
});
beforeEach(() => {
  hook.clear();
  hook.respondWith(200);
});

/** Attempts that cannot time out: these tests count runs and alerts and read their texts. */
function project(alerts: Record<string, unknown>) {
  return tempProject(patient(simConfig({ primary: sim.url }, { alerts })));
}
/** The hourly blog job at HH:00:05, as crontab would start it. */
const blogAt = (dir: string, hour: number) =>
  runCli(['generate', 'blog', '--json'], {
    cwd: dir,
    env: { LUCY_OPS_NOW: `2026-04-19T${String(hour).padStart(2, '0')}:00:05Z` },
  });
const alertsIn = (dir: string) => readLog(dir).filter((l) => l.event === 'alert.sent');

it('three consecutive failed runs send exactly one alert; the next success exactly one recovery', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  const dir = project({ afterConsecutiveFailures: 3, webhook: hook.url });
  // the job's output folder is a file: every run fails (exit 1) although providers answer
  const outDir = path.join(dir, 'content/blog');
  fs.mkdirSync(path.dirname(outDir), { recursive: true });
  fs.writeFileSync(outDir, 'not a folder');

  for (const hour of [10, 11]) {
    const r = await blogAt(dir, hour);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).not.toContain('ALERT');
  }
  expect(hook.requests).toHaveLength(0);

  const third = await blogAt(dir, 12);
  expect(third.exitCode).toBe(1);
  expect(third.stderr).toMatch(
    /^lucy-ops: ALERT job-failing: blog has failed 3 runs in a row \(last: slot 2026-04-19T12:00:00.000Z: .+\)$/m,
  );
  expect(hook.requests).toHaveLength(1);
  const [alert] = hook.requests;
  expect(alert.method).toBe('POST');
  expect(alert.headers['content-type']).toBe('application/json');
  expect(Object.keys(alert.body)).toEqual(['text']); // Slack-compatible
  expect(alert.body.text).toContain('lucy-ops job-failing');
  expect(alert.body.text).toContain('blog has failed 3 runs in a row');

  // still failing: the incident was already alerted
  expect((await blogAt(dir, 13)).exitCode).toBe(1);
  expect(hook.requests).toHaveLength(1);

  fs.rmSync(outDir);
  const healed = await blogAt(dir, 14);
  expect(healed.exitCode).toBe(0);
  expect(healed.stderr).toMatch(
    /^lucy-ops: RECOVERED job-recovered: blog recovered: slot 2026-04-19T14:00:00.000Z served by deepseek-v3 after 4 failed runs$/m,
  );
  expect(hook.requests).toHaveLength(2);
  expect(hook.requests[1].body.text).toContain('blog recovered');

  expect((await blogAt(dir, 15)).exitCode).toBe(0);
  expect(hook.requests).toHaveLength(2);

  const sent = alertsIn(dir);
  expect(sent.map((l) => [l.kind, l.scheduledFor, l.channels])).toEqual([
    ['job-failing', '2026-04-19T12:00:00.000Z', ['stderr', 'webhook']],
    ['job-recovered', '2026-04-19T14:00:00.000Z', ['stderr', 'webhook']],
  ]);
  expect(sent[0]).toMatchObject({ job: 'blog', trigger: 'cron', consecutiveFailures: 3, severity: 'critical' });
});

it('a missing API key (exit 78) counts as a failed run: the threshold fires one alert naming the variable; the gaps watchdog leaves it to the job alert', async () => {
  sim.setScript({ '*': { kind: 'ok' } });
  sim.resetCounts();
  const cfg = patient(
    simConfig({ primary: sim.url }, { alerts: { afterConsecutiveFailures: 3, webhook: hook.url } }),
  ) as any;
  for (const p of cfg.providers) p.apiKeyEnv = 'LUCY_TEST_ROTATED_KEY';
  const dir = tempProject(cfg);
  // as crontab starts it after a secret was rotated away: the variable is not there
  const at = (hour: number, env: Record<string, string> = {}) =>
    runCli(['generate', 'blog'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: `2026-04-19T${String(hour).padStart(2, '0')}:00:05Z`, ...env },
    });

  for (const hour of [10, 11]) {
    const r = await at(hour);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('environment variable LUCY_TEST_ROTATED_KEY is not set');
    expect(r.stderr).not.toContain('ALERT');
  }
  expect(hook.requests).toHaveLength(0);
  const third = await at(12);
  expect(third.exitCode).toBe(78);
  expect(third.stderr).toMatch(
    /^lucy-ops: ALERT job-failing: blog has failed 3 runs in a row \(last: slot 2026-04-19T12:00:00.000Z: configuration error: environment variable LUCY_TEST_ROTATED_KEY is not set \(needed by deepseek-v3, llama-3.3-70b, qwen-72b\)\)$/m,
  );
  expect(hook.requests.map((r) => r.body.text)).toEqual([expect.stringContaining('LUCY_TEST_ROTATED_KEY')]);
  expect(sim.counts()).toEqual({});
  expect(
    readLog(dir)
      .filter((l) => l.event === 'run.end')
      .map((l) => [l.scheduledFor, l.outcome, l.failure]),
  ).toEqual([
    ['2026-04-19T10:00:00.000Z', 'failed', 'config'],
    ['2026-04-19T11:00:00.000Z', 'failed', 'config'],
    ['2026-04-19T12:00:00.000Z', 'failed', 'config'],
  ]);

  // the watchdog sees failed slots, not silent ones: no "the job never started" alert
  const watch = await runCli(
    ['postmortem', 'gaps', '--since', '2026-04-19T10:00Z', '--job', 'blog', '--fail-on-gap', '--json'],
    { cwd: dir, env: { LUCY_OPS_NOW: '2026-04-19T12:30:00Z' } },
  );
  expect(watch.exitCode).toBe(1);
  expect(watch.json.gaps).toEqual([expect.objectContaining({ job: 'blog', slots: 3, failed: 3, missing: 0 })]);
  expect(watch.stderr).not.toContain('ALERT gap');
  expect(hook.requests).toHaveLength(1);

  // the key is back: one recovery
  const healed = await at(13, { LUCY_TEST_ROTATED_KEY: 'sk-test-restored' });
  expect(healed.exitCode, healed.stderr).toBe(0);
  expect(healed.stderr).toMatch(
    /^lucy-ops: RECOVERED job-recovered: blog recovered: slot 2026-04-19T13:00:00.000Z served by deepseek-v3 after 3 failed runs$/m,
  );
  expect(alertsIn(dir).map((l) => l.kind)).toEqual(['job-failing', 'job-recovered']);
});

it('a chain failure (exit 69) alerts at once, once; the threshold escalates; one recovery (generic JSON body)', async () => {
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const dir = project({ afterConsecutiveFailures: 3, webhook: hook.url, webhookFormat: 'json' });

  const first = await blogAt(dir, 10);
  expect(first.exitCode).toBe(69);
  expect(hook.requests).toHaveLength(1);
  const chain = hook.requests[0].body;
  expect(chain).toMatchObject({
    kind: 'chain-failed',
    severity: 'critical',
    job: 'blog',
    slot: '2026-04-19T10:00:00.000Z',
    runId: first.json.runId ?? expect.any(String),
    consecutiveFailures: 1,
    providers: ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'], // the breakers this run opened ride along
    ts: expect.any(String),
    host: expect.any(String),
  });
  expect(chain.summary).toMatch(
    /^blog: no provider could serve slot 2026-04-19T10:00:00.000Z \(.*503.*\); breaker opened for deepseek-v3, llama-3.3-70b, qwen-72b$/,
  );

  expect((await blogAt(dir, 11)).exitCode).toBe(69);
  expect(hook.requests).toHaveLength(1);
  expect((await blogAt(dir, 12)).exitCode).toBe(69);
  expect(hook.requests.map((r) => r.body.kind)).toEqual(['chain-failed', 'job-failing']);

  sim.setScript({ '*': { kind: 'ok' } });
  expect((await blogAt(dir, 13)).exitCode).toBe(0);
  expect(hook.requests.map((r) => r.body.kind)).toEqual(['chain-failed', 'job-failing', 'job-recovered']);
  expect(hook.requests[2].body).toMatchObject({
    severity: 'resolved',
    job: 'blog',
    details: { failedRuns: 3 },
    providers: ['deepseek-v3'],
  });
  expect(hook.requests[2].body.summary).toMatch(/; breaker closed for deepseek-v3$/);
});

it('a breaker that opens while a fallback serves sends one breaker-open warning, not one per run', async () => {
  sim.setScript({ 'deepseek-v3': { kind: 'status', status: 503 }, '*': { kind: 'ok' } });
  const dir = project({ webhook: hook.url });
  const first = await blogAt(dir, 10);
  expect(first.exitCode).toBe(0);
  expect(first.json).toMatchObject({ degraded: true, provider: 'llama-3.3-70b' });
  expect(first.stderr).toMatch(
    /^lucy-ops: WARNING breaker-open: breaker opened for deepseek-v3 .*served by llama-3\.3-70b$/m,
  );
  expect(hook.requests).toHaveLength(1);
  for (const hour of [11, 12]) expect((await blogAt(dir, hour)).exitCode).toBe(0); // re-opens after failed trials are the same incident
  expect(hook.requests).toHaveLength(1);
  expect(alertsIn(dir).map((l) => l.kind)).toEqual(['breaker-open']);
  // successes outside an incident leave no alert memory behind (no lock, no write)
  const state = JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8'));
  expect(Object.keys(state.entries)).not.toContain('alert:blog');

  // the primary comes back: the next trial closes its breaker and sends exactly one recovery
  sim.setScript({ '*': { kind: 'ok' } });
  const healed = await blogAt(dir, 13);
  expect(healed.json).toMatchObject({ provider: 'deepseek-v3', degraded: false });
  expect(hook.requests).toHaveLength(2);
  expect(hook.requests[1].body.text).toMatch(/breaker-closed/);
  expect(alertsIn(dir).map((l) => l.kind)).toEqual(['breaker-open', 'breaker-closed']);
  expect((await blogAt(dir, 14)).exitCode).toBe(0);
  expect(alertsIn(dir).map((l) => l.kind)).toEqual(['breaker-open', 'breaker-closed']);
});

it('a dead webhook does not change the exit code; the failure is logged without the webhook URL', async () => {
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const dead = (await closedPortUrl()).replace(/\/v1$/, '') + '/services/T000/B000/secret-token-path';
  const dir = project({ afterConsecutiveFailures: 1, webhook: dead });
  const r = await blogAt(dir, 10);
  expect(r.exitCode).toBe(69);
  expect(r.stderr).toMatch(/^lucy-ops: ALERT job-failing: /m);
  const failed = readLog(dir).filter((l) => l.event === 'alert.failed');
  expect(failed).toEqual([expect.objectContaining({ kind: 'job-failing', channel: 'webhook', level: 'warn' })]);
  expect(failed[0].error).toMatch(/ECONNREFUSED|refused/i);
  expect(alertsIn(dir)).toEqual([expect.objectContaining({ kind: 'job-failing', channels: ['stderr'] })]);
  expect(JSON.stringify(readLog(dir)) + r.stderr).not.toContain('secret-token-path');

  // and a success still exits 0 with the webhook answering 500
  sim.setScript({ '*': { kind: 'ok' } });
  hook.respondWith(500);
  const dir2 = project({ afterConsecutiveFailures: 1, webhook: hook.url });
  fs.mkdirSync(path.join(dir2, 'content'), { recursive: true });
  fs.writeFileSync(path.join(dir2, 'content/blog'), 'not a folder');
  expect((await blogAt(dir2, 10)).exitCode).toBe(1);
  fs.rmSync(path.join(dir2, 'content/blog'));
  const ok = await blogAt(dir2, 11);
  expect(ok.exitCode).toBe(0);
  expect(hook.requests).toHaveLength(2);
  expect(
    readLog(dir2)
      .filter((l) => l.event === 'alert.failed')
      .map((l) => l.error),
  ).toEqual([expect.stringContaining('HTTP 500'), expect.stringContaining('HTTP 500')]);
});

it('the command channel gets the alert JSON on stdin, and its output stays off our stdout', async () => {
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const dir = tempProject({});
  const got = path.join(dir, 'alert.json');
  const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{require('fs').writeFileSync(${JSON.stringify(got)}, s);console.log('mailed '+process.env.LUCY_OPS_ALERT_KIND)})`;
  fs.writeFileSync(
    path.join(dir, 'lucy-ops.config.json'),
    JSON.stringify(
      patient(
        simConfig({ primary: sim.url }, { alerts: { afterConsecutiveFailures: 1, command: ['node', '-e', script] } }),
      ),
    ),
  );
  const r = await blogAt(dir, 10);
  expect(r.exitCode).toBe(69);
  expect(r.json).toMatchObject({ status: 'failed' }); // stdout is still one JSON document
  expect(JSON.parse(fs.readFileSync(got, 'utf8'))).toMatchObject({
    kind: 'job-failing',
    job: 'blog',
    slot: '2026-04-19T10:00:00.000Z',
  });
  expect(alertsIn(dir)[0].channels).toEqual(['stderr', 'command']);
});

it('the gaps watchdog alerts once for silent slots, through the same channels', async () => {
  const dir = project({ webhook: hook.url });
  configWrittenAt(dir);
  const before = hook.requests.length;
  // no job ever ran under a config older than the window: every slot in it is missing
  const watch = () =>
    runCli(['postmortem', 'gaps', '--since', '2h', '--fail-on-gap', '--job', 'blog'], {
      cwd: dir,
      env: { LUCY_OPS_NOW: '2026-04-19T14:30:00Z' },
    });
  const first = await watch();
  expect(first.exitCode).toBe(1);
  // one stderr line: what the watchdog found and that it alerted (cron mails it)
  expect(first.stderr.trimEnd().split('\n')).toEqual([
    expect.stringMatching(
      /^lucy-ops: ALERT gap: 1 gap\(s\), \d+ unserved slot\(s\): blog from 2026-04-19 \d\d:\d\dZ \(\d+ missing, still open, alerted/,
    ),
  ]);
  expect(hook.requests.length).toBe(before + 1);
  expect(hook.requests.at(-1)!.body.text).toMatch(/blog/);
  const second = await watch();
  expect(second.exitCode).toBe(1); // still a gap: the watchdog still fails...
  expect(second.stderr).toMatch(/^lucy-ops: gaps: 1 gap\(s\)/);
  expect(hook.requests.length).toBe(before + 1); // ...but the same gap is not alerted twice
});
