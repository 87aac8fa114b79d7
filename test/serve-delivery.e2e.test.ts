/**
 * The delivery bound (serve.deliveryTimeoutMs), end to end: a client that sends a request and
 * never reads holds the written answer, its connection and its run only that long. A real serve
 * process, raw sockets that never read, the simulator answering far more than the sockets between
 * serve and the client can take. Every wait ends on an event (the socket closing, a log record) with a bound.
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { patient, readLog, simConfig, tempProject } from './helpers/cli.js';
import { logged } from './helpers/log-wait.js';
import { bounded, connect, destroyAll } from './helpers/raw-http.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
const started: Serve[] = [];

afterEach(() => {
  destroyAll();
  sim.setScript({});
});

afterAll(() => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

/** A chat request as raw bytes, streamed or not, logged as job serve:<job>. */
function request(job: string, stream: boolean): string {
  const body = JSON.stringify({ model: 'deepseek-v3', stream, messages: [{ role: 'user', content: 'flood me' }] });
  return (
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `x-lucy-job: ${job}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** serve's requests in flight besides the /metrics scrape that asks. */
async function inFlight(s: Serve): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^lucy_ops_serve_in_flight (\d+)$/m.exec(text)?.[1]) - 1;
}

for (const stream of [false, true]) {
  const kind = stream ? 'streamed' : 'JSON';
  it(`a client that never reads a ${kind} answer is cut at serve.deliveryTimeoutMs: connection closed, run aborted, nothing in flight`, async () => {
    // 24 MiB: far more than serve's send buffer (tcp_wmem, at most 4 MiB) and the receive buffer
    // of a client that does not read (it grows only as the client reads) can hold
    sim.setScript({ '*': { kind: 'flood', chunkBytes: 64 * 1024, totalBytes: 24 * 1024 * 1024 } });
    const job = stream ? 'noread-sse' : 'noread-json';
    const dir = tempProject({
      ...patient(simConfig({ primary: sim.url })),
      providers: (patient(simConfig({ primary: sim.url })).providers as Array<Record<string, unknown>>).map((p) => ({
        ...p,
        maxResponseBytes: 64 * 1024 * 1024,
      })),
      serve: { deliveryTimeoutMs: 300 },
    });
    const s = await startServe(dir);
    started.push(s);
    const c = await connect(s.url);
    c.socket.pause(); // nothing is read
    await c.write(request(job, stream));
    // the bound under test is what ends the run: without it the run stays open for good
    await logged(dir, (r) => r.event === 'run.end' && r.job === `serve:${job}`, 60_000);
    const end = readLog(dir).find((r) => r.event === 'run.end' && r.job === `serve:${job}`);
    expect([end.outcome, end.failure]).toEqual(['failed', 'aborted']);
    expect(end.error).toMatch(/client did not take the answer within 300 ms \(serve\.deliveryTimeoutMs\)/);
    expect(await inFlight(s)).toBe(0);
    // serve closed its side: a client that reads now gets what the sockets held, then the end
    let received = 0;
    c.socket.on('data', (d: Buffer) => (received += d.length));
    c.socket.resume();
    await bounded(c.closed, 'the connection serve closed to end at the client', 60_000);
    expect(received).toBeLessThan(24 * 1024 * 1024);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
}
