#!/usr/bin/env node
/**
 * `npm run bench`: every benchmark, one after another, each in its own process so they do not
 * disturb each other. Each prints its figures as ratios against a baseline measured in the same
 * run. Speed targets live here, never in the test suite.
 *
 *   npm run bench                      # everything (the log benchmark generates 1 GB: LOG_BENCH_MB=64 for a quick run)
 *   npm run bench -- engine serve      # only some: engine, store, log, serve, slots, scrub
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ALL = {
  engine: 'engine.js',
  store: 'store-roundtrip.js',
  log: 'log-throughput.js',
  serve: 'serve-latency.js',
  slots: 'slots.js',
  scrub: 'scrub.js',
};
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(ALL);
let failed = 0;
for (const name of names) {
  const file = ALL[name];
  if (!file) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(ALL).join(', ')}`);
    process.exit(64);
  }
  // figures swing with the host's load: each bench says what it was (ratios are same-run)
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ');
  console.log(`\n== ${name} (bench/${file}); load average ${load()} on ${os.cpus().length} CPUs`);
  const r = spawnSync(process.execPath, [path.join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench/${file} exited ${r.status ?? r.signal}`);
  }
}
process.exit(failed ? 1 : 0);
