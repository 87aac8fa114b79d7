/** The shape of a lucy-ops config as users write it (see docs/configuration.md). */
import type { ProviderApi } from '../providers/apis.js';

export type { ProviderApi };

export interface ProviderConfig {
  /** Unique name; also the breaker key. */
  name: string;
  /** The API this provider speaks (which client calls it). Default 'openai': chat completions. */
  api?: ProviderApi;
  /** Base URL of the API, e.g. https://api.together.xyz/v1 */
  baseUrl: string;
  model: string;
  /** Name of the environment variable that holds the API key. Never the key itself. */
  apiKeyEnv?: string;
  /** Most one attempt may take, connect to last byte. Default 30000. */
  timeoutMs?: number;
  /** Most one attempt may go without meaningful bytes. Default 10000. */
  idleTimeoutMs?: number;
  /**
   * Most bytes one answer may have, streamed or not (default 32 MiB). A chat completion is
   * kilobytes; past this the attempt fails as `too-large` instead of growing without bound.
   */
  maxResponseBytes?: number;
  /** Use SSE streaming for the request. Default false. */
  stream?: boolean;
  /** Extra request headers (not secrets: use apiKeyEnv for those). */
  headers?: Record<string, string>;
}

export interface RetryConfig {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface BreakerConfig {
  failureThreshold?: number;
  cooldownMs?: number;
}

export type JobKind = 'blog' | 'thread' | 'story';

/**
 * Whose rules name a schedule's slots: `daemon`, the system cron daemon's (Vixie/ISC cron, cronie:
 * a crontab line), or `croner`, croner's (a job started by systemd, Kubernetes or croner in-process).
 */
export type CronSemantics = 'daemon' | 'croner';

export interface JobConfig {
  /** Cron expression (5 or 6 fields), read by croner. */
  schedule: string;
  /** IANA time zone for the schedule. Default UTC. */
  tz?: string;
  /** Who starts this job, for which slots exist: default the top-level `cron` ('daemon'). */
  cron?: CronSemantics;
  /** Generation jobs: kind, prompt, outDir. */
  kind?: JobKind;
  prompt?: string;
  outDir?: string;
  system?: string;
  maxTokens?: number;
  /** Restrict/reorder the chain for this job by provider name. */
  providers?: string[];
  /** Command jobs (for `lucy-ops run` and backfill). */
  command?: string[];
  /** Per-job override of the run deadline. */
  deadlineMs?: number;
}

export interface AlertsConfig {
  afterConsecutiveFailures?: number;
  webhook?: string;
  /** 'slack' sends {text}; 'json' sends the whole alert object. Default 'slack'. */
  webhookFormat?: 'slack' | 'json';
  /** A command to run per alert; the alert JSON arrives on stdin. */
  command?: string[];
  webhookTimeoutMs?: number;
}

export interface StateConfig {
  /** redis:// URL of a shared store (credentials allowed here, never printed). */
  redis?: string;
  /** Or: the environment variable that holds that URL. */
  redisEnv?: string;
  keyPrefix?: string;
  /**
   * Most connecting to Redis, and each command, may take before the run falls back to the file
   * store (ms). Default 1000.
   */
  timeoutMs?: number;
}

export interface ServeConfig {
  /** Environment variable holding the bearer token clients of `lucy-ops serve` must send. */
  tokenEnv?: string;
  maxBodyBytes?: number;
  /** Without a token: Host names serve answers besides IP addresses, localhost and this machine's name. */
  allowedHosts?: string[];
  /** The most a client may take to send a request's headers, from its first byte (ms). */
  headersTimeoutMs?: number;
  /** The most a client may take to send a whole request, headers and body (ms). */
  requestTimeoutMs?: number;
  /** The most a request body may go without a byte (ms): then 408 and the connection is closed. */
  bodyIdleTimeoutMs?: number;
  /** The most a client may take to take an answer serve has written whole (ms): then its connection is closed. */
  deliveryTimeoutMs?: number;
  /** The most client connections open at once; one more is closed as it arrives. */
  maxConnections?: number;
}

export interface MetricsConfig {
  textfile?: string;
}

export interface UserConfig {
  /** Who starts the jobs, for which slots exist: 'daemon' (crontab, the default) or 'croner'. */
  cron?: CronSemantics;
  stateDir?: string;
  log?: string;
  providers: ProviderConfig[];
  retry?: RetryConfig;
  breaker?: BreakerConfig;
  deadlineMs?: number;
  jobs?: Record<string, JobConfig>;
  alerts?: AlertsConfig;
  state?: StateConfig;
  metrics?: MetricsConfig;
  serve?: ServeConfig;
}

/** The config after validation and defaults: every path absolute, every number present. */
export interface ResolvedProvider extends ProviderConfig {
  timeoutMs: number;
  idleTimeoutMs: number;
  maxResponseBytes: number;
  stream: boolean;
}

interface ResolvedJobBase extends Omit<JobConfig, 'prompt' | 'command'> {
  name: string;
  tz: string;
  cron: CronSemantics;
  /** Absolute outDir when set. */
  outDir?: string;
}

/** A job with a prompt: `lucy-ops generate` runs it through the provider chain into outDir. */
export interface GenerateJob extends ResolvedJobBase {
  prompt: string;
  /** Absolute; required for a generation job. */
  outDir: string;
  command?: undefined;
}

/** A job with a command: `lucy-ops run` runs it under the same lock, log and alerts. */
export interface CommandJob extends ResolvedJobBase {
  command: string[];
  prompt?: undefined;
}

/**
 * A validated job: exactly one of prompt and command is set (the config refuses both and
 * neither), so `job.prompt !== undefined` tells the two apart and narrows the type.
 */
export type ResolvedJob = GenerateJob | CommandJob;

export interface ResolvedConfig {
  /** Absolute path of the config file ('' for an in-memory config). */
  configPath: string;
  cron: CronSemantics;
  configDir: string;
  stateDir: string;
  log: string;
  providers: ResolvedProvider[];
  retry: Required<RetryConfig>;
  breaker: Required<BreakerConfig>;
  deadlineMs: number;
  jobs: Record<string, ResolvedJob>;
  alerts: AlertsConfig & { afterConsecutiveFailures: number };
  state: StateConfig & { keyPrefix: string };
  metrics: MetricsConfig;
  serve: ServeConfig &
    Required<
      Pick<
        ServeConfig,
        | 'maxBodyBytes'
        | 'allowedHosts'
        | 'headersTimeoutMs'
        | 'requestTimeoutMs'
        | 'bodyIdleTimeoutMs'
        | 'deliveryTimeoutMs'
        | 'maxConnections'
      >
    >;
  /** Doubts that are not errors ("path: what looks wrong; likely fix"), for people at a terminal. */
  warnings?: string[];
}
