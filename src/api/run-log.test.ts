import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { resolveConfig } from '../config/validate.js';
import {
  AllProvidersFailedError,
  DeadlineExceededError,
  RunAbortedError,
  StreamInterruptedError,
} from '../engine/errors.js';
import type { ChainResult } from '../engine/types.js';
import type { JobContext } from '../jobs/context.js';
import { JobLog } from '../log/writer.js';
import type { StateStore } from '../state/types.js';
import { DeferredLog } from '../log/deferred.js';
import { AfterRunQueue, outcomeOf, startCallRecord } from './run-log.js';

/** An in-memory store that counts reads and updates per key (the alert hook touches `alert:<job>`). */
function countingStore(): StateStore & { updates: Map<string, number> } {
  const data = new Map<string, unknown>();
  const updates = new Map<string, number>();
  return {
    kind: 'file',
    where: 'memory',
    updates,
    async update<T>(key: string, fn: (c: T | undefined) => T | undefined) {
      updates.set(key, (updates.get(key) ?? 0) + 1);
      const next = fn(data.get(key) as T | undefined);
      if (next === undefined) data.delete(key);
      else data.set(key, next);
      return next;
    },
    async get<T>(key: string) {
      updates.set(key, (updates.get(key) ?? 0) + 1);
      return data.get(key) as T | undefined;
    },
    async list<T>() {
      return {} as Record<string, T>;
    },
    async tryLock() {
      return null;
    },
    async close() {},
  };
}

function context(): { ctx: JobContext; store: ReturnType<typeof countingStore>; logFile: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-runlog-'));
  const config = resolveConfig(
    {
      stateDir: dir,
      log: path.join(dir, 'jobs.jsonl'),
      providers: [{ name: 'a', baseUrl: 'http://127.0.0.1:9/v1', model: 'a' }],
    },
    '',
    () => undefined,
  );
  const store = countingStore();
  const clock = { now: () => Date.parse('2026-04-19T14:00:00Z') };
  const ctx: JobContext = {
    config,
    clock,
    store,
    log: new JobLog(config.log, { clock }),
    env: {},
    simClock: false,
    warn: () => {},
  };
  return { ctx, store, logFile: config.log };
}

const served = (provider = 'a'): ChainResult => ({
  content: 'x',
  finishReason: 'stop',
  provider,
  model: provider,
  degraded: false,
  attempts: [],
});

it('logs a call as run.start, attempts, run.end with trigger manual and scheduledFor = request time', () => {
  const { ctx, logFile } = context();
  const rec = startCallRecord(ctx, 'serve', { enabled: true });
  rec.onEvent({ type: 'attempt', attempt: { provider: 'a', model: 'a', outcome: 'ok', ms: 3 } });
  rec.ok(served(), { stream: true });
  const lines = fs
    .readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.map((l) => l.event)).toEqual(['run.start', 'attempt.end', 'run.end']);
  expect(
    lines.every(
      (l) =>
        l.trigger === 'manual' &&
        l.job === 'serve' &&
        l.scheduledFor === '2026-04-19T14:00:00.000Z' &&
        l.runId === rec.runId,
    ),
  ).toBe(true);
  expect(lines[2]).toMatchObject({ outcome: 'ok', provider: 'a', stream: true });
});

it('a held ok ends the run only when the caller says how the answer went: delivered is ok, undelivered is failed, aborted, with who answered', async () => {
  const { ctx, logFile } = context();
  const ends = () =>
    fs
      .readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.event === 'run.end');
  const lines: string[] = [];
  ctx.alertLine = (l: string) => void lines.push(l);
  const queue = new AfterRunQueue('serve');
  const delivered = startCallRecord(ctx, 'serve', { enabled: true, hooks: queue });
  delivered.holdOk();
  delivered.ok(served(), { stream: true });
  expect(ends()).toEqual([]); // the provider answered; the client has not got it yet
  delivered.delivered();
  delivered.delivered(); // once only
  expect(ends()).toEqual([expect.objectContaining({ outcome: 'ok', provider: 'a', stream: true })]);
  const lost = startCallRecord(ctx, 'serve', { enabled: true, hooks: queue });
  lost.holdOk();
  lost.ok(served());
  lost.undelivered(new RunAbortedError([], 'client disconnected before the answer was delivered'));
  lost.delivered(); // too late: the run has ended
  expect(ends()[1]).toMatchObject({
    outcome: 'failed',
    failure: 'aborted',
    error: 'run aborted: client disconnected before the answer was delivered',
    provider: 'a',
    model: 'a',
  });
  expect(ends()).toHaveLength(2);
  // a run that failed before any answer ends as it did; undelivered() adds nothing
  const failed = startCallRecord(ctx, 'serve', { enabled: true, hooks: queue });
  failed.holdOk();
  failed.failed(new RunAbortedError([], 'client disconnected'));
  failed.undelivered(new RunAbortedError([], 'client disconnected before the answer was delivered'));
  expect(ends().slice(2)).toEqual([
    expect.objectContaining({ failure: 'aborted', error: 'run aborted: client disconnected' }),
  ]);
  await queue.drain();
  expect(lines).toEqual([]); // a client that left is not the chain failing: no alert
});

