/** sendAlert and the watchdog's gap alert, in process, against real local HTTP servers. */
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/types.js';
import { openFileStore } from '../state/file-store.js';
import { startReceiver, type Receiver } from '../../test/helpers/receiver.js';
import { alertOnGaps } from './gaps.js';
import { sendAlert } from './send.js';

let hook: Receiver;
let silent: Server;
let silentUrl: string;
beforeAll(async () => {
  hook = await startReceiver();
  // accepts the request and never answers
  silent = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`;
});
afterAll(async () => {
  await hook.close();
  silent.closeAllConnections();
  await new Promise((r) => silent.close(r));
});
beforeEach(() => hook.clear());

function config(alerts: Record<string, unknown> = {}): ResolvedConfig {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-alerts-'));
  return {
    log: path.join(dir, 'jobs.jsonl'),
    stateDir: path.join(dir, 'state'),
    // far off, so a loaded machine cannot make a receiver that answers look silent; the test of the
    // bound gives its own
    alerts: { afterConsecutiveFailures: 3, webhookTimeoutMs: 120_000, ...alerts },
  } as unknown as ResolvedConfig;
}
const lines: string[] = [];
const stderr = (l: string) => void lines.push(l);
const records = (c: ResolvedConfig) =>
  fs
    .readFileSync(c.log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

it('a webhook that never answers is cut off at webhookTimeoutMs; the stderr line still goes out', async () => {
  const c = config({ webhook: silentUrl, webhookTimeoutMs: 200 });
  const started = performance.now();
  const report = await sendAlert(
    c,
    { kind: 'job-failing', summary: 'blog has failed 3 runs in a row', job: 'blog' },
    { stderr },
  );
  // the silent server would hold the request for minutes (undici's own 300 s headers timeout): the
  // 200 ms bound cut it (the error says so below); how late a loaded machine's timer fires is no part
  expect(performance.now() - started).toBeLessThan(60_000);
  expect(report.deliveries).toEqual([
    { channel: 'stderr', ok: true, ms: expect.any(Number) },
    {
      channel: 'webhook',
      ok: false,
      ms: expect.any(Number),
      error: expect.stringContaining('did not answer within 200 ms'),
    },
  ]);
  expect(lines.at(-2)).toBe('lucy-ops: ALERT job-failing: blog has failed 3 runs in a row');
  // the broken channel is as loud as the alert: one more stderr line (cron mails it)
  expect(lines.at(-1)).toMatch(
    /^lucy-ops: ALERT DELIVERY FAILED \(webhook\): .*did not answer within 200 ms.*; this job-failing alert reached stderr only$/,
  );
  expect(records(c).map((r) => [r.event, r.job, r.channel])).toEqual([
    ['alert.failed', 'blog', 'webhook'],
    ['alert.sent', 'blog', undefined],
  ]);
});

it('the watchdog sends one gap alert per new silent gap, and not again while it stays open', async () => {
  const c = config({ webhook: hook.url, webhookFormat: 'json' });
  const store = await openFileStore(c.stateDir);
  const gaps = [
    { job: 'blog', start: '2026-04-19T14:00:00.000Z', end: null, slots: 3, failed: 0, missing: 3, cause: 'no records' },
    {
      job: 'threads',
      start: '2026-04-19T14:15:00.000Z',
      end: '2026-04-19T14:45:00.000Z',
      slots: 2,
      failed: 2,
      missing: 0,
    },
  ];
  const first = await alertOnGaps(c, gaps, {
    store,
    stderr,
    now: Date.parse('2026-04-19T16:00:00Z'),
    since: '2026-04-19T14:00:00Z',
  });
  expect(first?.alert).toMatchObject({ kind: 'gap', severity: 'critical', job: 'blog', details: { gaps: [gaps[0]] } });
  expect(first?.alert.summary).toBe(
    'a silent gap: blog since 2026-04-19T14:00:00.000Z (still open), 3 missing (no records)',
  );
  expect(hook.requests.map((r) => r.body.kind)).toEqual(['gap']);

  // 30 minutes later the same gap is still open: quiet; a new one in another job: one alert
  const later = [
    ...gaps,
    { job: 'stories', start: '2026-04-19T15:30:00.000Z', end: null, slots: 1, failed: 0, missing: 1 },
  ];
  await alertOnGaps(c, later, { store, stderr, now: Date.parse('2026-04-19T16:30:00Z') });
  expect(hook.requests.map((r) => r.body.job ?? r.body.details.gaps[0].job)).toEqual(['blog', 'stories']);
  expect(await alertOnGaps(c, later, { store, stderr, now: Date.parse('2026-04-19T17:00:00Z') })).toBeUndefined();
  expect(hook.requests).toHaveLength(2);
  expect(
    records(c)
      .filter((r) => r.event === 'alert.sent')
      .map((r) => [r.job, r.trigger]),
  ).toEqual([
    ['watchdog', 'cron'],
    ['watchdog', 'cron'],
  ]);
  await store.close();
});
