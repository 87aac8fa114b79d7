/**
 * What the watchdog's alert carries out of the building, end to end: `postmortem gaps
 * --fail-on-gap` as crontab runs it, a real local webhook receiver and a real alert command. Text
 * from a crafted log reaches every channel as plain printable text (no terminal escape, line
 * break, bidi override, nor Slack markup), and a failing alert command that prints the API key
 * gets none of it into the cron mail or the log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { configWrittenAt, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { failedRun, writeLog } from './helpers/log-lines.js';
import { startReceiver, type Receiver } from './helpers/receiver.js';

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const EVIL =
  'x\u001b]8;;https://evil.example\u0007CLICK\u001b]8;;\u0007\n<!channel> <https://evil.example/reset|Rotate your API key here>\u202egnp.exe';

let hook: Receiver;
beforeAll(async () => {
  hook = await startReceiver();
});
afterAll(async () => {
  await hook?.close();
});
beforeEach(() => hook.clear());

/** A project whose blog failed at 14:00 (attempt by `provider`) and never ran at 15:00. */
function project(alerts: Record<string, unknown>, provider = 'deepseek-v3'): string {
  const config = simConfig({ primary: 'http://127.0.0.1:9' }, { alerts });
  for (const p of config.providers as { apiKeyEnv?: string }[]) p.apiKeyEnv = 'TOGETHER_API_KEY';
  const dir = tempProject(config);
  configWrittenAt(dir);
  fs.mkdirSync(path.join(dir, 'logs'));
  writeLog(
    path.join(dir, 'logs/jobs.jsonl'),
    failedRun({ job: 'blog', runId: 'evil-1', slot: '2026-04-19T14:00:00.000Z', provider, error: '503' }),
  );
  return dir;
}

const watchdog = (dir: string, env: Record<string, string> = {}) =>
  runCli(['postmortem', 'gaps', '--since', '2h', '--job', 'blog', '--fail-on-gap'], {
    cwd: dir,
    env: { LUCY_OPS_NOW: '2026-04-19T15:30:00Z', ...env },
  });

it('log text in a gap alert reaches the webhook, the command and the log printable, with no Slack markup', async () => {
  const got = (name: string) => path.join(os.tmpdir(), name);
  const dir0 = fs.mkdtempSync(got('lucy-ops-alert-text-'));
  const stdinFile = path.join(dir0, 'stdin.json');
  const envFile = path.join(dir0, 'summary.txt');
  const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const fs=require('fs');fs.writeFileSync(${JSON.stringify(stdinFile)},s);fs.writeFileSync(${JSON.stringify(envFile)},process.env.LUCY_OPS_ALERT_SUMMARY)})`;
  const dir = project({ webhook: hook.url, command: ['node', '-e', script] }, EVIL);
  const r = await watchdog(dir);
  expect(r.exitCode, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^lucy-ops: ALERT gap: /);

  // Slack: the text is there, its <, > and & escaped, so no ping and no link
  expect(hook.requests).toHaveLength(1);
  const text: string = hook.requests[0].body.text;
  expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example/reset|Rotate your API key here&gt;');
  expect(text).not.toMatch(/[<>]/);
  expect(text).not.toMatch(INVISIBLE);

  // the command: its stdin JSON and LUCY_OPS_ALERT_SUMMARY (a mail subject) are one printable line
  const alert = JSON.parse(fs.readFileSync(stdinFile, 'utf8'));
  expect(alert.summary).toContain('x ]8;;https://evil.example CLICK ]8;; <!channel> <https://evil.example/reset|');
  expect(JSON.stringify(alert.details)).toContain('CLICK');
  for (const value of [alert.summary, JSON.stringify(alert), fs.readFileSync(envFile, 'utf8')])
    expect(value).not.toMatch(INVISIBLE);

  // the log's alert.sent record
  const sent = readLog(dir).filter((l) => l.event === 'alert.sent');
  expect(sent).toHaveLength(1);
  expect(sent[0].summary).toContain('CLICK');
  expect(sent[0].summary).not.toMatch(INVISIBLE);
});

it('an alert command that prints the API key: the key is blanked in the cron mail line and in alert.failed', async () => {
  const KEY = 'tgp_v1_Q7hT2mVx9LpR4wZk8NcY3bFd6GjSa1'; // no sk- shape: only the registered value can catch it
  const dir = project({
    command: [
      'node',
      '-e',
      'const k = process.env.TOGETHER_API_KEY; console.error("key=" + k + " b64=" + Buffer.from(k).toString("base64")); process.exit(1)',
    ],
  });
  const r = await watchdog(dir, { TOGETHER_API_KEY: KEY });
  expect(r.exitCode, r.stderr).toBe(1);
  // the command really ran and failed, and its stderr is quoted
  expect(r.stderr).toMatch(
    /lucy-ops: ALERT DELIVERY FAILED \(command\): alert command node exited 1: key=\[REDACTED\]/,
  );
  const failed = readLog(dir).filter((l) => l.event === 'alert.failed');
  expect(failed).toHaveLength(1);
  expect(failed[0].error).toContain('key=[REDACTED]');
  const everything = r.stdout + r.stderr + fs.readFileSync(path.join(dir, 'logs/jobs.jsonl'), 'utf8');
  const b64 = Buffer.from(KEY).toString('base64');
  for (const secret of [KEY, b64])
    for (let i = 0; i + 8 <= secret.length; i++) expect(everything).not.toContain(secret.slice(i, i + 8));
});
