/**
 * `lucy-ops serve` against HTTP/1.1 pipelining, end to end: a real serve process, raw sockets that
 * write several requests ahead on one connection, the simulator behind a provider that holds a
 * request for as long as a test wants, and one that never answers. A connection runs one request
 * at a time and answers in order; past the waiting limit it answers 503 and closes; a client that
 * goes away leaves no run behind; shutdown counts and logs every run it cuts. No sleeps: every
 * wait is on an event (an answer, a request at a provider, a socket closing, a log record, an exit).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patient, readLog, simConfig, tempProject } from './helpers/cli.js';
import { hangingProvider, type HangingProvider } from './helpers/hanging-provider.js';
import { heldProvider, type HeldProvider } from './helpers/held-provider.js';
import { logged } from './helpers/log-wait.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';
import { until } from './helpers/wait.js';

/** serve's limit (src/serve/pipeline.ts MAX_WAITING), as a client meets it. */
const MAX_WAITING = 16;

const sim = useSimulator();
let held: HeldProvider;
let hang: HangingProvider;
const started: Serve[] = [];

/** A project whose deepseek-v3 goes through `held` to the simulator, and whose `hanger` never answers. */
function project(): string {
  const base = patient(simConfig({ primary: held.url, fallback: sim.url })) as {
    providers: Array<Record<string, unknown>>;
  };
  return tempProject({
    ...base,
    // a request begun before a signal and finished after it is not cut for its headers' time
    serve: { headersTimeoutMs: 300_000, requestTimeoutMs: 300_000 },
    providers: [...base.providers, { name: 'hanger', baseUrl: hang.url, model: 'hanger', timeoutMs: 300_000 }],
  });
}

async function serveIn(dir: string): Promise<Serve> {
  const s = await startServe(dir, {}, 600_000);
  started.push(s);
  return s;
}

beforeAll(async () => {
  held = await heldProvider(sim.url);
  hang = await hangingProvider();
});

afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await held?.close();
  hang?.server.closeAllConnections();
  hang?.server.close();
});

