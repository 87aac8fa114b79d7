#!/usr/bin/env node
/**
 * Gap-analysis throughput: generates a realistic job log (LOG_BENCH_MB, default 1024 MB), then runs
 * `postmortem gaps`' analysis over it in a fresh process and prints MB/s and that process's peak
 * RSS, beside a bare Node line scan of the same file (stream + indexOf) in interleaved rounds.
 * Target: gaps ≥ 0.33× the line scan's MB/s, in under 150 MB of memory.
 *
 *   npm run build && node bench/log-throughput.js
 *   LOG_BENCH_MB=64 node bench/log-throughput.js          # quick
 *   LOG_BENCH_FILE=/tmp/jobs.jsonl node bench/log-throughput.js   # keep/reuse the generated log
 *   LOG_BENCH_RUNS=3                                      # rounds (medians are shown)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../dist');
const MINUTE = 60_000;
const START = Date.parse('2026-01-01T00:00:00Z');
const JOBS = Array.from({ length: 20 }, (_, i) => ({
  name: `job-${String(i).padStart(2, '0')}`,
  everyMin: [5, 10, 15, 30][i % 4],
}));
const PROVIDERS = [
  ['deepseek-v3', 'deepseek-ai/DeepSeek-V3'],
  ['llama-3.3-70b', 'meta-llama/Llama-3.3-70B-Instruct-Turbo'],
  ['qwen-72b', 'Qwen/Qwen2.5-72B-Instruct-Turbo'],
];

if (process.argv[2] === '--analyze') {
  await analyze(process.argv[3], Number(process.argv[4]), Number(process.argv[5]));
} else if (process.argv[2] === '--line-scan') {
  await lineScan(process.argv[3]);
} else if (process.argv[2] === '--read-floor') {
  await readFloor(process.argv[3]);
} else {
  await main();
}

async function main() {
  const targetMb = Number(process.env.LOG_BENCH_MB ?? 1024);
  const file = process.env.LOG_BENCH_FILE ?? path.join(os.tmpdir(), `lucy-bench-${targetMb}mb.jsonl`);
  let lastSlot;
  if (fs.existsSync(file) && fs.statSync(file).size >= targetMb * 1e6 * 0.99 && fs.existsSync(file + '.meta')) {
    lastSlot = Number(fs.readFileSync(file + '.meta', 'utf8'));
    console.log(`reusing ${file}`);
  } else {
    const t0 = performance.now();
    lastSlot = generate(file, targetMb * 1e6);
    fs.writeFileSync(file + '.meta', String(lastSlot));
    console.log(`generated ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  // interleaved rounds: the bare line scan (the baseline), gaps as shipped (two threads on a large
  // file when other processes leave a core free: src/analysis/gap-threads.ts), and gaps on one thread
  const runs = Number(process.env.LOG_BENCH_RUNS ?? 3);
  const child = (args, env = {}) => {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    if (r.status !== 0) throw new Error(`${args[0]} failed (exit ${r.status})`);
    return JSON.parse(r.stdout);
  };
  const scans = [];
  const gaps = [];
  const single = [];
  const floors = [];
  for (let i = 0; i < runs; i++) {
    scans.push(child(['--line-scan', file]));
    floors.push(child(['--read-floor', file]));
    gaps.push(child(['--analyze', file, String(START), String(lastSlot)]));
    single.push(child(['--analyze', file, String(START), String(lastSlot)], { LUCY_OPS_GAPS_THREADS: '1' }));
  }
  const mid = (xs, key) => [...xs].sort((a, b) => a[key] - b[key])[xs.length >> 1];
  const scan = mid(scans, 'mbPerSec');
  const best = mid(gaps, 'mbPerSec');
  const one = mid(single, 'mbPerSec');
  const floor = mid(floors, 'mbPerSec');
  const ratio = best.mbPerSec / scan.mbPerSec;
  const maxRss = Math.max(...gaps.map((g) => g.maxRssMb));
  const mark = (ok) => (ok ? 'PASS' : 'MISS');
  const range = (xs) =>
    `${Math.min(...xs.map((x) => x.mbPerSec)).toFixed(0)}–${Math.max(...xs.map((x) => x.mbPerSec)).toFixed(0)}`;
  console.log(
    [
      `log:        ${(best.bytes / 1e6).toFixed(0)} MB, ${best.lines.toLocaleString()} lines (${best.bytesPerLine} B/line), ${JOBS.length} jobs; medians of ${runs} interleaved rounds`,
      `line scan:  ${scan.mbPerSec.toFixed(0)} MB/s (node stream + indexOf, the baseline; ${range(scans)})`,
      `gaps:       ${best.mbPerSec.toFixed(0)} MB/s (${range(gaps)}), ${best.threads} thread(s); on one thread ${one.mbPerSec.toFixed(0)} MB/s (${range(single)})`,
      `  ${mark(ratio >= 0.33)} gaps ${ratio.toFixed(2)}× the line scan (target ≥ 0.33×; one thread: ${(one.mbPerSec / scan.mbPerSec).toFixed(2)}×)`,
      ...(ratio >= 0.33
        ? []
        : [
            `     floor: lucy-ops' own reader with no decoding at all (chunks, UTF-8 check, line split) ${floor.mbPerSec.toFixed(0)} MB/s = ${(floor.mbPerSec / scan.mbPerSec).toFixed(2)}× the line scan; gaps also decodes every line and judges every slot of the window (${best.judgeMs.toFixed(0)} ms of ${(best.seconds * 1000).toFixed(0)} ms, one thread)`,
          ]),
      `  ${mark(maxRss < 150)} peak RSS ${maxRss.toFixed(0)} MB (target < 150 MB; one thread ${Math.max(...single.map((g) => g.maxRssMb)).toFixed(0)} MB)`,
      `found:      ${best.gaps} gaps, ${best.incidents} incidents, ${best.skippedLines} skipped lines`,
    ].join('\n'),
  );
}

/** The baseline: the least a Node line reader does (read the file, find every newline). */
async function lineScan(file) {
  const t0 = performance.now();
  let lines = 0;
  let bytes = 0;
  for await (const buf of fs.createReadStream(file, { highWaterMark: 64 * 1024 })) {
    bytes += buf.length;
    for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) lines++;
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ bytes, lines, seconds, mbPerSec: bytes / 1e6 / seconds }));
}

