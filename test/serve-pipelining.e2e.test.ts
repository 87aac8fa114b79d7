/**
 * `lucy-ops serve` against HTTP/1.1 pipelining, end to end: a real serve process, raw sockets that
 * write several requests ahead on one connection, the simulator behind a provider that holds a
 * request for as long as a test wants, and one that never answers. A connection runs one request
 * at a time and answers in order; past the waiting limit it answers 503 and closes; a client that
 * goes away leaves no run behind; shutdown counts and logs every run it cuts. No sleeps: every
 * wait is on an event (an answer, a request at a provider, a socket closing, a log record, an exit).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patient, readLog, simConfig, tempProject } from './helpers/cli.js';
import { hangingProvider, type HangingProvider } from './helpers/hanging-provider.js';
import { heldProvider, type HeldProvider } from './helpers/held-provider.js';
import { logged } from './helpers/log-wait.js';
import { bounded, chatBytes, connect as rawConnect, destroyAll, getBytes } from './helpers/raw-http.js';
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

afterEach(() => destroyAll());

afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await held?.close();
  hang?.server.closeAllConnections();
  hang?.server.close();
});

const chat = (model: string, job: string) => chatBytes(model, job);

/** A raw connection to serve. */
const connect = (s: Serve) => rawConnect(s.url);

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

describe('a client that keeps writing after the request refused too_many_pipelined', () => {
  it(`is cut off at the ${MAX_WAITING + 1}th request after the refused one: the connection closes unanswered, the request being served is aborted, serve answers a fresh connection`, async () => {
    const dir = project();
    const s = await serveIn(dir);
    const c = await connect(s);
    const hold = held.holdNext();
    await c.write(chat('deepseek-v3', 'cut1'));
    await hold.arrived; // cut1 is being served and stays so: nothing on this connection is answered
    // MAX_WAITING wait behind it, and the next one is refused (in its turn, which never comes)
    await c.write(Array.from({ length: MAX_WAITING + 1 }, () => getBytes('/healthz')).join(''));
    // then the client writes more: serve reads on after a refusal, so these count wherever the
    // socket reads split them
    await c.write(Array.from({ length: MAX_WAITING + 1 }, () => getBytes('/healthz')).join(''));
    // the cut: serve closes the connection while cut1 is still held, so no answer can have come
    await bounded(c.closed, 'serve to cut the connection off');
    expect(c.all()).toEqual([]);
    // the request being served was aborted, not left running for nobody
    await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:cut1');
    const end = readLog(dir).find((r) => r.event === 'run.end' && r.job === 'serve:cut1');
    expect([end.outcome, end.failure]).toEqual(['failed', 'aborted']);
    expect(await inFlight(s)).toBe(0);
    // and serve is well: a fresh connection is answered
    const fresh = await connect(s);
    await fresh.write(getBytes('/healthz'));
    const [health] = await fresh.answers(1);
    expect(health.status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
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
  it('an answer in flight at the signal says connection: close, the connection closes after it, and nothing more starts on it', async () => {
    const dir = project();
    const s = await serveIn(dir);
    const c = await connect(s);
    const hold = held.holdNext();
    await c.write(chat('deepseek-v3', 't1')); // one request on a keep-alive connection
    await hold.arrived;
    s.child.kill('SIGTERM');
    await until('serve to take the signal', () => s.stderr().includes('SIGTERM: no new connections'), 60_000);
    // the client writes its next request on that connection during the grace period
    await c.write(chat('deepseek-v3', 't2'));
    hold.forward();
    const [answer] = await c.answers(1);
    expect(answer.status).toBe(200);
    // it used to say keep-alive, and the client's next request on the connection was reset
    expect(answer.headers.connection).toBe('close');
    await c.ended; // serve ends the connection after that answer
    await c.closed;
    expect(c.all()).toHaveLength(1);
    expect(await s.exited).toBe(0);
    const runs = readLog(dir).filter((r) => r.event === 'run.start' || r.event === 'run.end');
    expect(runs.map((r) => `${r.event} ${r.job} ${r.outcome}`)).toEqual([
      'run.start serve:t1 undefined',
      'run.end serve:t1 ok',
    ]);
  });

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
