/**
 * Validation of the config's smaller sections: retry, breaker, alerts, state, metrics and serve.
 * Each is an optional object of known keys; a missing one takes every default.
 */
import type { ResolvedConfig } from './types.js';
import { MAX_TIMER_MS } from '../time.js';
import { hostNameProblem } from './host-name.js';
import { Checker, describe, isObj, MAX_COOLDOWN_MS, type Obj } from './field-checker.js';
import { httpUrlProblem, redisUrlProblem } from './url-checks.js';

export interface Sections {
  retry: Obj;
  breaker: Obj;
  alerts: Obj;
  state: Obj;
  metrics: Obj;
  serve: Obj;
}

/** Each section as an object ({} when unset or not an object), its unknown keys named. */
export function readSections(c: Checker, input: Obj): Sections {
  const section = (key: string, allowed: readonly string[]): Obj => {
    const v = input[key];
    if (v === undefined) return {};
    if (!isObj(v)) {
      c.bad(key, `must be an object, got ${describe(v)}`);
      return {};
    }
    c.unknownKeys(v, allowed, key);
    return v;
  };
  return {
    retry: section('retry', ['attempts', 'baseDelayMs', 'maxDelayMs']),
    breaker: section('breaker', ['failureThreshold', 'cooldownMs']),
    alerts: section('alerts', ['afterConsecutiveFailures', 'webhook', 'webhookFormat', 'command', 'webhookTimeoutMs']),
    state: section('state', ['redis', 'redisEnv', 'keyPrefix', 'timeoutMs']),
    metrics: section('metrics', ['textfile']),
    serve: section('serve', [
      'tokenEnv',
      'maxBodyBytes',
      'allowedHosts',
      'headersTimeoutMs',
      'requestTimeoutMs',
      'bodyIdleTimeoutMs',
      'deliveryTimeoutMs',
      'maxConnections',
    ]),
  };
}

export function resolveRetry(c: Checker, retry: Obj): ResolvedConfig['retry'] {
  const resolved = {
    attempts: c.num(retry, 'attempts', 'retry', 3, 1),
    baseDelayMs: c.num(retry, 'baseDelayMs', 'retry', 500, 0),
    maxDelayMs: c.num(retry, 'maxDelayMs', 'retry', 8000, 0, true, MAX_TIMER_MS),
  };
  if (resolved.maxDelayMs < resolved.baseDelayMs)
    c.bad('retry.maxDelayMs', `must be at least retry.baseDelayMs (${resolved.baseDelayMs})`);
  return resolved;
}

export function resolveBreaker(c: Checker, breaker: Obj): ResolvedConfig['breaker'] {
  return {
    failureThreshold: c.num(breaker, 'failureThreshold', 'breaker', 3, 1),
    cooldownMs: c.num(breaker, 'cooldownMs', 'breaker', 300_000, 0, true, MAX_COOLDOWN_MS),
  };
}

type AlertWebhook = Pick<ResolvedConfig['alerts'], 'webhook' | 'webhookFormat'>;

/** `alerts.webhook` and its format, checked ahead of the section's other fields. */
export function alertWebhook(c: Checker, alerts: Obj): AlertWebhook {
  const webhook = c.str(alerts, 'webhook', 'alerts');
  const webhookProblem = webhook ? httpUrlProblem(webhook) : undefined;
  if (webhookProblem) c.bad('alerts.webhook', webhookProblem);
  const webhookFormat = c.str(alerts, 'webhookFormat', 'alerts');
  if (webhookFormat && webhookFormat !== 'slack' && webhookFormat !== 'json')
    c.bad('alerts.webhookFormat', 'must be "slack" or "json"');
  return { webhook, webhookFormat: webhookFormat as AlertWebhook['webhookFormat'] };
}

export function resolveAlerts(
  c: Checker,
  alerts: Obj,
  { webhook, webhookFormat }: AlertWebhook,
): ResolvedConfig['alerts'] {
  return {
    afterConsecutiveFailures: c.num(alerts, 'afterConsecutiveFailures', 'alerts', 3, 1),
    webhook,
    webhookFormat,
    command: c.strArray(alerts, 'command', 'alerts', true),
    webhookTimeoutMs: c.num(alerts, 'webhookTimeoutMs', 'alerts', 5000, 1, true, MAX_TIMER_MS),
  };
}

/** `state.redis`, checked ahead of the section's other fields. */
export function redisUrl(c: Checker, state: Obj): string | undefined {
  const redis = c.str(state, 'redis', 'state');
  if (redis && !/^rediss?:\/\//i.test(redis))
    c.bad('state.redis', 'must be a redis:// or rediss:// URL (use state.redisEnv to read it from the environment)');
  else if (redis) {
    const problem = redisUrlProblem(redis);
    if (problem) c.bad('state.redis', problem);
  }
  return redis;
}

export function resolveState(c: Checker, state: Obj, redis: string | undefined): ResolvedConfig['state'] {
  return {
    redis,
    redisEnv: c.str(state, 'redisEnv', 'state'),
    keyPrefix: c.str(state, 'keyPrefix', 'state') ?? 'lucy-ops:',
    timeoutMs: c.num(state, 'timeoutMs', 'state', 1000, 1, true, MAX_TIMER_MS),
  };
}

export function resolveMetrics(c: Checker, metrics: Obj, abs: (p: string) => string): ResolvedConfig['metrics'] {
  return {
    textfile: metrics.textfile === undefined ? undefined : abs(c.str(metrics, 'textfile', 'metrics') ?? ''),
  };
}

export function resolveServe(c: Checker, serve: Obj): ResolvedConfig['serve'] {
  const resolved = {
    tokenEnv: c.str(serve, 'tokenEnv', 'serve'),
    maxBodyBytes: c.num(serve, 'maxBodyBytes', 'serve', 1_048_576, 1),
    allowedHosts: hostNames(c, c.strArray(serve, 'allowedHosts', 'serve')),
    // a slow client (or a slow-loris one) holds a socket and its body's memory only this long
    headersTimeoutMs: c.num(serve, 'headersTimeoutMs', 'serve', 10_000, 1, true, MAX_TIMER_MS),
    requestTimeoutMs: c.num(serve, 'requestTimeoutMs', 'serve', 30_000, 1, true, MAX_TIMER_MS),
    bodyIdleTimeoutMs: c.num(serve, 'bodyIdleTimeoutMs', 'serve', 10_000, 1, true, MAX_TIMER_MS),
    // a client that never reads holds a written answer, its connection and its run only this long
    deliveryTimeoutMs: c.num(serve, 'deliveryTimeoutMs', 'serve', 5000, 1, true, MAX_TIMER_MS),
    maxConnections: c.num(serve, 'maxConnections', 'serve', 256, 1),
  };
  // node:http refuses a headers timeout longer than the whole request's
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs)
    c.bad('serve.headersTimeoutMs', `must be at most serve.requestTimeoutMs (${resolved.requestTimeoutMs})`);
  return resolved;
}

/** `serve.allowedHosts`: each a host name (a problem names its index); [] when unset. */
function hostNames(c: Checker, names: string[] | undefined): string[] {
  return (names ?? []).filter((name, i) => {
    const problem = hostNameProblem(name);
    if (problem) c.bad(`serve.allowedHosts[${i}]`, problem);
    return !problem;
  });
}
