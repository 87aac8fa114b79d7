/**
 * A flooding upstream (the simulator's `flood` fault: content as fast as the reader takes it) against
 * a real `lucy-ops serve` process and a real `generate`: backpressure end to end, and the byte cap of
 * one answer (providers[].maxResponseBytes). Loopback only; every flood is finite and every wait is
 * on an event (a log record, a socket closing) with a bound.
 */
import fs from 'node:fs';
import net from 'node:net';
import OpenAI from 'openai';
import { afterAll, expect, it } from 'vitest';
import { patient, readLog, runCli, simConfig, tempProject } from './helpers/cli.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';
import { until } from './helpers/wait.js';

const MiB = 1024 * 1024;
const sim = useSimulator();
const started: Serve[] = [];

afterAll(() => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

/** The most resident memory the process has had (VmHWM), in bytes. */
function peakRss(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** A client that sends a streamed chat request on a raw socket and never reads a byte of the answer. */
function nonReader(url: string): net.Socket {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'flood me' }] });
  const socket = net.connect(Number(port), hostname);
  socket.pause(); // nothing is read: the kernel buffers fill and TCP holds serve back
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

/**
 * A project whose runs end only at the bound a test is about: patient (attempts that cannot time
 * out, a far deadline), so on a loaded machine the byte cap is still what ends a flood, not an 8 s
 * deadline that ran out first; a test of the deadline sets it, and the attempt clocks, itself.
 */
const floodProject = (over: Record<string, unknown> = {}, provider: Record<string, unknown> = {}) => {
  const base = patient(simConfig({ primary: sim.url })) as { providers: Array<Record<string, unknown>> };
  return tempProject({
    ...base,
    providers: base.providers.map((p) => ({ ...p, ...provider })),
    breaker: { failureThreshold: 50, cooldownMs: 300_000 },
    ...over,
  });
};

it('three clients that never read a 400 MB flood: serve stops reading the upstream and peaks under 300 MB', async () => {
  // 3 × 134 MiB on offer; the deadline ends each request after 4 s of the client not reading. The
  // byte cap is set past the flood, so only backpressure can hold it (at the default 32 MiB cap the
  // cap alone would keep serve near 220 MiB).
  sim.setScript({ '*': { kind: 'flood', chunkBytes: 64 * 1024, totalBytes: 134 * MiB } });
  // the attempt's own clocks stop while the client is not reading: its 2 s idle cut, shorter than
  // the deadline, would end a run whose clock ran on; only the deadline ends these runs
  const dir = floodProject(
    { deadlineMs: 4000 },
    { timeoutMs: 20_000, idleTimeoutMs: 2000, maxResponseBytes: 256 * MiB },
  );
  const serve = await startServe(dir);
  started.push(serve);
  const before = sim.bytesSent();
  const clients = [0, 1, 2].map(() => nonReader(serve.url));
  try {
    const ends = () => readLog(dir).filter((r) => r.event === 'run.end');
    await until('the three runs to end at their deadline', () => ends().length === 3);
    const peak = peakRss(serve.child.pid!);
    const sent = sim.bytesSent() - before;
    expect(peak, `peak RSS ${Math.round(peak / MiB)} MiB`).toBeLessThan(300 * MiB);
    // what left the simulator is what socket buffers hold, nowhere near the 402 MiB on offer
    expect(sent, `${Math.round(sent / MiB)} MiB sent`).toBeLessThan(100 * MiB);
    expect(ends()).toEqual([0, 1, 2].map(() => expect.objectContaining({ outcome: 'failed', failure: 'deadline' })));
    // no attempt blamed the provider for the client's slowness (no idle-timeout, no timeout)
    const attempts = readLog(dir).filter((r) => r.event === 'attempt.end');
    expect(attempts.map((a) => a.errorType)).toEqual(['deadline', 'deadline', 'deadline']);
  } finally {
    for (const c of clients) c.destroy();
  }
});

it('a reading client gets the flood up to maxResponseBytes, then a clear error event and no [DONE]', async () => {
  sim.setScript({ '*': { kind: 'flood', chunkBytes: 16 * 1024, totalBytes: 64 * MiB } });
  const dir = floodProject({}, { maxResponseBytes: MiB });
  const serve = await startServe(dir);
  started.push(serve);
  const openai = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 600_000 });
  const { data: stream, response } = await openai.chat.completions
    .create({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'flood me' }] })
    .withResponse();
  let received = 0;
  const err = await (async () => {
    for await (const chunk of stream) received += chunk.choices[0]?.delta.content?.length ?? 0;
  })().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe('lucy_ops_response_too_large');
  expect((err as InstanceType<typeof OpenAI.APIError>).message).toContain('maxResponseBytes (1048576 bytes)');
  expect(received).toBeGreaterThan(0);
  expect(received).toBeLessThanOrEqual(MiB);
  const runId = response.headers.get('x-lucy-run-id');
  await until('the run.end', () => readLog(dir).some((r) => r.runId === runId && r.event === 'run.end'));
  const records = readLog(dir).filter((r) => r.runId === runId);
  expect(records.filter((r) => r.event === 'attempt.end')).toEqual([
    expect.objectContaining({ provider: 'deepseek-v3', outcome: 'failed', errorType: 'too-large' }),
  ]);
  expect(records.find((r) => r.event === 'run.end')).toMatchObject({ outcome: 'failed', failure: 'too-large' });
  expect(serve.stderr()).not.toMatch(/unexpected error|Invalid string length/);

  // not streamed: each provider's answer is cut at the cap and the chain fails over, then a 503
  const whole = await openai.chat.completions
    .create({ model: 'auto', messages: [{ role: 'user', content: 'flood me' }] })
    .catch((e: unknown) => e);
  expect((whole as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
  expect((whole as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
    attempts: [{ errorType: 'too-large' }, { errorType: 'too-large' }, { errorType: 'too-large' }],
  });
});

it('generate with a streamed provider stops reading at maxResponseBytes instead of growing a string', async () => {
  sim.setScript({ '*': { kind: 'flood', chunkBytes: 64 * 1024, totalBytes: 400 * MiB } });
  const dir = floodProject({}, { stream: true, maxResponseBytes: 2 * MiB });
  const before = sim.bytesSent();
  const r = await runCli(['generate', 'blog', '--json'], { cwd: dir });
  expect(r.exitCode, r.stderr).toBe(69);
  expect(r.json.attempts.map((a: { errorType: string }) => a.errorType)).toEqual([
    'too-large',
    'too-large',
    'too-large',
  ]);
  // three answers cut at 2 MiB each (plus what socket buffers took), not 3 × 400 MiB
  expect(sim.bytesSent() - before).toBeLessThan(60 * MiB);
});
