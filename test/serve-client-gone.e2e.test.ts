/**
 * A client that goes away, end to end: a real serve process, raw sockets, the simulator behind a
 * provider that holds a request for as long as a test wants. A client that has gone never has a
 * run started or a provider called for it, and the job log says `ok` only for an answer that went
 * out whole: one the client left before is `failed` with `failure: "aborted"`, the record a
 * disconnect has always made. No sleeps: every wait is on an event (a request at a provider, its
 * exchange closing, a log record, the client's first bytes, an exit), or a bound with a message
 * where the behaviour under test is what makes the event come.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { patient, readLog, simConfig, tempProject } from './helpers/cli.js';
import { heldProvider, type HeldProvider } from './helpers/held-provider.js';
import { logged } from './helpers/log-wait.js';
import { bounded, chatBytes, connect, destroyAll } from './helpers/raw-http.js';
import { startServe, type Serve } from './helpers/serve.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
let held: HeldProvider;
const started: Serve[] = [];

/**
 * A project whose deepseek-v3 goes through `held` to the simulator. A request not whole is not
 * cut for its time: serve must see a client leave by itself, not when node:http's request timeout
 * closes the connection.
 */
function project(serve: Record<string, unknown> = {}): string {
  return tempProject({
    ...patient(simConfig({ primary: held.url, fallback: sim.url })),
    serve: { headersTimeoutMs: 300_000, requestTimeoutMs: 300_000, ...serve },
  });
}

async function serveIn(dir: string): Promise<Serve> {
  const s = await startServe(dir, {}, 600_000);
  started.push(s);
  return s;
}

beforeAll(async () => {
  held = await heldProvider(sim.url);
});

afterEach(() => destroyAll());

afterAll(async () => {
  for (const s of started) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await held?.close();
});

/** "event job failure" for every run.start and run.end, in log order. */
const runs = (dir: string) =>
  readLog(dir)
    .filter((r) => r.event === 'run.start' || r.event === 'run.end')
    .map((r) => `${r.event} ${r.job} ${r.failure ?? ''}`.trim());

/** Ends serve with SIGTERM and waits for it: every record it held is in the log after this. */
async function stop(s: Serve): Promise<void> {
  s.child.kill('SIGTERM');
  expect(await s.exited).toBe(0);
}

describe('a pipelining client that leaves with ~40 KB bodies written ahead', () => {
  // a waiting body this size fills node:http's buffer for it (16 KiB), which used to stop serve
  // reading the connection, so it did not see the client leave
  const PAD = 40_000;

  it('aborts the request being served at once, and what waited behind it never starts', async () => {
    const dir = project();
    const s = await serveIn(dir);
    const c = await connect(s.url);
    const hold = held.holdNext();
    await c.write(chatBytes('deepseek-v3', 'g1', PAD) + chatBytes('deepseek-v3', 'g2', PAD));
    await hold.arrived;
    c.socket.destroy();
    // serve gives up the provider call when the client leaves, as it does without pipelining (it
    // used to answer 3 s later, when the provider did, and log that answer ok)
    await bounded(hold.closed, 'serve to abort the provider call of a client that left', 60_000);
    await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:g1');
    await stop(s);
    expect(runs(dir)).toEqual(['run.start serve:g1', 'run.end serve:g1 aborted']);
  });

  it('the same with three written ahead and more bytes of bodies waiting than serve.maxBodyBytes', async () => {
    // g2's body is read ahead, g3's would pass the bound on what waits: g3 is refused in its
    // turn and its body read and dropped, so serve still sees the client leave
    const dir = project({ maxBodyBytes: 60_000 });
    const s = await serveIn(dir);
    const c = await connect(s.url);
    const hold = held.holdNext();
    await c.write(['g1', 'g2', 'g3'].map((job) => chatBytes('deepseek-v3', job, PAD)).join(''));
    await hold.arrived;
    c.socket.destroy();
    await bounded(hold.closed, 'serve to abort the provider call of a client that left', 60_000);
    await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:g1');
    await stop(s);
    expect(runs(dir)).toEqual(['run.start serve:g1', 'run.end serve:g1 aborted']);
  });
});

describe('a client that leaves while its answer is going out', () => {
  it('is logged failed, aborted, not ok: an answer counts once it went out whole', async () => {
    // an answer far larger than what the sockets between serve and a client that does not read
    // can take (serve's send buffer, at most net.ipv4.tcp_wmem's 4 MiB, and the client's receive
    // buffer, which grows only as the client reads): it is still going out when the client leaves
    sim.setScript({ '*': { kind: 'flood', chunkBytes: 64 * 1024, totalBytes: 24 * 1024 * 1024 } });
    try {
      const dir = tempProject(patient(simConfig({ primary: sim.url })));
      const s = await serveIn(dir);
      const c = await connect(s.url);
      c.socket.pause();
      await c.write(chatBytes('deepseek-v3', 'big'));
      // the provider has answered (its attempt is logged): serve is writing the answer out
      await logged(dir, (r) => r.event === 'attempt.end' && r.job === 'serve:big');
      c.socket.destroy();
      await logged(dir, (r) => r.event === 'run.end' && r.job === 'serve:big');
      await stop(s);
      const end = readLog(dir).find((r) => r.event === 'run.end' && r.job === 'serve:big');
      expect([end.outcome, end.failure]).toEqual(['failed', 'aborted']);
      expect(end.error).toMatch(/client disconnected before the answer was delivered/);
      // who answered stays in the record; the provider's attempt was ok
      expect(end.provider).toBe('deepseek-v3');
      const attempt = readLog(dir).find((r) => r.event === 'attempt.end' && r.job === 'serve:big');
      expect(attempt.outcome).toBe('ok');
    } finally {
      sim.setScript({});
    }
  });
});

describe('a client that half-closes after its request (writes it, then its FIN)', () => {
  it('has left by serve rule: no answer, the connection closes, and a run begun before the FIN was read is aborted, never ok', async () => {
    const dir = project();
    const s = await serveIn(dir);
    held.holdNext(); // the provider never answers by itself: only serve seeing the FIN ends the run
    const c = await connect(s.url);
    await c.write(chatBytes('deepseek-v3', 'half'));
    c.socket.end();
    await bounded(c.closed, 'serve to close the connection of a client that sent its FIN', 60_000);
    expect(c.all()).toEqual([]);
    await stop(s);
    // the FIN is read a loop turn or two after the request: a run may have begun by then
    const logged = runs(dir);
    expect(
      logged.length === 0 || logged.join(',') === 'run.start serve:half,run.end serve:half aborted',
      logged.join(','),
    ).toBe(true);
  });
});
