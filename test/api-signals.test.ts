/**
 * The library's held job-log records and SIGTERM/SIGINT, with real child processes: a process
 * that does not handle the signal writes what it held and then ends by the signal, as it would
 * have without lucy-ops; one that handles it keeps its own behaviour. The children hold their
 * records for an hour (the window the library uses is 10 ms), so the signal always finds them
 * held: every wait is on an event (a line on stdout, the process's exit), never on time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { patient, readLog, ROOT, simConfig, tempProject } from './helpers/cli.js';
import { useSimulator } from './helpers/sim.js';

const sim = useSimulator();
let dir: string;
beforeAll(() => {
  // each child's call must be served by the first provider, however slowly a loaded machine runs it
  dir = tempProject(patient(simConfig({ primary: sim.url })));
});

const url = (file: string) => JSON.stringify(pathToFileURL(path.join(ROOT, file)).href);

/**
 * A child that opens a chain, makes one call, says `called` on stdout and stays alive (an
 * interval); `setup` runs before the chain is opened, `host` after it (a handler of the app's own).
 */
function childScript(job: string, { setup = '', host = '' } = {}): string {
  return `
    import fs from 'node:fs';
    import { createChainInternals } from ${url('dist/api/chain.js')};
    ${setup}
    const chain = await createChainInternals(${JSON.stringify(path.join(dir, 'lucy-ops.config.json'))}, {
      job: ${JSON.stringify(job)},
      logWindowMs: 3_600_000,
    });
    ${host}
    await chain.complete({ messages: [{ role: 'user', content: 'hi' }] });
    setInterval(() => undefined, 60_000);
    fs.writeSync(1, 'called\\n');`;
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The job's events in the log when the child said `called`, before the signal. */
  before: string[];
}

/** The job's events in the log, in order. */
const jobEvents = (job: string): string[] =>
  readLog(dir)
    .filter((l) => l.job === job)
    .map((l) => l.event as string);

/** Runs the child, sends `signal` once it has called, and resolves when it has ended. */
function killAfterCall(script: string, job: string, signal: NodeJS.Signals): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: dir });
    let stdout = '';
    let stderr = '';
    let before: string[] | undefined;
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
      if (before === undefined && stdout.includes('called\n')) {
        before = jobEvents(job);
        child.kill(signal);
      }
    });
    child.once('error', reject);
    child.once('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr, before: before ?? [] }));
  });
}

const CALL = ['run.start', 'attempt.end', 'run.end'];

describe('a library process that does not handle the signal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s: writes the records it held, then ends by the signal', async (signal) => {
    sim.setScript({ '*': { kind: 'ok' } });
    const job = `no-handler-${signal}`;
    const r = await killAfterCall(childScript(job), job, signal);
    expect(r.before).toEqual([]); // held when the signal came
    expect(r.stdout).toBe('called\n');
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: null, signal });
    expect(jobEvents(job)).toEqual(CALL);
  });

  it('beside signal-exit (execa uses it): neither waits for the other, the process ends by SIGTERM', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const job = 'beside-signal-exit';
    // signal-exit re-raises only when its own listeners are the only ones; so do we
    const setup = `
      import { onExit } from ${url('node_modules/signal-exit/dist/mjs/index.js')};
      onExit((code, sig) => { fs.writeSync(1, 'signal-exit saw ' + sig + '\\n'); });`;
    const r = await killAfterCall(childScript(job, { setup }), job, 'SIGTERM');
    expect(r.before).toEqual([]);
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: null, signal: 'SIGTERM' });
    expect(r.stdout).toBe('called\nsignal-exit saw SIGTERM\n');
    expect(jobEvents(job)).toEqual(CALL);
  });
});

describe('a library process with a SIGTERM handler of its own', () => {
  it('finds the records written when its handler runs, and its handler decides how the process ends', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const job = 'own-handler';
    // the app's handler counts its job's records in the log, then exits 7 a turn later
    const host = `
      process.on('SIGTERM', () => {
        const lines = fs.readFileSync('logs/jobs.jsonl', 'utf8').split('\\n').filter((l) => l.includes('"job":"${job}"'));
        fs.writeSync(1, 'handler saw ' + lines.length + ' records\\n');
        setImmediate(() => process.exit(7));
      });`;
    const r = await killAfterCall(childScript(job, { host }), job, 'SIGTERM');
    expect(r.before).toEqual([]);
    // its handler ran once (the signal was not raised again), and the exit code is its own
    expect(r.stdout).toBe('called\nhandler saw 3 records\n');
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 7, signal: null });
  });
});

describe('a library process whose handler is process.once, set before the chain', () => {
  it('its graceful shutdown runs to the end: the signal is not raised again under it', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const job = 'once-before';
    // the usual shape: close things (a turn later), then exit; `once` removes the listener before
    // calling it, so counted at our turn it would look as if no one handled the signal
    const setup = `
      process.once('SIGTERM', () => {
        fs.writeSync(1, 'shutdown started\\n');
        setImmediate(() => { fs.writeSync(1, 'shutdown finished\\n'); process.exit(9); });
      });`;
    const r = await killAfterCall(childScript(job, { setup }), job, 'SIGTERM');
    expect(r.before).toEqual([]);
    expect(r.stdout).toBe('called\nshutdown started\nshutdown finished\n');
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: 9, signal: null });
    expect(jobEvents(job)).toEqual(CALL);
  });
});

describe('two copies of lucy-ops in one process', () => {
  it('neither takes the other for the host: both write what they held, the process ends by SIGTERM', async () => {
    sim.setScript({ '*': { kind: 'ok' } });
    const job = 'two-copies';
    // a second module instance of the held log (a query makes a new instance), holding one record
    const setup = `
      const { DeferredLog } = await import(${url('dist/log/deferred.js')} + '?second-copy');
      const second = new DeferredLog({ appendAll: (r) => fs.writeSync(1, 'second copy wrote ' + r.length + '\\n') }, { windowMs: 3_600_000 });
      second.append({ event: 'held' });`;
    const r = await killAfterCall(childScript(job, { setup }), job, 'SIGTERM');
    expect(r.before).toEqual([]);
    expect(r.stdout).toBe('called\nsecond copy wrote 1\n');
    expect({ code: r.code, signal: r.signal }, r.stderr).toEqual({ code: null, signal: 'SIGTERM' });
    expect(jobEvents(job)).toEqual(CALL);
  });
});
