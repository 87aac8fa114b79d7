/**
 * Validation of a user config, naming the path of every bad field. Hand-written rather than zod:
 * zod adds ~45 ms to every cold start (measured), and every crontab line pays start-up.
 */
import path from 'node:path';
import type { CronSemantics, ResolvedConfig, ResolvedJob, ResolvedProvider } from './types.js';
import { ConfigError } from './errors.js';
import { MAX_TIMER_MS } from '../time.js';
import { baseUrlWarning } from './base-url.js';
import { PLACEHOLDERS, unknownPlaceholders } from './placeholders.js';
import { PROVIDER_APIS, type ProviderApi } from '../providers/apis.js';
import { RESERVED_JOB_NAMES } from './reserved-names.js';
import { hostNameProblem } from './host-name.js';

export { ConfigError };

type Obj = Record<string, unknown>;

/** `retry.attempts`, or `deadlineMs` for a top-level field (at is ''). */
const field = (at: string, key: string): string => (at ? `${at}.${key}` : key);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  problems: string[] = [];
  bad(at: string, what: string): void {
    this.problems.push(`${at}: ${what}`);
  }
  str(o: Obj, key: string, at: string, required = false): string | undefined {
    const v = o[key];
    if (v === undefined) {
      if (required) this.bad(field(at, key), 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      this.bad(field(at, key), `must be a non-empty string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  num(
    o: Obj,
    key: string,
    at: string,
    dflt: number,
    min: number,
    integer = true,
    max = Number.MAX_SAFE_INTEGER,
  ): number {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      this.bad(field(at, key), `must be ${integer ? 'a whole number' : 'a number'}, got ${describe(v)}`);
      return dflt;
    }
    if (v < min) {
      this.bad(field(at, key), `must be at least ${min}, got ${v}`);
      return dflt;
    }
    if (v > max) {
      this.bad(field(at, key), `must be at most ${max}${MAX_NOTES.get(max) ?? ''}, got ${v}`);
      return dflt;
    }
    return v;
  }
  bool(o: Obj, key: string, at: string, dflt: boolean): boolean {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') {
      this.bad(field(at, key), `must be true or false, got ${describe(v)}`);
      return dflt;
    }
    return v;
  }
  /** `argv`: the array is a command line, run without a shell (so a string is a common slip). */
  strArray(o: Obj, key: string, at: string, argv = false): string[] | undefined {
    const v = o[key];
    if (v === undefined) return undefined;
    if (argv && typeof v === 'string' && v.trim() !== '') {
      const words = JSON.stringify(v.trim().split(/\s+/)).replaceAll('","', '", "');
      this.bad(
        field(at, key),
        `must be an array: the command and its arguments, run without a shell (e.g. ${words}), got ${describe(v)}`,
      );
      return undefined;
    }
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s === '')) {
      this.bad(field(at, key), `must be a non-empty array of non-empty strings, got ${describe(v)}`);
      return undefined;
    }
    return v as string[];
  }
  unknownKeys(o: Obj, allowed: readonly string[], at: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) this.bad(field(at, k), `is not a known field (known: ${allowed.join(', ')})`);
    }
  }
}

/** A breaker cooldown longer than a year is a slip (and a huge one overflows the dates it sets). */
export const MAX_COOLDOWN_MS = 365 * 86_400_000;
const MAX_NOTES = new Map([
  [MAX_TIMER_MS, ' (about 24.8 days: longer timers fire at once in Node)'],
  [MAX_COOLDOWN_MS, ' (a year)'],
]);
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Why this is not a usable http(s) URL, or undefined when it is. */
export function httpUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a valid http(s) URL (it does not parse: a space, a bracket left open?)';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (!url.hostname) return 'must be an http(s) URL with a host';
  return undefined;
}

/** Why this redis:// URL would fail at connect time (its database part), or undefined. */
export function redisUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a valid redis:// URL (it does not parse)';
  }
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db))
    return `the database (after the last "/") must be a number from 0 to 15, got ${JSON.stringify(db.slice(0, 20))}`;
  return undefined;
}

/** `serve.allowedHosts`: each a host name (a problem names its index); [] when unset. */
function hostNames(c: Checker, names: string[] | undefined): string[] {
  return (names ?? []).filter((name, i) => {
    const problem = hostNameProblem(name);
    if (problem) c.bad(`serve.allowedHosts[${i}]`, problem);
    return !problem;
  });
}

/** A URL for a message, without any `user:password@` (a bad baseUrl may still carry a key). */
export function describeUrl(raw: string): string {
  return describe(withoutUserinfo(raw));
}

/** The URL without `user:password@`: up to the last "@", so a password with an unescaped "/" or "@" goes too. */
function withoutUserinfo(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, '$1');
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

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
const PROVIDER = [
  'name',
  'api',
  'baseUrl',
  'model',
  'apiKeyEnv',
  'timeoutMs',
  'idleTimeoutMs',
  'maxResponseBytes',
  'stream',
  'headers',
] as const;
/** The default byte cap of one answer, and the most a cap may be (past ~512 MB no string holds the body). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const MAX_RESPONSE_BYTES_LIMIT = 256 * 1024 * 1024;
const JOB = [
  'schedule',
  'tz',
  'cron',
  'kind',
  'prompt',
  'outDir',
  'system',
  'maxTokens',
  'providers',
  'command',
  'deadlineMs',
] as const;
const KINDS = ['blog', 'thread', 'story'];

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

  const providers: ResolvedProvider[] = [];
  const warnings: string[] = [];
  const rawProviders = input.providers;
  if (!Array.isArray(rawProviders) || rawProviders.length === 0) {
    c.bad('providers', 'must be a non-empty array (the failover chain, in order)');
  } else {
    const seen = new Set<string>();
    rawProviders.forEach((p, i) => {
      const at = `providers[${i}]`;
      if (!isObj(p)) return c.bad(at, `must be an object, got ${describe(p)}`);
      c.unknownKeys(p, PROVIDER, at);
      const name = c.str(p, 'name', at, true);
      const baseUrl = c.str(p, 'baseUrl', at, true);
      const model = c.str(p, 'model', at, true);
      const api = c.str(p, 'api', at);
      if (api !== undefined && !(PROVIDER_APIS as readonly string[]).includes(api))
        c.bad(`${at}.api`, `must be one of ${PROVIDER_APIS.join(', ')}, got ${describe(api)}`);
      const apiKeyEnv = c.str(p, 'apiKeyEnv', at);
      if (apiKeyEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv))
        c.bad(`${at}.apiKeyEnv`, 'must name an environment variable (the key itself never goes in config)');
      if (name && seen.has(name))
        c.bad(
          `${at}.name`,
          `duplicate provider name ${JSON.stringify(name)} (names are breaker keys and must be unique)`,
        );
      if (name) seen.add(name);
      if (baseUrl) {
        const problem = httpUrlProblem(baseUrl);
        if (problem) c.bad(`${at}.baseUrl`, `${problem}, got ${describeUrl(baseUrl)}`);
        else {
          const warning = baseUrlWarning(`${at}.baseUrl`, withoutUserinfo(baseUrl));
          if (warning) warnings.push(warning);
        }
      }
      let headers: Record<string, string> | undefined;
      if (p.headers !== undefined) {
        if (!isObj(p.headers) || Object.values(p.headers).some((v) => typeof v !== 'string'))
          c.bad(`${at}.headers`, 'must be an object of string values');
        else {
          headers = p.headers as Record<string, string>;
          for (const [name, value] of Object.entries(headers)) {
            // values may be credentials: say what is wrong, never echo them
            if (!HEADER_NAME.test(name))
              c.bad(`${at}.headers`, `${JSON.stringify(name)} is not a valid HTTP header name`);
            else if (/[\r\n\0]/.test(value))
              c.bad(`${at}.headers.${name}`, 'must not contain a line break (CR or LF) or NUL character');
          }
        }
      }
      providers.push({
        name: name ?? `#${i}`,
        ...(api ? { api: api as ProviderApi } : {}),
        baseUrl: (baseUrl ?? '').replace(/\/+$/, ''),
        model: model ?? '',
        apiKeyEnv,
        timeoutMs: c.num(p, 'timeoutMs', at, 30_000, 1, true, MAX_TIMER_MS),
        idleTimeoutMs: c.num(p, 'idleTimeoutMs', at, 10_000, 1, true, MAX_TIMER_MS),
        maxResponseBytes: c.num(
          p,
          'maxResponseBytes',
          at,
          DEFAULT_MAX_RESPONSE_BYTES,
          1024,
          true,
          MAX_RESPONSE_BYTES_LIMIT,
        ),
        stream: c.bool(p, 'stream', at, false),
        headers,
      });
    });
  }

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
  const retry = section('retry', ['attempts', 'baseDelayMs', 'maxDelayMs']);
  const breaker = section('breaker', ['failureThreshold', 'cooldownMs']);
  const alerts = section('alerts', [
    'afterConsecutiveFailures',
    'webhook',
    'webhookFormat',
    'command',
    'webhookTimeoutMs',
  ]);
  const state = section('state', ['redis', 'redisEnv', 'keyPrefix']);
  const metrics = section('metrics', ['textfile']);
  const serve = section('serve', ['tokenEnv', 'maxBodyBytes', 'allowedHosts']);

  const resolvedRetry = {
    attempts: c.num(retry, 'attempts', 'retry', 3, 1),
    baseDelayMs: c.num(retry, 'baseDelayMs', 'retry', 500, 0),
    maxDelayMs: c.num(retry, 'maxDelayMs', 'retry', 8000, 0, true, MAX_TIMER_MS),
  };
  if (resolvedRetry.maxDelayMs < resolvedRetry.baseDelayMs)
    c.bad('retry.maxDelayMs', `must be at least retry.baseDelayMs (${resolvedRetry.baseDelayMs})`);

  const semantics = (o: Obj, at: string, dflt: CronSemantics): CronSemantics => {
    const v = o.cron;
    if (v === undefined) return dflt;
    if (v === 'daemon' || v === 'croner') return v;
    c.bad(
      field(at, 'cron'),
      `must be "daemon" (jobs started by the system cron daemon from a crontab) or "croner" (started by systemd, Kubernetes or croner in-process), got ${describe(v)}`,
    );
    return dflt;
  };
  const cron = semantics(input, '', 'daemon');
  const providerNames = new Set(providers.map((p) => p.name));
  // no prototype: a job name from the command line (`generate toString`) finds nothing but jobs
  const jobs: Record<string, ResolvedJob> = Object.create(null) as Record<string, ResolvedJob>;
  const rawJobs = input.jobs;
  if (rawJobs !== undefined && !isObj(rawJobs))
    c.bad('jobs', `must be an object of job name → job, got ${describe(rawJobs)}`);
  for (const [name, j] of Object.entries(isObj(rawJobs) ? rawJobs : {})) {
    const at = `jobs.${name}`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) c.bad(at, 'job names may use letters, digits, ".", "_" and "-"');
    // names lucy-ops writes its own log records and alert memory under
    else if (RESERVED_JOB_NAMES.has(name))
      c.bad(at, `"${name}" is a name lucy-ops uses itself (its alert memory and log label): choose another`);
    if (!isObj(j)) {
      c.bad(at, `must be an object, got ${describe(j)}`);
      continue;
    }
    c.unknownKeys(j, JOB, at);
    const schedule = c.str(j, 'schedule', at, true);
    const tz = c.str(j, 'tz', at) ?? 'UTC';
    const jobCron = semantics(j, at, cron);
    if (schedule) {
      const problem = validateSchedule(schedule, tz, jobCron);
      if (problem) c.bad(`${at}.${j.tz !== undefined && /time ?zone|tz/i.test(problem) ? 'tz' : 'schedule'}`, problem);
    }
    const kind = c.str(j, 'kind', at);
    if (kind && !KINDS.includes(kind)) c.bad(`${at}.kind`, `must be one of ${KINDS.join(', ')}, got ${describe(kind)}`);
    const command = c.strArray(j, 'command', at, true);
    const prompt = c.str(j, 'prompt', at);
    const outDir = c.str(j, 'outDir', at);
    const system = c.str(j, 'system', at);
    for (const [key, text] of [
      ['prompt', prompt],
      ['system', system],
    ] as const)
      for (const unknown of text ? unknownPlaceholders(text) : [])
        c.bad(
          `${at}.${key}`,
          `unknown placeholder ${unknown} in job ${name} (known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')})`,
        );
    // by presence, not validity: a malformed command has its own message, and is still a command
    if (j.command === undefined && j.prompt === undefined)
      c.bad(at, 'needs either a prompt (a generation job) or a command (for `lucy-ops run`)');
    if (j.command !== undefined && j.prompt !== undefined)
      c.bad(at, 'has both prompt and command; a job is one or the other');
    if (prompt && !outDir) c.bad(`${at}.outDir`, 'is required for a generation job');
    const chain = c.strArray(j, 'providers', at);
    chain?.forEach((p, k) => {
      if (!providerNames.has(p))
        c.bad(
          `${at}.providers[${k}]`,
          `unknown provider ${JSON.stringify(p)} (known: ${[...providerNames].join(', ')})`,
        );
    });
    const common = {
      name,
      schedule: schedule ?? '',
      tz,
      cron: jobCron,
      kind: kind as ResolvedJob['kind'],
      outDir: outDir ? abs(outDir) : undefined,
      system,
      maxTokens: j.maxTokens === undefined ? undefined : c.num(j, 'maxTokens', at, 1024, 1),
      providers: chain,
      deadlineMs: j.deadlineMs === undefined ? undefined : c.num(j, 'deadlineMs', at, 120_000, 1, true, MAX_TIMER_MS),
    };
    // (a job with a problem above is refused below; its entry only has to be well-typed)
    jobs[name] =
      prompt !== undefined ? { ...common, prompt, outDir: common.outDir ?? '' } : { ...common, command: command ?? [] };
  }

  // A slot counts as served when its output file is there, found by slot stamp: two jobs in one
  // folder would each see the other's files as their own (one job would never run).
  const outDirOwner = new Map<string, string>();
  for (const job of Object.values(jobs)) {
    if (!job.outDir) continue;
    const owner = outDirOwner.get(job.outDir);
    if (owner)
      c.bad(
        `jobs.${job.name}.outDir`,
        `is also jobs.${owner}.outDir (${job.outDir}); each generation job needs its own folder (a slot's file there is what marks it served)`,
      );
    else outDirOwner.set(job.outDir, job.name);
  }

  const webhook = c.str(alerts, 'webhook', 'alerts');
  const webhookProblem = webhook ? httpUrlProblem(webhook) : undefined;
  if (webhookProblem) c.bad('alerts.webhook', webhookProblem);
  const webhookFormat = c.str(alerts, 'webhookFormat', 'alerts');
  if (webhookFormat && webhookFormat !== 'slack' && webhookFormat !== 'json')
    c.bad('alerts.webhookFormat', 'must be "slack" or "json"');
  const redis = c.str(state, 'redis', 'state');
  if (redis && !/^rediss?:\/\//i.test(redis))
    c.bad('state.redis', 'must be a redis:// or rediss:// URL (use state.redisEnv to read it from the environment)');
  else if (redis) {
    const problem = redisUrlProblem(redis);
    if (problem) c.bad('state.redis', problem);
  }

  const out: ResolvedConfig = {
    configPath,
    cron,
    configDir,
    stateDir: abs(c.str(input, 'stateDir', '') ?? '.lucy-ops'),
    log: abs(c.str(input, 'log', '') ?? 'logs/jobs.jsonl'),
    providers,
    retry: resolvedRetry,
    breaker: {
      failureThreshold: c.num(breaker, 'failureThreshold', 'breaker', 3, 1),
      cooldownMs: c.num(breaker, 'cooldownMs', 'breaker', 300_000, 0, true, MAX_COOLDOWN_MS),
    },
    deadlineMs: c.num(input, 'deadlineMs', '', 120_000, 1, true, MAX_TIMER_MS),
    jobs,
    alerts: {
      afterConsecutiveFailures: c.num(alerts, 'afterConsecutiveFailures', 'alerts', 3, 1),
      webhook,
      webhookFormat: webhookFormat as 'slack' | 'json' | undefined,
      command: c.strArray(alerts, 'command', 'alerts', true),
      webhookTimeoutMs: c.num(alerts, 'webhookTimeoutMs', 'alerts', 5000, 1, true, MAX_TIMER_MS),
    },
    state: {
      redis,
      redisEnv: c.str(state, 'redisEnv', 'state'),
      keyPrefix: c.str(state, 'keyPrefix', 'state') ?? 'lucy-ops:',
    },
    metrics: {
      textfile: metrics.textfile === undefined ? undefined : abs(c.str(metrics, 'textfile', 'metrics') ?? ''),
    },
    serve: {
      tokenEnv: c.str(serve, 'tokenEnv', 'serve'),
      maxBodyBytes: c.num(serve, 'maxBodyBytes', 'serve', 1_048_576, 1),
      allowedHosts: hostNames(c, c.strArray(serve, 'allowedHosts', 'serve')),
    },
    warnings,
  };
  if (c.problems.length > 0) {
    const where = configPath || 'config';
    throw new ConfigError(`invalid config ${where}:\n  ${c.problems.join('\n  ')}`, c.problems);
  }
  return out;
}
