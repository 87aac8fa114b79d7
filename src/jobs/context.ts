/**
 * Everything a job run needs, opened once per process: config, clock, state store, job log.
 */
import { clockFromEnv, type Clock, type Sleep } from '../clock.js';
import type { ResolvedConfig } from '../config/types.js';
import { JobLog } from '../log/writer.js';
import { addKnownSecrets } from '../log/scrub.js';
import { secretValues } from './secrets.js';
import type { StateStore } from '../state/types.js';
import { openStateStore, type OpenedStore } from '../state/open-store.js';
import type { AfterRun } from './types.js';

export { secretValues };

/**
 * Something done after every run that did work (alerts, the metrics textfile). It never changes
 * the run's outcome: a hook that fails is one warning naming it.
 */
export interface AfterRunHook {
  /** Named in that warning. */
  readonly name: string;
  run(ctx: JobContext, after: AfterRun): Promise<unknown>;
}

export interface JobContext {
  config: ResolvedConfig;
  clock: Clock;
  /** The state store; `fallback` says why it is the file store when Redis was configured. */
  store: OpenedStore;
  log: JobLog;
  env: NodeJS.ProcessEnv;
  /** True under LUCY_OPS_NOW: the simulator is told the simulated time. */
  simClock: boolean;
  /** Backoff sleeps (injectable: the drill replays an afternoon without waiting through it). */
  sleep?: Sleep;
  /** One-line warnings for stderr (store fallback, unreadable files). */
  warn(message: string): void;
  /** Where an alert's one stderr line goes (default stderr; the drill shows alerts in its own timeline). */
  alertLine?: (line: string) => void;
  /**
   * What runs after each run that did work (see jobs/hooks.ts). Unset: the default hooks (alerts,
   * and metrics when metrics.textfile is set); [] none.
   */
  afterRun?: AfterRunHook[];
}

export async function openJobContext(
  config: ResolvedConfig,
  opts: {
    clock?: Clock;
    env?: NodeJS.ProcessEnv;
    warn?: (m: string) => void;
    store?: StateStore;
    simClock?: boolean;
    sleep?: Sleep;
    alertLine?: (line: string) => void;
    /**
     * The after-run hooks; default alerts, and metrics when metrics.textfile is set. [] for none
     * (the drill's "before" act, which models jobs that had neither).
     */
    afterRun?: AfterRunHook[];
    /** Long-lived processes: after a fallback to the file store, try Redis again this often (ms). */
    retryRedisEveryMs?: number;
  } = {},
): Promise<JobContext> {
  const env = opts.env ?? process.env;
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`lucy-ops: warning: ${m}\n`));
  const store =
    opts.store ?? (await openStateStore(config, { onWarning: warn, env, retryRedisEveryMs: opts.retryRedisEveryMs }));
  const secrets = secretValues(config, env);
  // defence in depth: every scrub in this process (provider errors, alerts, the log's free text)
  // blanks the configured secrets' values, wherever the text came from
  addKnownSecrets(secrets);
  // started once the store is open: under LUCY_OPS_NOW the clock reads its time from here on
  const clock = opts.clock ?? clockFromEnv(env);
  return {
    config,
    clock,
    store,
    log: new JobLog(config.log, { secrets, clock }),
    env,
    simClock: opts.simClock ?? Boolean(env.LUCY_OPS_NOW),
    sleep: opts.sleep,
    warn,
    alertLine: opts.alertLine,
    afterRun: opts.afterRun,
  };
}
