/**
 * serve's own alert policy, end to end: a real serve process, the official `openai` client, the
 * simulator and a webhook receiver. Proxied requests page about requests and providers, once per
 * incident with one recovery; `x-lucy-job` is a label for the log and never reaches a cron job's
 * alert memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
let hook: Receiver;
const started: Serve[] = [];

beforeAll(async () => {
  hook = await startReceiver();
});
afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await hook.close();
});

const ask = { model: 'auto', messages: [{ role: 'user' as const, content: 'Write about failover.' }] };

/** A project whose breakers never open (so only the request policy speaks), alerts to the receiver. */
function project(): string {
  // attempts that cannot time out: the alerts count 503s and answers, never a slow answer's timeout
  return tempProject(
    patient(
      simConfig(
        { primary: sim.url },
        {
          breaker: { failureThreshold: 1000, cooldownMs: 300_000 },
          retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
          alerts: { afterConsecutiveFailures: 3, webhook: hook.url, webhookFormat: 'json' },
        },
      ),
    ),
  );
}

async function stop(s: Serve): Promise<void> {
  s.child.kill('SIGTERM'); // serve drains its after-run hooks before it exits
  expect(await s.exited).toBe(0);
}

it('5 failed proxied requests send one requests-failing alert (about requests and providers), then one recovery', async () => {
  hook.clear();
  const dir = project();
  const serve = await startServe(dir);
  started.push(serve);
  const openai = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  for (let i = 0; i < 5; i++) {
    const err = await openai.chat.completions.create(ask).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  }
  sim.setScript({ '*': { kind: 'ok' } });
  for (let i = 0; i < 3; i++) await openai.chat.completions.create(ask);
  await hook.waitFor(2);
  await stop(serve);

  const alerts = hook.requests.map((r) => r.body);
  expect(alerts.map((a) => a.kind)).toEqual(['requests-failing', 'requests-recovered']);
  expect(alerts[0]).toMatchObject({ severity: 'critical', job: 'serve' });
  expect(alerts[0].summary).toBe(
    'serve: 3 of the last 3 requests failed: every provider down (deepseek-v3: 503; llama-3.3-70b: 503; qwen-72b: 503)',
  );
  expect(alerts[1].summary).toBe(
    'serve: requests are served again (3 in a row, the last by deepseek-v3; 5 of the last 8 failed)',
  );
  for (const a of alerts) {
    expect(a.slot).toBeUndefined();
    expect(a.summary).not.toMatch(/slot|runs? in a row/);
  }
  const sent = readLog(dir).filter((r) => r.event === 'alert.sent');
  expect(sent.map((r) => r.kind)).toEqual(['requests-failing', 'requests-recovered']);
});

it('x-lucy-job: blog logs as serve:blog and leaves blog alone: no false recovery, its failure streak goes on', async () => {
  hook.clear();
  const dir = project();
  // two failed cron runs of blog: a streak of 2, one chain-failed alert
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  const at = (iso: string) => ({ cwd: dir, env: { LUCY_OPS_NOW: iso } });
  for (const iso of ['2026-04-19T14:00:30Z', '2026-04-19T15:00:30Z']) {
    expect((await runCli(['generate', 'blog'], at(iso))).exitCode).toBe(69);
  }
  await hook.waitFor(1);
  expect(hook.requests.map((r) => r.body.kind)).toEqual(['chain-failed']);
  const state = () => JSON.parse(fs.readFileSync(path.join(dir, '.lucy-ops/state.json'), 'utf8')).entries;
  const memoryBefore = JSON.stringify(state()['alert:blog']);
  expect(JSON.parse(memoryBefore)).toMatchObject({ consecutiveFailures: 2 });

  // a client names blog and is served
  const serve = await startServe(dir);
  started.push(serve);
  sim.setScript({ '*': { kind: 'ok' } });
  const openai = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const { response } = await openai.chat.completions.create(ask, { headers: { 'x-lucy-job': 'blog' } }).withResponse();
  const runId = response.headers.get('x-lucy-run-id');
  await stop(serve);
  const records = readLog(dir).filter((r) => r.runId === runId);
  expect(records.map((r) => r.job)).toEqual(records.map(() => 'serve:blog'));
  expect(records.at(-1)).toMatchObject({ event: 'run.end', outcome: 'ok' });
  expect(JSON.stringify(state()['alert:blog'])).toBe(memoryBefore); // untouched
  expect(hook.requests.map((r) => r.body.kind)).toEqual(['chain-failed']); // no "blog recovered"
  expect(serve.stderr()).not.toContain('recovered');

  // blog's third failed run is its third in a row
  sim.setScript({ '*': { kind: 'status', status: 503 } });
  expect((await runCli(['generate', 'blog'], at('2026-04-19T16:00:30Z'))).exitCode).toBe(69);
  await hook.waitFor(2);
  expect(hook.requests[1].body).toMatchObject({ kind: 'job-failing', job: 'blog', consecutiveFailures: 3 });
});