/** The least lucy-ops' own reader does: every line of the file handed to a visitor that does nothing. */
async function readFloor(file) {
  const { scanLines } = await import(pathToFileURL(path.join(dist, 'log/reader.js')).href);
  const t0 = performance.now();
  const stats = await scanLines([file], () => true, { rotated: false });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({ bytes: stats.bytes, lines: stats.lines, seconds, mbPerSec: stats.bytes / 1e6 / seconds }),
  );
}

/** Runs in a fresh process so its peak RSS is the analysis's own. */
async function analyze(file, since, until) {
  const { analyzeLogs } = await import(pathToFileURL(path.join(dist, 'analysis/gaps.js')).href);
  const jobs = JOBS.map((j) => ({ name: j.name, schedule: `*/${j.everyMin} * * * *`, tz: 'UTC' }));
  const t0 = performance.now();
  let threads = 1;
  const report = await analyzeLogs(jobs, { since: new Date(since), until: new Date(until) }, [file], {
    rotated: false,
    parallel: { onWorker: (ran) => (threads += ran ? 1 : 0) },
  });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = fs.statSync(file).size;
  const maxRssMb = (process.resourceUsage().maxRSS * 1024) / 1e6; // before the second read below
  // the judging alone (slots of the window against the ledger), on a ledger read again
  const { readLedger, findGaps } = await import(pathToFileURL(path.join(dist, 'analysis/gaps.js')).href);
  const { ledger } = await readLedger(jobs, { since: new Date(since), until: new Date(until) }, [file], {
    rotated: false,
  });
  const j0 = performance.now();
  findGaps(jobs, ledger);
  const judgeMs = performance.now() - j0;
  process.stdout.write(
    JSON.stringify({
      bytes,
      lines: report.linesRead,
      bytesPerLine: Math.round(bytes / report.linesRead),
      seconds,
      mbPerSec: bytes / 1e6 / seconds,
      maxRssMb,
      gaps: report.gaps.length,
      incidents: report.incidents.length,
      skippedLines: report.skippedLines,
      threads,
      judgeMs,
    }),
  );
}

