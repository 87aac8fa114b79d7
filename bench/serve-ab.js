#!/usr/bin/env node
/**
 * Interleaved A/B of `lucy-ops serve` builds: what a change costs serve a request, which a
 * `npm run bench` before and after cannot tell on a shared host (its figures swing more between
 * runs than most changes move them). Every build's serve and the bare forwarder (the floor of
 * serve-latency.js) run side by side against one simulator; rounds alternate between them, in
 * reversed order every other round, and each round's CPU a request (user + system time of that
 * process, /proc) is compared with the first build's in the same round.
 *
 *   # builds to compare: a folder each with its dist/ built (git archive REV | tar -x; npm run build)
 *   node bench/serve-ab.js main=/path/a/bin/lucy-ops.js change=bin/lucy-ops.js
 *   SERVE_AB_ROUNDS=20 SERVE_AB_SECONDS=1.5 SERVE_AB_CLIENTS=10 node bench/serve-ab.js ...
 *
 * Prints, per build: the median CPU a request over the rounds after the first, the median of
 * its per-round ratio to the first build's, req/s, and every round's figure (to see the spread).
 * The first round is left out of the medians: it still carries the processes' start (JIT).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { cpuUs, FLOOR_PROXY, load, startProcess } from './serve-latency.js';

const ROUNDS = Number(process.env.SERVE_AB_ROUNDS ?? 16);
const SECONDS = Number(process.env.SERVE_AB_SECONDS ?? 1.5);
const CLIENTS = Number(process.env.SERVE_AB_CLIENTS ?? 10);

const builds = process.argv.slice(2).map((arg) => {
  const at = arg.indexOf('=');
  if (at < 1) throw new Error(`expected name=path/to/bin/lucy-ops.js, got ${arg}`);
  return { name: arg.slice(0, at), bin: path.resolve(arg.slice(at + 1)) };
});
if (builds.length === 0) {
  console.error('usage: node bench/serve-ab.js name=path/to/bin/lucy-ops.js [name=path ...]');
  process.exit(64);
}

const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-serve-ab-'));
fs.writeFileSync(
  path.join(dir, 'sim.json'),
  JSON.stringify({ '*': { kind: 'ok', content: 'Hello from the simulator: a short answer.' } }),
);
const sim = await startProcess(['sim', '--port', '0', '--json', '--quiet', '--script', 'sim.json'], dir, builds[0].bin);
const simUrl = sim.info.url.replace(/\/$/, '');
const config = JSON.stringify({
  stateDir: '.lucy-ops',
  log: 'logs/jobs.jsonl',
  providers: [
    { name: 'primary', baseUrl: simUrl, model: 'primary', timeoutMs: 10000 },
    { name: 'fallback', baseUrl: simUrl, model: 'fallback', timeoutMs: 10000 },
  ],
  deadlineMs: 30000,
});
const messages = [{ role: 'user', content: 'Say hello.' }];
const paths = [];
for (const { name, bin } of builds) {
  const own = path.join(dir, name);
  fs.mkdirSync(own);
  fs.writeFileSync(path.join(own, 'lucy-ops.config.json'), config);
  const s = await startProcess(['serve', '--port', '0', '--json'], own, bin);
  const body = JSON.stringify({ model: 'auto', messages });
  paths.push({ name, url: `${s.info.url}/v1/chat/completions`, child: s.child, body });
}
fs.writeFileSync(path.join(dir, 'floor.mjs'), FLOOR_PROXY);
const floor = await startProcess([simUrl], dir, path.join(dir, 'floor.mjs'));
const floorBody = JSON.stringify({ model: 'primary', messages });
paths.push({ name: 'floor', url: `${floor.info.url}/chat/completions`, child: floor.child, body: floorBody });

try {
  for (const p of paths) await load(p.url, p.body, CLIENTS, 3000, agent); // warm: JIT, connections
  const acc = new Map(paths.map((p) => [p.name, { ok: 0, errors: 0, ms: 0, perRound: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of round % 2 ? [...paths].reverse() : paths) {
      const a = acc.get(p.name);
      const cpu0 = cpuUs(p.child);
      const t0 = performance.now();
      const r = await load(p.url, p.body, CLIENTS, SECONDS * 1000, agent);
      a.ms += performance.now() - t0;
      a.ok += r.latencies.length;
      a.errors += r.errors;
      a.perRound.push(Math.round((cpuUs(p.child) - cpu0) / Math.max(1, r.latencies.length)));
    }
  }
  const load1 = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `${CLIENTS} clients, ${ROUNDS} rounds of ${SECONDS} s, ${new Date().toISOString()}, load average ${load1} on ${os.cpus().length} CPUs`,
  );
  const base = acc.get(paths[0].name).perRound;
  for (const [name, a] of acc) {
    const rest = a.perRound.slice(1);
    const ratio = median(rest.map((v, i) => v / base[i + 1]));
    console.log(
      `${name.padEnd(10)} CPU a request ${String(median(rest)).padStart(4)} µs (median), ${ratio.toFixed(3)}× ${paths[0].name}'s round by round; ` +
        `${Math.round(a.ok / (a.ms / 1000))} req/s; ${a.errors} errors; rounds ${a.perRound.join(',')}`,
    );
  }
} finally {
  for (const p of paths) p.child.kill('SIGTERM');
  sim.child.kill('SIGTERM');
  await agent.close();
}
