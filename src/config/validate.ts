/**
 * Validation of a user config, naming the path of every bad field. Hand-written rather than zod:
 * zod adds ~45 ms to every cold start (measured), and every crontab line pays start-up. The
 * checks live by section (validate-providers.ts, validate-jobs.ts, validate-sections.ts, over
 * field-checker.ts); this file runs them in the order their problems are listed.
 */
import path from 'node:path';
import type { CronSemantics, ResolvedConfig } from './types.js';
import { ConfigError } from './errors.js';
import { MAX_TIMER_MS } from '../time.js';
import { Checker, isObj } from './field-checker.js';
import { resolveProviders } from './validate-providers.js';
import { cronSemantics, resolveJobs } from './validate-jobs.js';
import {
  alertWebhook,
  readSections,
  redisUrl,
  resolveAlerts,
  resolveBreaker,
  resolveMetrics,
  resolveRetry,
  resolveServe,
  resolveState,
} from './validate-sections.js';

export { ConfigError };

const TOP = [
  'cron',
  'stateDir',
  'log',
  'providers',
  'retry',
  'breaker',
  'deadlineMs',
  'jobs',
  'alerts',
  'state',
  'metrics',
  'serve',
] as const;

/**
 * Check and resolve a config. `validateSchedule` is injected so loading croner stays off the
 * path of commands that don't need schedules.
 */
export function resolveConfig(
  input: unknown,
  configPath: string,
  validateSchedule: (schedule: string, tz: string, cron: CronSemantics) => string | undefined,
): ResolvedConfig {
  const c = new Checker();
  if (!isObj(input))
    throw new ConfigError(`${configPath || 'config'}: the config must export an object`, ['(root): must be an object']);
  const configDir = configPath ? path.dirname(configPath) : process.cwd();
  const abs = (p: string) => path.resolve(configDir, p);
  c.unknownKeys(input, TOP, '');

  const warnings: string[] = [];
  const providers = resolveProviders(c, input.providers, warnings);
  const sections = readSections(c, input);
  const retry = resolveRetry(c, sections.retry);
  const cron = cronSemantics(c, input, '', 'daemon');
  const providerNames = new Set(providers.map((p) => p.name));
  const jobs = resolveJobs(c, input.jobs, { cron, providerNames, abs, validateSchedule });
  const webhook = alertWebhook(c, sections.alerts);
  const redis = redisUrl(c, sections.state);

  const out: ResolvedConfig = {
    configPath,
    cron,
    configDir,
    stateDir: abs(c.str(input, 'stateDir', '') ?? '.lucy-ops'),
    log: abs(c.str(input, 'log', '') ?? 'logs/jobs.jsonl'),
    providers,
    retry,
    breaker: resolveBreaker(c, sections.breaker),
    deadlineMs: c.num(input, 'deadlineMs', '', 120_000, 1, true, MAX_TIMER_MS),
    jobs,
    alerts: resolveAlerts(c, sections.alerts, webhook),
    state: resolveState(c, sections.state, redis),
    metrics: resolveMetrics(c, sections.metrics, abs),
    serve: resolveServe(c, sections.serve),
    warnings,
  };
  if (c.problems.length > 0) {
    const where = configPath || 'config';
    throw new ConfigError(`invalid config ${where}:\n  ${c.problems.join('\n  ')}`, c.problems);
  }
  return out;
}
