#!/usr/bin/env node
/**
 * Added latency of `lucy-ops serve` over calling the simulator directly, at 1, 10 and 50
 * concurrent clients, measured in the same run: for each level, alternating rounds of "direct"
 * (client → sim) and "serve" (client → serve → sim), so drift hits both alike.
 *
 *   npm run build && node bench/serve-latency.js            # ~3 s per path per level
 *   SERVE_BENCH_SECONDS=30 node bench/serve-latency.js      # the 30 s soak
 *   SERVE_BENCH_LEVELS=50 SERVE_BENCH_SECONDS=30 node bench/serve-latency.js   # only 50 clients
 *   SERVE_BENCH_STREAM=1 node bench/serve-latency.js        # streamed (SSE) answers on every path
 *   node bench/serve-latency.js --json                      # one JSON document on stdout
 *
 * The simulator and serve each run in their own process (as in production: serve is its own
 * process); the load generator is this process, with keep-alive connections to both. A third
 * path, "floor", is the least any proxy costs on this machine: a 15-line node:http + undici
 * forwarder with no failover, no log, no breaker, so serve's own share can be told apart from
 * the cost of one more HTTP hop. Wall time on a busy host is noisy; the CPU time the serve and
 * floor processes spend per request (Linux: /proc/PID/stat) is the steadier figure.
 * Goal (issue 8): median added latency < 0.4 ms, and no errors at 50 clients for 30 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/lucy-ops.js');
const LEVELS = [1, 10, 50];
const ROUNDS = 2; // direct/floor/serve alternations per level

/** The floor: forwards the body to the sim and the answer back, nothing else. */
const FLOOR_PROXY = `
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

/** Starts a lucy-ops subcommand and resolves with the JSON it prints first on stdout. */
function startProcess(args, cwd, script = BIN) {
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
      try {
        resolve({ child, info: JSON.parse(out) });
      } catch {
        const nl = out.indexOf('\n');
        if (nl >= 0 && out.trimStart().startsWith('{"')) {
          try {
            resolve({ child, info: JSON.parse(out.slice(0, nl)) });
          } catch {
            // not complete yet
          }
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${code}: ${err}`)));
  });
}

/** c workers, each sending requests back to back for `ms`; returns latencies (µs) and errors. */
async function load(url, body, c, ms, agent) {
  const latencies = [];
  let errors = 0;
  const firstErrors = [];
  const until = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const res = await request(url, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.body.text();
        if (res.statusCode !== 200 || !text.includes('"choices"')) {
          errors++;
          if (firstErrors.length < 3) firstErrors.push(`${res.statusCode} ${text.slice(0, 200)}`);
          continue;
        }
        latencies.push((performance.now() - t0) * 1000);
      } catch (e) {
        errors++;
        if (firstErrors.length < 3) firstErrors.push(String(e?.message ?? e));
      }
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  return { latencies, errors, firstErrors };
}

