#!/usr/bin/env node
/**
 * The engine's own costs, each against a baseline measured in the same run:
 *  - overhead per successful call: Engine.complete vs raw undici to the same local server (target ≤ 50 µs median)
 *  - createChain().complete() with the job log on vs raw undici (target p50 ≤ 1.3×)
 *  - open-breaker fast path: time an open primary adds before the fallback is asked (target ≤ 1 ms)
 *  - cold start: `lucy-ops breaker status --json` with a TypeScript config vs `node -e ''` (target ≤ 2.0×)
 * Uses the built dist/ (npm run bench builds first).
 *
 *   node bench/engine.js [--calls 2000] [--starts 10] [--json]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(ROOT, 'dist', p));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p99 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))];

const BODY = JSON.stringify({
  id: 'x',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: '# Title\n\nHello.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
});

/** A bare OpenAI-compatible server: the cheapest possible provider, so only client costs differ. */
function startServer() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
      res.end(BODY);
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/**
 * The same server in its own process, as a provider is: work a call leaves for later (the job
 * log's write) runs while the provider answers, as it does in production, instead of in line.
 */
async function startServerProcess() {
  const code = `
    const http = require('node:http');
    const BODY = ${JSON.stringify(BODY)};
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
        res.end(BODY);
      });
    });
    server.keepAliveTimeout = 60000;
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
    child.once('exit', (c) => reject(new Error(`bench server exited ${c}`)));
  });
  return { url: `http://127.0.0.1:${port}/v1`, close: () => child.kill() };
}

/** CPU µs this process spent per call (user + system): steadier than wall time on a busy host. */
const cpuPerCall = new Map();

async function time(n, fn, label) {
  for (let i = 0; i < Math.min(200, n); i++) await fn(); // warm-up: JIT, sockets, caches
  const samples = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  if (label) {
    const used = process.cpuUsage(cpu);
    const prev = cpuPerCall.get(label) ?? { us: 0, n: 0 };
    cpuPerCall.set(label, { us: prev.us + used.user + used.system, n: prev.n + n });
  }
  return samples;
}
const cpuOf = (label) => {
  const c = cpuPerCall.get(label);
  return c ? c.us / c.n : NaN;
};

