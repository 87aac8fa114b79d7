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
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
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

/** The floor of serve-latency.js: forwards the body to the sim and the answer back, nothing else. */
const FLOOR = `
import { createServer } from 'node:http';
import { Agent, request } from ${JSON.stringify(path.join(ROOT, 'node_modules/undici/index.js'))};
const target = process.argv[2] + '/chat/completions';
const agent = new Agent({ keepAliveTimeout: 30000 });
createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const up = await request(target, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
  const text = await up.body.text();
  res.writeHead(up.statusCode, { 'content-type': 'application/json' });
  res.end(text);
}).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ url: 'http://127.0.0.1:' + this.address().port })); });
`;

/** Starts a script and resolves with the JSON it prints first (the sim prints it over several lines). */
function start(script, args, cwd) {
  const child = spawn(process.execPath, [script, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      for (const text of [out, out.slice(0, out.indexOf('\n'))]) {
        try {
          return resolve({ child, info: JSON.parse(text) });
        } catch {
          // not whole yet
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${err}`)));
  });
}

/** CPU time (user + system, µs) a process has used so far. */
function cpuUs(child) {
  const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 1e4; // USER_HZ (100) ticks
}

const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });

/** `clients` workers sending requests back to back for `ms`: how many were answered 200, and errors. */
async function load(url, body, clients, ms) {
  let ok = 0;
  let errors = 0;
  const until = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < until) {
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body,
        });
        await res.body.text();
        if (res.statusCode === 200) ok++;
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return { ok, errors };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-serve-ab-'));
fs.writeFileSync(
  path.join(dir, 'sim.json'),
  JSON.stringify({ '*': { kind: 'ok', content: 'Hello from the simulator: a short answer.' } }),
);
const sim = await start(builds[0].bin, ['sim', '--port', '0', '--json', '--quiet', '--script', 'sim.json'], dir);
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
  const s = await start(bin, ['serve', '--port', '0', '--json'], own);
  const body = JSON.stringify({ model: 'auto', messages });
  paths.push({ name, url: `${s.info.url}/v1/chat/completions`, child: s.child, body });
}
fs.writeFileSync(path.join(dir, 'floor.mjs'), FLOOR);
const floor = await start(path.join(dir, 'floor.mjs'), [simUrl], dir);
const floorBody = JSON.stringify({ model: 'primary', messages });
paths.push({ name: 'floor', url: `${floor.info.url}/chat/completions`, child: floor.child, body: floorBody });

try {
  for (const p of paths) await load(p.url, p.body, CLIENTS, 3000); // warm: JIT, connections
  const acc = new Map(paths.map((p) => [p.name, { ok: 0, errors: 0, ms: 0, perRound: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of round % 2 ? [...paths].reverse() : paths) {
      const a = acc.get(p.name);
      const cpu0 = cpuUs(p.child);
      const t0 = performance.now();
      const r = await load(p.url, p.body, CLIENTS, SECONDS * 1000);
      a.ms += performance.now() - t0;
      a.ok += r.ok;
      a.errors += r.errors;
      a.perRound.push(Math.round((cpuUs(p.child) - cpu0) / Math.max(1, r.ok)));
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