/** One chat request as raw bytes, logged as job serve:<job>. */
const chat = (model: string, job: string) => {
  const body = JSON.stringify({ model, messages: [{ role: 'user', content: `request ${job}` }] });
  return (
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
    `x-lucy-job: ${job}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** The answers received so far on a connection, in order (serve's answers all carry content-length). */
function answersIn(raw: string): Answer[] {
  const out: Answer[] = [];
  let at = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', at);
    if (end < 0) return out;
    const [status, ...lines] = raw.slice(at, end).split('\r\n');
    const headers = Object.fromEntries(
      lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
    );
    const length = Number(headers['content-length']);
    if (raw.length < end + 4 + length) return out;
    out.push({ status: Number(status.split(' ')[1]), headers, body: JSON.parse(raw.slice(end + 4, end + 4 + length)) });
    at = end + 4 + length;
  }
}

/** A raw connection to serve: the answers it has, a wait for a number of them, its closing. */
async function connect(s: Serve) {
  const socket = net.connect(Number(new URL(s.url).port), '127.0.0.1');
  let raw = '';
  const waiters = new Set<() => void>();
  socket.on('data', (c: Buffer) => {
    raw += c.toString();
    for (const w of waiters) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const answers = (n: number) =>
    new Promise<Answer[]>((resolve, reject) => {
      const check = () => {
        const got = answersIn(raw);
        if (got.length >= n) {
          waiters.delete(check);
          resolve(got);
        }
      };
      waiters.add(check);
      void closed.then(() => (answersIn(raw).length >= n ? check() : reject(new Error(`closed after ${raw}`))));
      check();
    });
  return { socket, answers, closed, all: () => answersIn(raw) };
}

/** serve's requests in flight, less the /metrics scrape that asks. */
async function inFlight(s: Serve): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return Number(/^lucy_ops_serve_in_flight (\d+)$/m.exec(text)?.[1]) - 1;
}

/** The job of each run in a project's log, by run id. */
function jobsByRun(dir: string): Map<string, string> {
  return new Map(readLog(dir).map((r) => [r.runId, r.job]));
}

describe('pipelined requests on one connection', () => {
  let dir: string;
  let serve: Serve;
  beforeAll(async () => {
    dir = project();
    serve = await serveIn(dir);
  });

  it('run one at a time, each after the answer before it went out, and are answered in order', async () => {
    const c = await connect(serve);
    const hold = held.holdNext();
    c.socket.write(chat('deepseek-v3', 'p1') + chat('deepseek-v3', 'p2') + chat('deepseek-v3', 'p3'));
    await hold.arrived;
    // p1 is stuck at its provider: p2 and p3 have not started (no run, no provider call)
    expect(await inFlight(serve)).toBe(1);
    hold.release(); // p1's attempt fails, its retry goes through to the simulator
    const answers = await c.answers(3);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const jobs = jobsByRun(dir);
    expect(answers.map((a) => jobs.get(a.headers['x-lucy-run-id']))).toEqual(['serve:p1', 'serve:p2', 'serve:p3']);
    await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:p3');
    // in the log too: each run started after the one before it had ended
    const events = readLog(dir)
      .filter((r) => r.event === 'run.start' || r.event === 'run.end')
      .map((r) => `${r.event} ${r.job}`);
    expect(events).toEqual([
      'run.start serve:p1',
      'run.end serve:p1',
      'run.start serve:p2',
      'run.end serve:p2',
      'run.start serve:p3',
      'run.end serve:p3',
    ]);
    c.socket.destroy();
  });

  it(`past ${MAX_WAITING} waiting, the next gets 503 with Retry-After and the connection closes; what came after never runs`, async () => {
    const c = await connect(serve);
    const hold = held.holdNext();
    const total = MAX_WAITING + 4;
    c.socket.write(Array.from({ length: total }, (_, i) => chat('deepseek-v3', `q${i + 1}`)).join(''));
    await hold.arrived; // all of them read while q1 is held
    hold.release();
    await c.closed;
    const answers = c.all();
    expect(answers).toHaveLength(MAX_WAITING + 2);
    expect(answers.slice(0, MAX_WAITING + 1).every((a) => a.status === 200)).toBe(true);
    const refused = answers[MAX_WAITING + 1];
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('too_many_pipelined');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers.connection).toBe('close');
    await logged(dir, (r) => r.event === 'run.end' && r.job === `serve:q${MAX_WAITING + 1}`);
    const runs = readLog(dir).filter((r) => r.event === 'run.start' && /^serve:q/.test(r.job));
    expect(runs.map((r) => r.job)).toEqual(Array.from({ length: MAX_WAITING + 1 }, (_, i) => `serve:q${i + 1}`));
    expect(await inFlight(serve)).toBe(0);
  });
});

describe('a pipelining client that disconnects', () => {
  it('aborts the request being served and never starts those waiting behind it', async () => {
    const dir = project();
    const s = await serveIn(dir);
    const c = await connect(s);
    const arrived = hang.nextRequest();
    const before = hang.seen;
    c.socket.write(chat('hanger', 'd1') + chat('hanger', 'd2') + chat('hanger', 'd3'));
    const upstream = await arrived;
    c.socket.destroy();
    await upstream.closed; // serve aborted the provider call
    await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:d1');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(hang.seen - before).toBe(1);
    const runs = readLog(dir).filter((r) => r.event === 'run.start' || r.event === 'run.end');
    expect(runs.map((r) => `${r.event} ${r.job} ${r.failure ?? ''}`.trim())).toEqual([
      'run.start serve:d1',
      'run.end serve:d1 aborted',
    ]);
  });
});

describe('shutdown', () => {
  it('waits for a request that reached serve during the grace period; a second SIGTERM aborts it: counted, logged, exit 1', async () => {
    const dir = project();
    const s = await serveIn(dir);
    const first = await connect(s);
    const second = await connect(s);
    const hold = held.holdNext();
    // c is written ahead behind a: at the signal it has not begun, so it never runs
    first.socket.write(chat('deepseek-v3', 'a') + chat('deepseek-v3', 'c'));
    await hold.arrived;
    // b has begun (so its connection is not idle and stays open) and is not whole at the signal
    const b = chat('hanger', 'b');
    second.socket.write(b.slice(0, 40));
    s.child.kill('SIGTERM');
    await until('serve to take the signal', () => s.stderr().includes('SIGTERM: no new connections'), 60_000);
    hold.release();
    expect((await first.answers(1))[0].status).toBe(200);
    await first.closed; // after a's answer, instead of running c
    const hung = hang.nextRequest();
    second.socket.write(b.slice(40));
    await hung; // b is at the provider that never answers, a is done: the grace goes on for b
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain('aborted 1 request(s) still running at the second signal');
    const [answer] = await second.answers(1);
    expect(answer.status).toBe(503);
    expect(answer.body.error.type).toBe('lucy_ops_aborted');
    // every run that started has its run.end
    const runs = readLog(dir).filter((r) => r.event === 'run.start' || r.event === 'run.end');
    expect(runs.map((r) => `${r.event} ${r.job} ${r.outcome} ${r.failure ?? ''}`.trim())).toEqual([
      'run.start serve:a undefined',
      'run.end serve:a ok',
      'run.start serve:b undefined',
      'run.end serve:b failed aborted',
    ]);
  });
});
