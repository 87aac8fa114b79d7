/**
 * The drill's fixed afternoon: the April 19 outage, its three jobs, the simulator's script, the
 * configs of "before" and "after", and the exact outcomes the checks expect (docs/drill.md shows
 * the arithmetic). Everything here is data; the acts (acts.ts) run it.
 */
import type { UserConfig } from '../config/types.js';
import type { SimScript } from '../sim/types.js';

export const DAY = '2026-04-19';
const at = (hhmm: string) => `${DAY}T${hhmm}:00.000Z`;

/** The replayed afternoon: every slot from 13:00 to 16:00 UTC, both included. */
export const REPLAY = { from: at('13:00'), to: at('16:00') } as const;
/** The window `postmortem gaps` and `backfill` look at afterwards (the clock is then at its end). */
export const ANALYSIS = { since: at('13:00'), until: at('16:10') } as const;
/** The primary fails in [from, until): sim time, half-open like the simulator's rule windows. */
export const OUTAGE = { from: at('14:14'), until: at('14:59') } as const;

export const PRIMARY = 'deepseek-v3';
export const CHAIN = ['deepseek-v3', 'llama-3.3-70b', 'qwen-72b'] as const;

export const JOBS = {
  blog: {
    schedule: '0 * * * *',
    tz: 'UTC',
    kind: 'blog',
    outDir: 'content/blog',
    prompt: 'Write a blog post about the news of {{date}}.',
  },
  threads: {
    schedule: '*/15 * * * *',
    tz: 'UTC',
    kind: 'thread',
    outDir: 'content/threads',
    prompt: 'Write a thread about what happened at {{time}} on {{date}}.',
  },
  stories: {
    schedule: '*/30 * * * *',
    tz: 'UTC',
    kind: 'story',
    outDir: 'content/stories',
    prompt: 'Write a short story about the city at {{time}}.',
  },
} as const satisfies UserConfig['jobs'];
export type DrillJob = keyof typeof JOBS;

/** Crontab starts the three jobs together; the drill runs them one after another, a few seconds apart. */
export const START_OFFSET_MS: Record<DrillJob, number> = { blog: 2_000, threads: 4_000, stories: 6_000 };

/**
 * The primary hangs once (a timeout), trickles keep-alive newlines once (an idle timeout: the
 * DeepSeek-under-load case), then answers 503 until 14:59. The fallbacks never fail.
 * `times` counts start over with each setScript, so every act sees the same outage.
 */
export const OUTAGE_SCRIPT: SimScript = {
  [PRIMARY]: [
    { fault: { kind: 'hang' }, from: OUTAGE.from, until: OUTAGE.until, times: 1 },
    { fault: { kind: 'trickle', intervalMs: 40 }, from: OUTAGE.from, until: OUTAGE.until, times: 1 },
    { fault: { kind: 'status', status: 503 }, from: OUTAGE.from, until: OUTAGE.until },
  ],
  '*': { kind: 'ok' },
};

/** Small bounds so the one hang per act costs a second of real time, yet roomy for a loaded machine. */
const BOUNDS = { timeoutMs: 1_000, idleTimeoutMs: 250 };
const provider = (name: string, simUrl: string) => ({ name, baseUrl: simUrl, model: name, ...BOUNDS });

/** A threshold never reached: "before" had no circuit breaker. */
const NEVER = Number.MAX_SAFE_INTEGER;

/**
 * Act 1: the jobs on the primary alone, with retries, no breaker (April 19 as it was). It had no
 * alerting either: act 1 runs without after-run hooks (see acts), so no alert config here.
 */
export function beforeConfig(simUrl: string): UserConfig {
  return {
    stateDir: '.lucy-ops',
    log: 'logs/jobs.jsonl',
    providers: [provider(PRIMARY, simUrl)],
    retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 },
    breaker: { failureThreshold: NEVER, cooldownMs: 300_000 },
    deadlineMs: 120_000,
    jobs: JOBS,
  };
}

/** Act 2: the seed config: the chain, breaker 3 / 5 min, alerts after 3 failures to a webhook. */
export function afterConfig(simUrl: string, webhook: string): UserConfig {
  return {
    ...beforeConfig(simUrl),
    providers: CHAIN.map((name) => provider(name, simUrl)),
    breaker: { failureThreshold: 3, cooldownMs: 300_000 },
    alerts: { afterConsecutiveFailures: 3, webhook, webhookFormat: 'json', webhookTimeoutMs: 2_000 },
  };
}

/**
 * What must happen, worked out by hand from the schedules and the outage window (scenario.test.ts
 * derives the slots again from the schedules). A run starts a few seconds after its slot, so the
 * slots whose runs fall in [14:14, 14:59) are threads 14:15, 14:30, 14:45 and stories 14:30. The
 * blog's 14:00 run is before the outage and its 15:00 run after it: the blog never notices.
 */
export const EXPECTED = {
  /** 4 blog + 13 threads + 7 stories slots from 13:00 to 16:00. */
  slots: 24,
  outageSlots: [
    { job: 'threads', slot: at('14:15') },
    { job: 'threads', slot: at('14:30') },
    { job: 'stories', slot: at('14:30') },
    { job: 'threads', slot: at('14:45') },
  ],
  gaps: [
    { job: 'threads', start: at('14:15'), end: at('15:00'), slots: 3, failed: 3, missing: 0 },
    { job: 'stories', start: at('14:30'), end: at('15:00'), slots: 1, failed: 1, missing: 0 },
  ],
  incident: { start: at('14:15'), end: at('15:00'), jobs: ['stories', 'threads'], slots: 4, durationMinutes: 45 },
  /** Act 1: 4 failed runs × 3 attempts, all at the dead primary. */
  beforePrimaryRequests: 12,
  /**
   * Act 2: 3 to trip the breaker (threads 14:15: timeout, idle timeout, 503), then one half-open
   * trial each at threads 14:30 and 14:45 (503, re-trip); stories 14:30 skips it (open).
   */
  afterPrimaryRequests: 5,
  /** breaker.open: the trip and two re-trips; half-open: three trials; close: the 15:00 trial. */
  breaker: { open: 3, halfOpen: 3, close: 1 },
  skippedOpenRuns: [{ job: 'stories', slot: at('14:30') }],
  closedBy: { job: 'blog', slot: at('15:00') },
} as const;