/** CPU time (user + system, µs) a child process has used so far; undefined off Linux. */
function cpuUs(child) {
  try {
    const fields = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime + stime, in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
}

const quantile = (sorted, q) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;

function summarize(latencies) {
  const s = Float64Array.from(latencies).sort();
  return { n: s.length, medianUs: Math.round(quantile(s, 0.5)), p99Us: Math.round(quantile(s, 0.99)) };
}

const envLevels = process.env.SERVE_BENCH_LEVELS?.split(',')
  .map(Number)
  .filter((n) => n > 0);

export async function benchServeLatency({
  seconds = Number(process.env.SERVE_BENCH_SECONDS ?? 3),
  levels = envLevels?.length ? envLevels : LEVELS,
} = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-bench-serve-'));
  fs.writeFileSync(
    path.join(dir, 'sim.json'),
    JSON.stringify({ '*': { kind: 'ok', content: 'Hello from the simulator: a short answer.' } }),
  );
  const sim = await startProcess(['sim', '--port', '0', '--json', '--quiet', '--script', 'sim.json'], dir);
  const simUrl = sim.info.url;
  fs.writeFileSync(
    path.join(dir, 'lucy-ops.config.json'),
    JSON.stringify({
      stateDir: '.lucy-ops',
      log: 'logs/jobs.jsonl',
      providers: [
        { name: 'primary', baseUrl: simUrl, model: 'primary', timeoutMs: 10000 },
        { name: 'fallback', baseUrl: simUrl, model: 'fallback', timeoutMs: 10000 },
      ],
      deadlineMs: 30000,
    }),
  );
  const serve = await startProcess(['serve', '--port', '0', '--json'], dir);
  fs.writeFileSync(path.join(dir, 'floor-proxy.mjs'), FLOOR_PROXY);
  const floor = await startProcess([simUrl.replace(/\/$/, '')], dir, path.join(dir, 'floor-proxy.mjs'));
  const agent = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
  const direct = `${simUrl.replace(/\/$/, '')}/chat/completions`;
  const viaServe = `${serve.info.url}/v1/chat/completions`;
  const viaFloor = `${floor.info.url}/chat/completions`;
  const messages = [{ role: 'user', content: 'Say hello.' }];
  const stream = process.env.SERVE_BENCH_STREAM === '1';
  const directBody = JSON.stringify({ model: 'primary', messages, stream });
  const serveBody = JSON.stringify({ model: 'auto', messages, stream });
  const results = [];
  try {
    // warm both paths (JIT, connections, undici load in serve)
    await load(direct, directBody, 10, 500, agent);
    await load(viaServe, serveBody, 10, 500, agent);
    await load(viaFloor, directBody, 10, 500, agent);
    for (const c of levels) {
      const fresh = () => ({ latencies: [], errors: 0, firstErrors: [], cpuUs: 0 });
      const acc = { direct: fresh(), floor: fresh(), serve: fresh() };
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, url, body, proxy] of [
          ['direct', direct, directBody],
          ['floor', viaFloor, directBody, floor.child],
          ['serve', viaServe, serveBody, serve.child],
        ]) {
          const cpuBefore = proxy && cpuUs(proxy);
          const r = await load(url, body, c, (seconds * 1000) / ROUNDS, agent);
          if (proxy) acc[name].cpuUs += cpuUs(proxy) - cpuBefore;
          for (const l of r.latencies) acc[name].latencies.push(l);
          acc[name].errors += r.errors;
          acc[name].firstErrors.push(...r.firstErrors.slice(0, 3));
        }
      }
      const d = summarize(acc.direct.latencies);
      const s = summarize(acc.serve.latencies);
      const f = summarize(acc.floor.latencies);
      const cpuPerRequest = (a) => Math.round(a.cpuUs / (a.latencies.length + a.errors)); // NaN off Linux
      results.push({
        clients: c,
        direct: { ...d, errors: acc.direct.errors },
        floor: {
          ...f,
          errors: acc.floor.errors,
          addedMedianUs: f.medianUs - d.medianUs,
          cpuUsPerRequest: cpuPerRequest(acc.floor),
        },
        serve: {
          ...s,
          errors: acc.serve.errors,
          cpuUsPerRequest: cpuPerRequest(acc.serve),
          ...(acc.serve.firstErrors.length ? { firstErrors: acc.serve.firstErrors.slice(0, 3) } : {}),
        },
        addedMedianUs: s.medianUs - d.medianUs,
        addedP99Us: s.p99Us - d.p99Us,
        medianRatio: round2(s.medianUs / d.medianUs),
        p99Ratio: round2(s.p99Us / d.p99Us),
        serveRps: Math.round(s.n / seconds),
      });
    }
  } finally {
    await agent.close();
    serve.child.kill('SIGTERM');
    sim.child.kill('SIGTERM');
    floor.child.kill('SIGTERM');
    await Promise.all([once(serve.child), once(sim.child), once(floor.child)]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    bench: 'serve-latency',
    stream,
    secondsPerLevel: seconds,
    node: process.version,
    cpus: os.cpus().length,
    goalMedianAddedUs: 400,
    results,
  };
}

const once = (child) => (child.exitCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', r)));
const round2 = (n) => Math.round(n * 100) / 100;

function printTable(report) {
  const rows = [
    [
      'clients',
      'direct p50',
      'serve p50',
      'added p50',
      'ratio',
      'direct p99',
      'serve p99',
      'added p99',
      'ratio',
      'serve req/s',
      'errors',
      'floor added p50',
      'CPU/req serve',
      'floor',
    ],
  ];
  for (const r of report.results) {
    rows.push(
      [
        r.clients,
        `${r.direct.medianUs} µs`,
        `${r.serve.medianUs} µs`,
        `${r.addedMedianUs} µs`,
        `${r.medianRatio}×`,
        `${r.direct.p99Us} µs`,
        `${r.serve.p99Us} µs`,
        `${r.addedP99Us} µs`,
        `${r.p99Ratio}×`,
        r.serveRps,
        r.direct.errors + r.serve.errors,
        `${r.floor.addedMedianUs} µs`,
        `${r.serve.cpuUsPerRequest} µs`,
        `${r.floor.cpuUsPerRequest} µs`,
      ].map(String),
    );
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)));
  console.log(
    `serve added latency${report.stream ? ', streamed answers' : ''} (${report.secondsPerLevel} s per path per level, ${report.node}, ${report.cpus} CPUs; goal: added p50 < 400 µs)`,
  );
  console.log(
    'floor: the same hop through a bare node:http + undici forwarder (no failover, no log): the least any proxy adds here',
  );
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padStart(widths[i])).join('  '));
  for (const r of report.results)
    if (r.serve.firstErrors) console.log(`errors at ${r.clients} clients: ${r.serve.firstErrors.join(' | ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await benchServeLatency();
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
  if (report.results.some((r) => r.serve.errors + r.direct.errors > 0)) process.exitCode = 1;
}
