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

/**
 * The drill's three jobs: the blog generator every 15 minutes (it failed 14:15, 14:30 and 14:45 and
 * went silent for 45 minutes), thread generation and story creation, all in the same outage.
 */
export const JOBS = {
  'blog-generate': {
    schedule: '*/15 * * * *',
    tz: 'UTC',
    kind: 'blog',
    outDir: 'content/blog',
    prompt: 'Write a blog post about the news of {{date}} at {{time}}.',
  },
  'thread-factory': {
    schedule: '*/30 * * * *',
    tz: 'UTC',
    kind: 'thread',
    outDir: 'content/threads',
    prompt: 'Write a thread about what happened at {{time}} on {{date}}.',
  },
  'gen-stories': {
    schedule: '*/20 * * * *',
    tz: 'UTC',
    kind: 'story',
    outDir: 'content/stories',
    prompt: 'Write a short story about the city at {{time}}.',
  },
} as const satisfies UserConfig['jobs'];
export type DrillJob = keyof typeof JOBS;

/** Crontab starts the three jobs together; the drill runs them one after another, a few seconds apart. */
export const START_OFFSET_MS: Record<DrillJob, number> = {
  'blog-generate': 2_000,
  'thread-factory': 4_000,
  'gen-stories': 6_000,
};

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

/** Small bounds for the primary, whose hang and trickle they cut: the one hang per act costs a second of real time. */
const BOUNDS = { timeoutMs: 1_000, idleTimeoutMs: 250 };
/**
 * The fallbacks never fail, so no bound of theirs is part of the story: roomy ones, so a loaded
 * machine that stalls the drill's process past a second cannot turn an answer into a timeout.
 */
const FALLBACK_BOUNDS = { timeoutMs: 30_000, idleTimeoutMs: 30_000 };
const provider = (name: string, simUrl: string) => ({
  name,
  baseUrl: simUrl,
  model: name,
  ...(name === PRIMARY ? BOUNDS : FALLBACK_BOUNDS),
});

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

/** Act 2: the chain deepseek-v3 → llama-3.3-70b → qwen-72b, breaker 3 / 5 min, alerts after 3 failures to a webhook. */
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
 * runs in [14:14, 14:59) are blog-generate 14:15, 14:30, 14:45, gen-stories 14:20, 14:40 and
 * thread-factory 14:30; every job's next slot is 15:00, after the outage.
 */
export const EXPECTED = {
  /** 13 blog-generate + 7 thread-factory + 10 gen-stories slots from 13:00 to 16:00. */
  slots: 30,
  outageSlots: [
    { job: 'blog-generate', slot: at('14:15') },
    { job: 'gen-stories', slot: at('14:20') },
    { job: 'blog-generate', slot: at('14:30') },
    { job: 'thread-factory', slot: at('14:30') },
    { job: 'gen-stories', slot: at('14:40') },
    { job: 'blog-generate', slot: at('14:45') },
  ],
  gaps: [
    { job: 'blog-generate', start: at('14:15'), end: at('15:00'), slots: 3, failed: 3, missing: 0 },
    { job: 'gen-stories', start: at('14:20'), end: at('15:00'), slots: 2, failed: 2, missing: 0 },
    { job: 'thread-factory', start: at('14:30'), end: at('15:00'), slots: 1, failed: 1, missing: 0 },
  ],
  incident: {
    start: at('14:15'),
    end: at('15:00'),
    jobs: ['blog-generate', 'gen-stories', 'thread-factory'],
    slots: 6,
    durationMinutes: 45,
  },
  /** Act 1: 6 failed runs × 3 attempts, all at the dead primary. */
  beforePrimaryRequests: 18,
  /** Act 2: the run whose three failures (timeout, idle timeout, 503) open the breaker at about 14:15:03. */
  trip: { job: 'blog-generate', slot: at('14:15') },
  /**
   * Each run after the cooldown (5 min from the last trip) gets the half-open trial: gen-stories
   * 14:20:06, blog-generate 14:30:02 and gen-stories 14:40:06 meet the outage (503, open again);
   * blog-generate 15:00:02 meets the recovered primary (closed).
   */
  trials: [
    { job: 'gen-stories', slot: at('14:20'), result: 're-opened' },
    { job: 'blog-generate', slot: at('14:30'), result: 're-opened' },
    { job: 'gen-stories', slot: at('14:40'), result: 're-opened' },
    { job: 'blog-generate', slot: at('15:00'), result: 'closed' },
  ],
  /** The runs that find it open (within 5 minutes of a re-trip) skip the primary without a request. */
  skippedOpenRuns: [
    { job: 'blog-generate', slot: at('14:45') },
    { job: 'thread-factory', slot: at('14:30') },
  ],
  /** Act 2: 3 to trip the breaker, then one per trial in the outage. */
  afterPrimaryRequests: 6,
  /** breaker.open: the trip and three re-trips; half-open: four trials; close: the 15:00 trial. */
  breaker: { open: 4, halfOpen: 4, close: 1 },
} as const;
