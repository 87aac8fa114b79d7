#!/usr/bin/env node
/**
 * Breaker round trip on each state store: one check (get) plus one record (update), the pair the
 * engine does per attempt. Median µs for Redis and for the file store, measured in the same run,
 * and their ratio (redis / file). Uses the built stores (npm run build first).
 *
 *   node bench/store-roundtrip.js [--iterations 300] [--json]
 *
 * Redis: $BENCH_REDIS_URL if set, else a private redis-server on a free loopback port (no
 * persistence, temp dir). Without either, the Redis side is reported as skipped.
 * From bench/run.js: `import { benchStoreRoundtrip } from './store-roundtrip.js'`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = new URL('../dist/state/', import.meta.url);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median µs of `iterations` check+record pairs on one store, after a short warm-up. */
async function measure(store, iterations) {
  const key = 'breaker:bench-provider';
  const record = (current) => ({
    state: 'closed',
    consecutiveFailures: ((current && current.consecutiveFailures) || 0) + 1,
    lastError: 'bench',
  });
  const samples = [];
  for (let i = 0; i < iterations + 20; i++) {
    const started = process.hrtime.bigint();
    await store.get(key);
    await store.update(key, record);
    if (i >= 20) samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return Math.round(median(samples));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server, or null when the binary is not installed. */
async function startRedis() {
  if (spawnSync('redis-server', ['--version']).error) return null;
  const dir = mkdtempSync(join(tmpdir(), 'lucy-bench-redis-'));
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  child.stdout.resume();
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}/0`, stop };
}

export async function benchStoreRoundtrip({ iterations = 300 } = {}) {
  const { openFileStore } = await import(new URL('file-store.js', DIST).href);
  const { openRedisStore } = await import(new URL('redis-store.js', DIST).href);
  const stateDir = mkdtempSync(join(tmpdir(), 'lucy-bench-state-'));
  const local = process.env.BENCH_REDIS_URL ? null : await startRedis();
  const url = process.env.BENCH_REDIS_URL || local?.url;
  try {
    const file = await openFileStore(stateDir);
    const fileUs = await measure(file, iterations);
    await file.close();
    if (!url)
      return {
        iterations,
        fileMedianUs: fileUs,
        redisMedianUs: null,
        ratio: null,
        skipped: 'redis-server not installed',
      };
    const redis = await openRedisStore({ url, keyPrefix: `lucy-bench-${process.pid}:` });
    const redisUs = await measure(redis, iterations);
    await redis.update('breaker:bench-provider', () => undefined);
    await redis.close();
    return {
      iterations,
      fileMedianUs: fileUs,
      redisMedianUs: redisUs,
      ratio: Math.round((redisUs / fileUs) * 100) / 100,
      where: redis.where,
    };
  } finally {
    local?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--iterations');
  const result = await benchStoreRoundtrip({ iterations: at >= 0 ? Number(args[at + 1]) : undefined });
  if (args.includes('--json')) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else if (result.redisMedianUs === null) {
    console.log(`breaker check+record: file ${result.fileMedianUs} µs median; redis skipped (${result.skipped})`);
  } else {
    console.log(
      `breaker check+record, median of ${result.iterations}: redis ${result.redisMedianUs} µs, file ${result.fileMedianUs} µs, redis/file ${result.ratio}×`,
    );
  }
}