export async function benchEngine({ calls = 2000, starts = 10 } = {}) {
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}/v1`;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-bench-'));
  const { resolveConfig } = await dist('config/validate.js');
  const { validateSchedule } = await dist('schedule/slots.js');
  const { Engine } = await dist('engine/chain.js');
  const { openFileStore } = await dist('state/file-store.js');
  const { systemClock } = await dist('clock.js');
  const { request, Agent } = await import('undici');
  const config = resolveConfig(
    {
      stateDir,
      providers: [
        { name: 'primary', baseUrl: base, model: 'm' },
        { name: 'fallback', baseUrl: base, model: 'm' },
      ],
    },
    path.join(stateDir, 'lucy-ops.config.json'),
    validateSchedule,
  );
  const store = await openFileStore(stateDir);
  const engine = new Engine(config, { store, clock: systemClock });
  const req = { messages: [{ role: 'user', content: 'hi' }] };

  // baseline: the same request with raw undici (keep-alive agent, JSON parsed), no engine
  const agent = new Agent({ keepAliveTimeout: 60_000 });
  const rawTo = (url) => async () => {
    const r = await request(`${url}/chat/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...req, model: 'm', stream: false }),
    });
    const j = await r.body.json();
    if (!j.choices[0].message.content) throw new Error('bad');
  };
  const raw = rawTo(base);
  // interleave rounds so drift in machine load hits both sides alike
  const rawSamples = [];
  const engineSamples = [];
  for (let round = 0; round < 4; round++) {
    rawSamples.push(...(await time(calls / 4, raw, 'raw')));
    engineSamples.push(...(await time(calls / 4, () => engine.complete(req), 'engine')));
  }
  const overhead = median(engineSamples) - median(rawSamples);

  // the library as users call it (its own store, breaker reads, the job log) against a provider
  // in its own process, beside raw undici to that same process
  const remote = await startServerProcess();
  const { createChain } = await dist('index.js');
  const logFile = path.join(stateDir, 'jobs.jsonl');
  const chain = await createChain(
    {
      stateDir,
      log: logFile,
      providers: config.providers.map(({ name, model }) => ({ name, baseUrl: remote.url, model })),
    },
    { job: 'bench' },
  );
  // the same chain without the job log: what the engine and provider client cost alone
  const unlogged = await createChain(
    {
      stateDir,
      log: path.join(stateDir, 'unused.jsonl'),
      providers: config.providers.map(({ name, model }) => ({ name, baseUrl: remote.url, model })),
    },
    { job: 'bench', log: false },
  );
  const rawRemote = rawTo(remote.url);
  const rawRemoteSamples = [];
  const chainSamples = [];
  const unloggedSamples = [];
  for (let round = 0; round < 4; round++) {
    rawRemoteSamples.push(...(await time(calls / 4, rawRemote, 'raw-remote')));
    chainSamples.push(...(await time(calls / 4, () => chain.complete(req), 'chain')));
    unloggedSamples.push(...(await time(calls / 4, () => unlogged.complete(req), 'unlogged')));
  }
  await chain.close();
  await unlogged.close();
  remote.close();
  const loggedRuns = fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('"run.end"')).length;

  // open-breaker fast path: primary tripped; the call goes straight to the fallback
  await engine.breakers.trip('primary', 3_600_000);
  const openSamples = await time(calls / 2, () => engine.complete(req));
  const healthySkip = median(openSamples) - median(rawSamples);
  await store.close();
  await agent.close();
  server.close();

  // cold start: a new process each time, as every crontab line is
  const cfgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-bench-cold-'));
  fs.copyFileSync(path.join(ROOT, 'lucy-ops.config.ts'), path.join(cfgDir, 'lucy-ops.config.ts'));
  const run = (args) => {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: cfgDir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const bin = path.join(ROOT, 'bin/lucy-ops.js');
  run([bin, 'breaker', 'status', '--json']); // fills the config cache, as the first cron run does
  const nodeMs = [];
  const cliMs = [];
  for (let i = 0; i < starts; i++) {
    nodeMs.push(run(['-e', '']));
    cliMs.push(run([bin, 'breaker', 'status', '--json']));
  }
  const coldRatio = median(cliMs) / median(nodeMs);

  return {
    overhead: {
      rawMedianUs: median(rawSamples),
      engineMedianUs: median(engineSamples),
      engineP99Us: p99(engineSamples),
      overheadUs: overhead,
      // the same comparison in CPU time spent by this process per call (the server's share is the same for both)
      rawCpuUs: cpuOf('raw'),
      engineCpuUs: cpuOf('engine'),
      overheadCpuUs: cpuOf('engine') - cpuOf('raw'),
      targetUs: 50,
    },
    createChain: {
      medianUs: median(chainSamples),
      p99Us: p99(chainSamples),
      rawMedianUs: median(rawRemoteSamples),
      ratio: median(chainSamples) / median(rawRemoteSamples),
      unloggedMedianUs: median(unloggedSamples),
      unloggedRatio: median(unloggedSamples) / median(rawRemoteSamples),
      unloggedCpuUs: cpuOf('unlogged'),
      cpuUs: cpuOf('chain'),
      rawCpuUs: cpuOf('raw-remote'),
      loggedRuns,
      calls: chainSamples.length + 4 * Math.min(200, calls / 4),
      target: 1.3,
    },
    openBreaker: { medianUs: median(openSamples), addedOverRawUs: healthySkip, targetUs: 1000 },
    loadAverage: os.loadavg(),
    coldStart: { nodeMedianMs: median(nodeMs), cliMedianMs: median(cliMs), ratio: coldRatio, target: 2.0 },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await benchEngine({ calls: arg('calls', 2000), starts: arg('starts', 10) });
  if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
  else printEngine(r);
}

export function printEngine(r) {
  const f = (n) => n.toFixed(1);
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  console.log(
    `engine (load average ${r.loadAverage.map((l) => l.toFixed(1)).join(' ')} at the end, ${os.cpus().length} CPUs)`,
  );
  console.log(
    `  ${mark(r.overhead.overheadUs <= 50)} overhead per successful call: ${f(r.overhead.overheadUs)} µs median (engine ${f(r.overhead.engineMedianUs)} µs vs raw undici ${f(r.overhead.rawMedianUs)} µs, ratio ${(r.overhead.engineMedianUs / r.overhead.rawMedianUs).toFixed(2)}×; target ≤ 50 µs)`,
  );
  console.log(
    `       in CPU time: ${f(r.overhead.overheadCpuUs)} µs a call (engine ${f(r.overhead.engineCpuUs)} µs vs raw ${f(r.overhead.rawCpuUs)} µs of this process's CPU, ratio ${(r.overhead.engineCpuUs / r.overhead.rawCpuUs).toFixed(2)}×): steadier on a busy host`,
  );
  console.log(
    `  ${mark(r.createChain.ratio <= r.createChain.target)} createChain p50 with the job log on: ${f(r.createChain.medianUs)} µs vs raw undici ${f(r.createChain.rawMedianUs)} µs (provider in its own process) = ${r.createChain.ratio.toFixed(2)}× (target ≤ ${r.createChain.target}×; CPU a call ${f(r.createChain.cpuUs)} vs ${f(r.createChain.rawCpuUs)} µs; ${r.createChain.loggedRuns} of ${r.createChain.calls} calls logged)`,
  );
  if (r.createChain.ratio > r.createChain.target)
    console.log(
      `       floor: the same chain with log: false is ${r.createChain.unloggedRatio.toFixed(2)}× raw (${f(r.createChain.unloggedMedianUs)} µs, CPU ${f(r.createChain.unloggedCpuUs)} µs a call): the engine, breaker reads and the provider client alone; the job log (records built, serialised, one write a call) is the rest`,
    );
  console.log(
    `  ${mark(r.openBreaker.addedOverRawUs <= 1000)} open-breaker fast path: ${f(r.openBreaker.addedOverRawUs)} µs added before the fallback answers (ratio ${(r.openBreaker.medianUs / r.overhead.rawMedianUs).toFixed(2)}× raw; target ≤ 1000 µs)`,
  );
  console.log(
    `  ${mark(r.coldStart.ratio <= r.coldStart.target)} cold start: breaker status (TypeScript config) ${f(r.coldStart.cliMedianMs)} ms vs node -e '' ${f(r.coldStart.nodeMedianMs)} ms = ${r.coldStart.ratio.toFixed(2)}× (target ≤ ${r.coldStart.target}×)`,
  );
}
