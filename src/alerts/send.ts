/**
 * Delivering one alert through every configured channel: always one line on stderr (crontab's
 * MAILTO delivers it), the webhook (Slack-compatible `{text}` or the alert as JSON) and the
 * command (alert JSON on stdin). A channel that fails is reported and logged (`alert.failed`),
 * never thrown: an alert must not change the exit code of the job it is about.
 */
import { hostname } from 'node:os';
import type { ResolvedConfig } from '../config/types.js';
import type { Level } from '../log/types.js';
import { JobLog, newRunId, safeClockFromEnv } from '../log/writer.js';
import { scrubSecrets } from '../log/scrub.js';
import { printable } from '../text/printable.js';
import { printableDeep } from '../text/printable-deep.js';
import type { Alert, AlertInput, AlertKind, AlertReport, Delivery, Severity } from './types.js';

/** How long an alert command may run before it is killed. */
export const COMMAND_TIMEOUT_MS = 30_000;

export type AlertLogger = (event: string, fields: Record<string, unknown>, level: Level) => void;

export interface SendOptions {
  /** Where `alert.sent` / `alert.failed` records go. Default: the config's job log, job = alert.job ?? "alerts", trigger "manual". */
  log?: AlertLogger;
  /** Where the one stderr line goes. Default process.stderr. */
  stderr?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_SEVERITY: Record<AlertKind, Severity> = {
  'job-failing': 'critical',
  'chain-failed': 'critical',
  gap: 'critical',
  'breaker-open': 'warning',
  'breaker-closed': 'resolved',
  'job-recovered': 'resolved',
  'requests-failing': 'critical',
  'requests-recovered': 'resolved',
};

/**
 * Fill in ts (LUCY_OPS_NOW-aware), host and the kind's default severity. Every string in it is
 * made printable (a space for each run of control, bidi or zero-width characters): summaries and
 * details carry log text (a provider name, an error body), and no channel may get a terminal
 * escape, a forged line (a mail subject, the cron mail) or reordered text from it.
 */
export function completeAlert(input: AlertInput): Alert {
  return printableDeep(
    {
      ...input,
      severity: input.severity ?? DEFAULT_SEVERITY[input.kind],
      ts: input.ts ?? new Date(safeClockFromEnv().now()).toISOString(),
      host: input.host ?? hostname(),
    },
    ' ',
  );
}

/** The stderr line: `lucy-ops: ALERT job-failing: blog has failed 3 runs in a row ...`. */
export function alertLine(alert: Alert): string {
  const head = alert.severity === 'resolved' ? 'RECOVERED' : alert.severity === 'warning' ? 'WARNING' : 'ALERT';
  return `lucy-ops: ${head} ${alert.kind}: ${alert.summary}`;
}

/**
 * The webhook body: Slack (and Mattermost, Discord /slack, Teams workflows) read `text`, in which
 * `<...>` is markup (`<!channel>` pings everyone, `<url|label>` is a link with any label): `&`,
 * `<` and `>` are escaped as Slack requires, so text from a log shows as typed. The JSON format
 * carries the alert as data, for a receiver that knows it is data.
 */
export function webhookBody(alert: Alert, format: 'slack' | 'json' = 'slack'): string {
  if (format === 'json') return JSON.stringify(alert);
  const icon =
    alert.severity === 'resolved'
      ? ':white_check_mark:'
      : alert.severity === 'warning'
        ? ':warning:'
        : ':rotating_light:';
  return JSON.stringify({
    text: `${icon} *lucy-ops ${alert.kind}* (${slackText(alert.host)}): ${slackText(alert.summary)}`,
  });
}

const SLACK_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const slackText = (text: string) => text.replace(/[&<>]/g, (c) => SLACK_ENTITIES[c]);

/**
 * Send one alert now. Resolves when every channel is done (each is bounded by its timeout);
 * never rejects. The gaps watchdog calls this too (see docs/alerting.md).
 */
export async function sendAlert(
  config: Pick<ResolvedConfig, 'alerts' | 'log'>,
  input: AlertInput,
  opts: SendOptions = {},
): Promise<AlertReport> {
  const alert = completeAlert(input);
  const log = opts.log ?? defaultLogger(config.log, alert);
  const deliveries: Delivery[] = [];

  const started = performance.now();
  const stderr = opts.stderr ?? ((l: string) => process.stderr.write(l + '\n'));
  try {
    stderr(alertLine(alert));
    deliveries.push({ channel: 'stderr', ok: true, ms: Math.round(performance.now() - started) });
  } catch (err) {
    deliveries.push({ channel: 'stderr', ok: false, ms: 0, error: (err as Error).message });
  }

  const pending: Array<Promise<Delivery>> = [];
  const { webhook, command } = config.alerts;
  const timeoutMs = config.alerts.webhookTimeoutMs ?? 5000;
  if (webhook)
    pending.push(
      timed('webhook', () => postWebhook(webhook, webhookBody(alert, config.alerts.webhookFormat), timeoutMs), webhook),
    );
  if (command?.length)
    pending.push(timed('command', () => runCommand(command, alert, opts.env ?? process.env), webhook));
  deliveries.push(...(await Promise.all(pending)));

  const ok = deliveries.filter((d) => d.ok).map((d) => d.channel);
  for (const d of deliveries) {
    if (d.ok) continue;
    log('alert.failed', { kind: alert.kind, channel: d.channel, error: d.error, ms: d.ms }, 'warn');
    // a broken pager channel must be as loud as the alert itself: cron mails this line too
    if (d.channel !== 'stderr') {
      try {
        stderr(
          `lucy-ops: ALERT DELIVERY FAILED (${d.channel}): ${d.error ?? 'unknown error'}; this ${alert.kind} alert reached stderr only`,
        );
      } catch {
        // stderr itself is gone: the job log has alert.failed
      }
    }
  }
  log(
    'alert.sent',
    { kind: alert.kind, severity: alert.severity, summary: alert.summary, channels: ok, ...pick(alert) },
    alert.severity === 'resolved' ? 'info' : 'warn',
  );
  return { alert, deliveries };
}

function pick(alert: Alert): Record<string, unknown> {
  const { providers, consecutiveFailures } = alert;
  return { ...(providers ? { providers } : {}), ...(consecutiveFailures !== undefined ? { consecutiveFailures } : {}) };
}

async function timed(channel: 'webhook' | 'command', fn: () => Promise<void>, webhookUrl?: string): Promise<Delivery> {
  const started = performance.now();
  try {
    await fn();
    return { channel, ok: true, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return { channel, ok: false, ms: Math.round(performance.now() - started), error: safeError(err, webhookUrl) };
  }
}

/** A webhook URL is itself a secret (Slack's carries the token in its path): show only its origin. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return 'the webhook';
  }
}

function safeError(err: unknown, webhookUrl?: string): string {
  const e = err as Error & { cause?: { code?: string; message?: string }; code?: string };
  let text = e?.message ?? String(err);
  const code = e?.cause?.code ?? e?.code;
  if (code && !text.includes(code)) text = `${code}: ${text}`;
  if (webhookUrl) text = text.split(webhookUrl).join(describeUrl(webhookUrl));
  // a command's stderr is outside text too: one printable line
  return printable(scrubSecrets(text), ' ').slice(0, 300);
}

async function postWebhook(url: string, body: string, timeoutMs: number): Promise<void> {
  // undici only on this path: most runs send no alert and must not pay its load time
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connect: { timeout: timeoutMs }, keepAliveTimeout: 1, pipelining: 0 });
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'lucy-ops' },
      body,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300)
      throw new Error(`${describeUrl(url)} answered HTTP ${res.statusCode}`);
  } catch (err) {
    const e = err as Error;
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError')
      throw new Error(`${describeUrl(url)} did not answer within ${timeoutMs} ms`);
    throw new Error(`${describeUrl(url)}: ${(e as { cause?: Error }).cause?.message ?? e.message}`);
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

async function runCommand(command: string[], alert: Alert, env: NodeJS.ProcessEnv): Promise<void> {
  const { execa } = await import('execa');
  const r = await execa(command[0], command.slice(1), {
    input: JSON.stringify(alert) + '\n',
    reject: false,
    timeout: COMMAND_TIMEOUT_MS,
    env: {
      ...env,
      LUCY_OPS_ALERT_KIND: alert.kind,
      LUCY_OPS_ALERT_SEVERITY: alert.severity,
      LUCY_OPS_ALERT_SUMMARY: alert.summary,
      LUCY_OPS_ALERT_JOB: alert.job ?? '',
    },
    // its output must not reach our stdout (which may be a --json document)
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (r.failed) {
    const tail = String(r.stderr ?? '')
      .trim()
      .split('\n')
      .slice(-2)
      .join(' | ');
    const why = r.timedOut
      ? `timed out after ${COMMAND_TIMEOUT_MS} ms`
      : r.exitCode !== undefined
        ? `exited ${r.exitCode}`
        : (r.shortMessage ?? 'failed');
    throw new Error(`alert command ${command[0]} ${why}${tail ? `: ${tail}` : ''}`);
  }
}

function defaultLogger(logPath: string, alert: Alert): AlertLogger {
  return new JobLog(logPath).forRun({
    job: alert.job ?? 'alerts',
    runId: newRunId(),
    scheduledFor: alert.slot ?? alert.ts,
    trigger: 'manual',
  });
}
