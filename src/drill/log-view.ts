/**
 * Reading an act's job log back: the drill judges and narrates what the log says, as an on-call
 * engineer would, rather than what the code returned.
 */
import fs from 'node:fs';
import type { LogRecord } from '../log/types.js';
import type { TimelineEntry } from './types.js';
import { formatTime } from '../schedule/time-label.js';

export function readLogRecords(file: string): LogRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogRecord);
}

export interface RunStory {
  runId: string;
  job: string;
  slot: string;
  trigger: string;
  start: string;
  end: string;
  outcome: string;
  provider?: string;
  degraded: boolean;
  /** Attempts and breaker records of the run, in log order. */
  steps: LogRecord[];
  alerts: LogRecord[];
}

/** The runs of a log (by runId, in order of their first record). */
export function runStories(records: readonly LogRecord[]): RunStory[] {
  const byId = new Map<string, RunStory>();
  for (const r of records) {
    let story = byId.get(r.runId);
    if (!story) {
      story = {
        runId: r.runId,
        job: r.job,
        slot: r.scheduledFor,
        trigger: r.trigger,
        start: r.ts,
        end: r.ts,
        outcome: 'running',
        degraded: false,
        steps: [],
        alerts: [],
      };
      byId.set(r.runId, story);
    }
    story.end = r.ts;
    if (r.event === 'attempt.end' || r.event.startsWith('breaker.')) story.steps.push(r);
    else if (r.event === 'alert.sent') story.alerts.push(r);
    else if (r.event === 'run.end') {
      story.outcome = String(r.outcome);
      story.provider = typeof r.provider === 'string' ? r.provider : undefined;
      story.degraded = r.degraded === true;
    }
  }
  return [...byId.values()];
}

const failureLabel = (r: LogRecord) =>
  typeof r.httpStatus === 'number' && r.httpStatus > 0 ? String(r.httpStatus) : String(r.errorType ?? 'error');

/**
 * One run in words, provider by provider: "deepseek-v3 timeout, idle-timeout, 503 → breaker OPEN;
 * served by llama-3.3-70b (fallback)".
 */
export function describeRun(story: RunStory): string {
  const segments: string[] = [];
  let provider: string | undefined;
  let text = '';
  let lastWasAttempt = false;
  const flush = () => {
    if (provider) segments.push(`${provider} ${text}`.trimEnd());
    text = '';
    lastWasAttempt = false;
  };
  for (const step of story.steps) {
    const p = String(step.provider);
    if (p !== provider) {
      flush();
      provider = p;
    }
    if (step.event === 'breaker.half-open') {
      text += 'half-open trial: ';
      lastWasAttempt = false;
    } else if (step.event === 'breaker.open') {
      text += step.from === 'half-open' ? ' → breaker OPEN again' : ' → breaker OPEN';
    } else if (step.event === 'breaker.close') {
      text += ' → breaker CLOSED';
    } else if (step.outcome === 'skipped-open') {
      text += 'skipped: breaker open, no request';
    } else {
      text += (lastWasAttempt ? ', ' : '') + (step.outcome === 'ok' ? 'ok' : failureLabel(step));
      lastWasAttempt = true;
    }
  }
  flush();
  // "llama-3.3-70b ok; served by llama-3.3-70b" says it twice
  if (story.outcome === 'ok' && segments.at(-1) === `${story.provider} ok`) segments.pop();
  const end =
    story.outcome === 'ok'
      ? `served by ${story.provider}${story.degraded ? ' (fallback, degraded)' : ''}`
      : story.outcome === 'failed'
        ? 'run FAILED: slot not served'
        : story.outcome;
  return [...segments, end].join('; ');
}

/** A run worth a timeline line: anything but a plain first-try success. */
export function noteworthy(story: RunStory): boolean {
  return (
    story.outcome !== 'ok' ||
    story.degraded ||
    story.alerts.length > 0 ||
    story.steps.some((s) => s.event !== 'attempt.end' || s.outcome !== 'ok')
  );
}

/** Timeline lines for the runs of a log: noteworthy runs one by one, plain ones summed up. */
export function runTimeline(stories: readonly RunStory[]): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  let plain: RunStory[] = [];
  const flushPlain = () => {
    if (plain.length === 0) return;
    const providers = [...new Set(plain.map((s) => s.provider))].join(', ');
    const span = plain.length === 1 ? '' : ` to ${hhmm(plain[plain.length - 1].slot)}`;
    out.push({
      at: plain[0].start,
      kind: 'ok',
      text: `${plural(plain.length, 'run')} (slots ${hhmm(plain[0].slot)}${span}) served by ${providers}`,
    });
    plain = [];
  };
  for (const story of stories) {
    if (!noteworthy(story)) {
      plain.push(story);
      continue;
    }
    flushPlain();
    const kind =
      story.outcome === 'failed'
        ? 'failed'
        : story.degraded
          ? 'degraded'
          : story.steps.some((s) => s.event.startsWith('breaker.'))
            ? 'breaker'
            : 'ok';
    out.push({ at: story.start, kind, text: `${story.job.padEnd(14)} ${hhmm(story.slot)}  ${describeRun(story)}` });
    for (const alert of story.alerts) {
      const channels = Array.isArray(alert.channels) ? alert.channels.join(' + ') : 'stderr';
      out.push({
        at: alert.ts,
        kind: 'alert',
        text: `ALERT ${String(alert.kind)} (${channels}): ${String(alert.summary)}`,
      });
    }
  }
  flushPlain();
  return out;
}

/** A time of the replayed day as every view prints one: `14:15Z`, `14:15:02Z` (the narrative's header gives the date). */
export function hhmm(isoTime: string): string {
  return formatTime(isoTime, Date.parse(isoTime));
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