it('logs breaker changes under the documented event names breaker.open / breaker.half-open / breaker.close', () => {
  const { ctx, logFile } = context();
  const rec = startCallRecord(ctx, 'serve', { enabled: true });
  rec.onEvent({ type: 'breaker', transition: { provider: 'a', from: 'open', to: 'half-open' } });
  rec.onEvent({ type: 'breaker', transition: { provider: 'a', from: 'half-open', to: 'closed' } });
  rec.onEvent({ type: 'breaker', transition: { provider: 'a', from: 'closed', to: 'open', by: 'manual' } });
  const lines = fs
    .readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines.slice(1).map((l) => [l.event, l.level, l.from, l.by])).toEqual([
    ['breaker.half-open', 'info', 'open', undefined],
    ['breaker.close', 'info', 'half-open', undefined],
    ['breaker.open', 'warn', 'closed', 'manual'],
  ]);
});

it('judges calls as requests: one requests-failing when enough of the latest failed, one recovery, never a job alert', async () => {
  const { ctx, store } = context(); // afterConsecutiveFailures: 3 (the default)
  const lines: string[] = [];
  ctx.alertLine = (l: string) => void lines.push(l);
  const queue = new AfterRunQueue('serve');
  const call = async (fn: (r: ReturnType<typeof startCallRecord>) => void) => {
    fn(startCallRecord(ctx, 'serve:chat', { enabled: true, hooks: queue }));
    await queue.drain();
  };
  const attempt = { provider: 'a', model: 'a', outcome: 'failed' as const, httpStatus: 503, ms: 1 };
  for (let i = 0; i < 5; i++)
    await call((r) => r.failed(new AllProvidersFailedError([attempt, attempt, attempt], false)));
  await call((r) => r.failed(new RunAbortedError([]))); // the client went away: not the chain's failure
  await call((r) => r.ok(served()));
  await call((r) => r.ok(served()));
  expect(lines).toEqual([
    'lucy-ops: ALERT requests-failing: serve: 3 of the last 3 requests failed: every provider down (a: 503 ×3)',
  ]);
  await call((r) => r.ok(served()));
  expect(lines.at(-1)).toBe(
    'lucy-ops: RECOVERED requests-recovered: serve: requests are served again (3 in a row, the last by a; 5 of the last 8 failed)',
  );
  expect(lines).toHaveLength(2);
  // a request is no cron run: no job's alert memory is read or written
  expect([...store.updates.keys()].filter((k) => k.startsWith('alert:') && k !== 'alert:requests:serve')).toEqual([]);
  // steady ok calls skip the hooks; a breaker change runs them
  const touched = () => store.updates.get('alert:breaker:a') ?? 0;
  await call((r) => r.ok(served()));
  expect(touched()).toBe(0);
  await call((r) => {
    r.onEvent({ type: 'breaker', transition: { provider: 'a', from: 'half-open', to: 'closed' } });
    r.ok(served());
  });
  expect(touched()).toBe(1);
});

it('a deferred log appends after the next check phase (after work queued behind it there), in order', async () => {
  const lines: string[] = [];
  const deferred = new DeferredLog({ appendAll: (rs) => rs.forEach((r) => lines.push(r.event)) });
  const { ctx } = context();
  const rec = startCallRecord(ctx, 'serve', { enabled: true, deferred });
  // what undici does before writing a request on a reused connection: wait for the check phase
  const upstreamWrite = new Promise<string[]>((resolve) => setImmediate(() => resolve([...lines])));
  rec.ok(served());
  expect(lines).toEqual([]);
  expect(await upstreamWrite).toEqual([]); // the request goes out before the log lines
  await new Promise((r) => setImmediate(r));
  expect(lines).toEqual(['run.start', 'run.end']);
  deferred.append({ event: 'x', job: 'serve', runId: 'r', scheduledFor: 's', trigger: 'manual' });
  deferred.flush();
  expect(lines.at(-1)).toBe('x');
});

it("names a call's failure from the engine error's code; anything else is an error", () => {
  const cut = { provider: 'p1', model: 'm', outcome: 'failed' as const, errorType: 'too-large', ms: 1 };
  expect(outcomeOf(new AllProvidersFailedError([], false))).toBe('unavailable');
  expect(outcomeOf(new AllProvidersFailedError([], true))).toBe('unavailable');
  expect(outcomeOf(new DeadlineExceededError([], 100))).toBe('deadline');
  expect(outcomeOf(new StreamInterruptedError([], 'p1', 'm', 1))).toBe('interrupted');
  expect(outcomeOf(new StreamInterruptedError([cut], 'p1', 'm', 1))).toBe('too-large');
  expect(outcomeOf(new RunAbortedError([]))).toBe('aborted');
  expect(outcomeOf(new Error('boom'))).toBe('error');
  expect(outcomeOf('a string')).toBe('error');
});