/** Writes runs slot by slot until the file reaches `targetBytes`; returns the last slot (ms). */
function generate(file, targetBytes) {
  const fd = fs.openSync(file, 'w');
  let size = 0;
  let buf = [];
  let bufLen = 0;
  let seq = 0;
  let slot = START;
  let rnd = 42;
  const random = () => (rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const emit = (record) => {
    const line = JSON.stringify(record) + '\n';
    buf.push(line);
    bufLen += line.length;
    if (bufLen > 4 << 20) flush();
  };
  const flush = () => {
    const chunk = buf.join('');
    fs.writeSync(fd, chunk);
    size += Buffer.byteLength(chunk);
    buf = [];
    bufLen = 0;
  };
  let lastSlot = slot;
  while (size + bufLen < targetBytes) {
    const day = Math.floor((slot - START) / 86_400_000);
    const outage = day % 7 === 3 && slot % 86_400_000 >= 14 * 3_600_000 && slot % 86_400_000 < 14.75 * 3_600_000; // weekly 45-minute outage
    for (const job of JOBS) {
      if ((slot / MINUTE) % job.everyMin !== 0) continue;
      if (outage && job.name.endsWith('3')) continue; // silent: no records at all
      const runId = `${Math.floor(slot).toString(36).padStart(9, '0')}-${(seq++ % 1e6).toString(36).padStart(4, '0')}`;
      const base = { job: job.name, runId, scheduledFor: new Date(slot).toISOString(), trigger: 'cron' };
      let t = slot + 800 + Math.floor(random() * 2000);
      const startT = t;
      emit({
        ts: new Date(t).toISOString(),
        level: 'info',
        event: 'run.start',
        ...base,
        lateMs: t - slot,
        pid: 1000 + (seq % 30000),
      });
      let served = false;
      for (const [provider, model] of PROVIDERS) {
        const fails = outage ? provider !== 'qwen-72b' || job.name.endsWith('1') : random() < 0.03;
        const ms = fails ? 300 + Math.floor(random() * 2000) : 4000 + Math.floor(random() * 20000);
        t += ms;
        emit({
          ts: new Date(t).toISOString(),
          level: fails ? 'warn' : 'info',
          event: 'attempt.end',
          ...base,
          provider,
          model,
          outcome: fails ? 'failed' : 'ok',
          ...(fails ? { httpStatus: 503, errorType: 'http' } : { httpStatus: 200 }),
          ms,
          ...(fails
            ? { error: 'HTTP 503 Service Unavailable: upstream overloaded' }
            : { promptTokens: 812, completionTokens: 1500 + Math.floor(random() * 800) }),
        });
        if (!fails) {
          served = true;
          emit({
            ts: new Date(t + 2).toISOString(),
            level: 'info',
            event: 'run.end',
            ...base,
            outcome: 'ok',
            provider,
            degraded: provider !== 'deepseek-v3',
            durationMs: t + 2 - startT,
          });
          break;
        }
      }
      if (!served)
        emit({
          ts: new Date(t + 2).toISOString(),
          level: 'error',
          event: 'run.end',
          ...base,
          outcome: 'failed',
          durationMs: t + 2 - startT,
          errorType: 'unavailable',
          error: 'no provider could serve',
        });
    }
    if ((slot / MINUTE) % 60 === 0)
      emit({
        ts: new Date(slot + 5000).toISOString(),
        level: 'info',
        event: 'probe',
        job: '',
        runId: 'probe',
        scheduledFor: '',
        trigger: 'manual',
        provider: 'deepseek-v3',
        model: PROVIDERS[0][1],
        ok: true,
        latencyMs: 700,
      });
    lastSlot = slot;
    slot += 5 * MINUTE;
  }
  flush();
  fs.closeSync(fd);
  return lastSlot;
}
