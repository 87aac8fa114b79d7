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
 * Goals: serve's median added latency ≤ 1.3× the floor's at 1 client, throughput ≥ 0.8× the
 * floor's at 10 clients, streamed added latency ≤ 1.3× the JSON path's, no errors at 50 clients
 * (30 s soak). A peer, Portkey's gateway (npm, installed on first use into the temp folder; not a
 * dependency; SERVE_BENCH_PORTKEY=0 leaves it out), runs beside them on its JSON path.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
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
export const FLOOR_PROXY = `
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

/** The peer: Portkey's open-source AI gateway, from npm, in a scratch folder (never a dependency). */
const PORTKEY_VERSION = '1.15.2';

/**
 * Installs the Portkey gateway on first use (into the temp folder, reused after) and starts it;
 * without npm or the registry it is left out, with a note saying why.
 */
async function startPortkey(simUrl) {
  if (process.env.SERVE_BENCH_PORTKEY === '0') return { note: 'Portkey not measured (SERVE_BENCH_PORTKEY=0)' };
  const dir = path.join(os.tmpdir(), `lucy-ops-bench-portkey-${PORTKEY_VERSION}`);
  const entry = path.join(dir, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({
        private: true,
        dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION },
        // newer @hono/node-server versions answer Portkey's streams with HTTP 500 "TypeError: immutable"
        overrides: { '@hono/node-server': '1.13.8' },
      }),
    );
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (r.status !== 0 || !fs.existsSync(entry)) {
      const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').pop();
      return {
        note: `Portkey gateway ${PORTKEY_VERSION} not measured: npm install failed (${why || `exit ${r.status}`})`,
      };
    }
  }
  const port = await freePort();
  const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const url = `http://127.0.0.1:${port}/v1/chat/completions`;
  const headers = {
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': simUrl.replace(/\/$/, ''),
    authorization: 'Bearer sk-bench',
  };
  const giveUp = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.body.text();
      if (res.statusCode === 200 && text.includes('"choices"'))
        return { child, url, headers, note: `Portkey gateway ${PORTKEY_VERSION} (npm, ${dir}), JSON answers only` };
      if (Date.now() > giveUp) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    } catch (err) {
      if (Date.now() > giveUp || child.exitCode !== null) {
        child.kill();
        return { note: `Portkey gateway ${PORTKEY_VERSION} not measured: it did not answer (${err.message})` };
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a lucy-ops subcommand and resolves with the JSON it prints first on stdout. */
export function startProcess(args, cwd, script = BIN) {
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
export async function load(url, body, c, ms, agent, headers = {}) {
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
          headers: { 'content-type': 'application/json', ...headers },
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
export function cpuUs(child) {
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
  // serve's streamed answers beside its JSON ones, each against the same direct path
  const directStreamBody = JSON.stringify({ model: 'primary', messages, stream: true });
  const serveStreamBody = JSON.stringify({ model: 'auto', messages, stream: true });
  const portkey = await startPortkey(simUrl);
  const results = [];
  try {
    // warm every path (JIT, connections, undici load in serve)
    await load(direct, directBody, 10, 500, agent);
    await load(viaServe, serveBody, 10, 500, agent);
    await load(viaFloor, directBody, 10, 500, agent);
    if (portkey.url) await load(portkey.url, directBody, 10, 500, agent, portkey.headers);
    // the streamed paths too: their code (SSE reader, stream queue, chunk writer) is serve's own,
    // and measured cold their JIT warm-up lands in the first round (one run at load 10: 2.18x there, 1.14-1.70x after)
    if (!stream) {
      await load(direct, directStreamBody, 10, 500, agent);
      await load(viaServe, serveStreamBody, 10, 500, agent);
    }
    for (const c of levels) {
      const fresh = () => ({ latencies: [], errors: 0, firstErrors: [], cpuUs: 0 });
      const acc = {
        direct: fresh(),
        floor: fresh(),
        serve: fresh(),
        directStream: fresh(),
        serveStream: fresh(),
        portkey: fresh(),
      };
      const paths = [
        ['direct', direct, directBody],
        ['floor', viaFloor, directBody, floor.child],
        ['serve', viaServe, serveBody, serve.child],
      ];
      if (!stream && c === 1)
        paths.push(['directStream', direct, directStreamBody], ['serveStream', viaServe, serveStreamBody, serve.child]);
      if (portkey.url && !stream) paths.push(['portkey', portkey.url, directBody, portkey.child, portkey.headers]);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, url, body, proxy, headers] of paths) {
          const cpuBefore = proxy && cpuUs(proxy);
          const r = await load(url, body, c, (seconds * 1000) / ROUNDS, agent, headers);
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
      const p = summarize(acc.portkey.latencies);
      const ds = summarize(acc.directStream.latencies);
      const ss = summarize(acc.serveStream.latencies);
      results.push({
        clients: c,
        ...(acc.portkey.latencies.length
          ? {
              portkey: {
                ...p,
                errors: acc.portkey.errors,
                addedMedianUs: p.medianUs - d.medianUs,
                rps: Math.round(p.n / seconds),
                cpuUsPerRequest: cpuPerRequest(acc.portkey),
              },
            }
          : {}),
        ...(acc.serveStream.latencies.length
          ? {
              stream: {
                directMedianUs: ds.medianUs,
                serveMedianUs: ss.medianUs,
                addedMedianUs: ss.medianUs - ds.medianUs,
                errors: acc.serveStream.errors,
                cpuUsPerRequest: cpuPerRequest(acc.serveStream),
              },
            }
          : {}),
        direct: { ...d, errors: acc.direct.errors },
        floor: {
          ...f,
          errors: acc.floor.errors,
          addedMedianUs: f.medianUs - d.medianUs,
          cpuUsPerRequest: cpuPerRequest(acc.floor),
          rps: Math.round(f.n / seconds),
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
    portkey.child?.kill('SIGTERM');
    await Promise.all([once(serve.child), once(sim.child), once(floor.child), portkey.child && once(portkey.child)]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return {
    bench: 'serve-latency',
    stream,
    secondsPerLevel: seconds,
    node: process.version,
    cpus: os.cpus().length,
    portkeyNote: portkey.note,
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
    `serve added latency${report.stream ? ', streamed answers' : ''} (${report.secondsPerLevel} s per path per level, ${report.node}, ${report.cpus} CPUs)`,
  );
  console.log(
    'floor: the same hop through a bare node:http + undici forwarder (no failover, no log): the least any proxy adds here',
  );
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padStart(widths[i])).join('  '));
  for (const r of report.results)
    if (r.serve.firstErrors) console.log(`errors at ${r.clients} clients: ${r.serve.firstErrors.join(' | ')}`);
  printGoals(report);
}

/** Each goal as a same-run ratio, PASS or MISS; the floor is printed beside what it bounds. */
function printGoals(report) {
  const at = (c) => report.results.find((r) => r.clients === c);
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  const one = at(1);
  const ten = at(10);
  const fifty = at(50);
  console.log('goals');
  if (one) {
    const ratio = one.addedMedianUs / one.floor.addedMedianUs;
    console.log(
      `  ${mark(one.floor.addedMedianUs > 0 && ratio <= 1.3)} added p50 at 1 client: serve ${one.addedMedianUs} µs vs the floor's ${one.floor.addedMedianUs} µs = ${ratio.toFixed(2)}× (target ≤ 1.3×; the floor is a bare node:http + undici forwarder)`,
    );
    if (one.stream) {
      const r = one.stream.addedMedianUs / one.addedMedianUs;
      console.log(
        `  ${mark(r <= 1.3)} streamed added p50 at 1 client: ${one.stream.addedMedianUs} µs vs ${one.addedMedianUs} µs for JSON = ${r.toFixed(2)}× (target ≤ 1.3×; serve's CPU a request ${one.stream.cpuUsPerRequest} vs ${one.serve.cpuUsPerRequest} µs)`,
      );
    }
  }
  if (ten) {
    const r = ten.serveRps / ten.floor.rps;
    console.log(
      `  ${mark(r >= 0.8)} throughput at 10 clients: serve ${ten.serveRps} req/s vs the floor's ${ten.floor.rps} req/s = ${r.toFixed(2)}× (target ≥ 0.8×; CPU a request ${ten.serve.cpuUsPerRequest} vs ${ten.floor.cpuUsPerRequest} µs)`,
    );
  }
  if (fifty)
    console.log(
      `  ${mark(fifty.serve.errors + fifty.direct.errors === 0)} 50 clients: ${fifty.serve.errors + fifty.direct.errors} errors in ${fifty.serve.n} requests through serve (target 0)`,
    );
  console.log(`peer: ${report.portkeyNote}`);
  for (const r of report.results) {
    if (!r.portkey) continue;
    console.log(
      `  ${r.clients} client(s): Portkey added p50 ${r.portkey.addedMedianUs} µs (serve ${r.addedMedianUs} µs = ${(r.addedMedianUs / r.portkey.addedMedianUs).toFixed(2)}× Portkey's), ${r.portkey.rps} req/s (serve ${r.serveRps} = ${(r.serveRps / r.portkey.rps).toFixed(2)}×), CPU a request ${r.portkey.cpuUsPerRequest} µs (serve ${r.serve.cpuUsPerRequest} µs), ${r.portkey.errors} errors`,
    );
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await benchServeLatency();
  if (process.argv.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
  if (report.results.some((r) => r.serve.errors + r.direct.errors > 0)) process.exitCode = 1;
}
