#!/usr/bin/env node
/**
 * The scrubber and provider error snippets on hostile text: each pattern a regex could go
 * quadratic on (`<` repeated, `<script ` and `<style ` without their `>`, `<script>` without its
 * closing tag, terminal escapes, JSON escapes, credential names) at 256 KB and at 4 MB, in the same
 * run. Reported as the ratio of the 4 MB time to the 256 KB time: linear work gives ~16×, a
 * quadratic pattern ~256×. PASS when every ratio is ≤ 30×. The ratio is the median of five rounds
 * that time both sizes side by side (see `measure`), so a noisy host does not fail it. Uses the
 * built dist/ (npm run bench builds first).
 *
 * Why 256 KB and 4 MB, not 64 KB and 1 MB: a call's own memory (the hidden stretches' arrays, the
 * reader view's position maps: ~12 bytes a character) is recycled warm memory at 64 KB, but from
 * ~256 KB on it is fresh pages each call (V8's large-object space, malloc's mmap), which the kernel
 * faults in and zeroes. So a linear scrub costs ~1.5–2.5× more a megabyte at 1 MB than at 64 KB
 * (same instructions a megabyte, 3–8× the page faults), and 64 KB → 1 MB read 25–44× on a quiet
 * host for a linear scrubber. Both sizes here are past that step, so the ratio measures the
 * algorithm; the page faults a megabyte of each size are printed beside it to show they match.
 * See docs/performance.md (the scrub row).
 *
 *   node bench/scrub.js [--json]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { scrubSecrets } = await import(path.join(ROOT, 'dist/log/scrub.js'));
const { safeSnippet } = await import(path.join(ROOT, 'dist/providers/errors.js'));

const TARGET = 30;
const KEY = 'sk-bench0123456789abcdefghijklmnopqrstuv';
/** A key split by a tag at the end: the scrubber must map its reader view, not only test it. */
const TAIL = ` key ${KEY.slice(0, 12)}<b></b>${KEY.slice(12)}`;
const UNITS = {
  lt: '<',
  lsaquo: '\u2039',
  'script-open': '<script ',
  'style-open': '<style ',
  'script-tag': '<script>',
  'style-tag': '<style>',
  'csi-escape': '\u001b[',
  'osc-escape': '\u001b]',
  'json-escape': '\\u00',
  'soft-hyphen': 'a\u00ad',
  'token-name': 'token ',
  'url-slashes': '//a',
};
const FNS = {
  scrubSecrets: (t) => scrubSecrets(t, [KEY]),
  safeSnippet: (t) => safeSnippet(t, [KEY]),
};

const body = (unit, size) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + TAIL;

/** ms per call of `calls` calls of `fn` on `text` (checking each answer), and the page faults they took. */
function run(fn, text, calls) {
  const faults = process.resourceUsage().minorPageFault;
  const started = performance.now();
  for (let c = 0; c < calls; c++) {
    const out = fn(text);
    // a fast wrong answer is no result: the split key never survives
    if (out.includes(KEY.slice(12))) throw new Error('the key survived');
  }
  const ms = (performance.now() - started) / calls;
  return { ms, faults: process.resourceUsage().minorPageFault - faults };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Rounds of the two sizes, side by side (see below); five keep the bench under 3 minutes on a busy host. */
const ROUNDS = 5;
const SMALL_KB = 256;
const LARGE_KB = 4096;
const CALLS = LARGE_KB / SMALL_KB;

/**
 * The 256 KB and 4 MB times of one pattern, and their ratio. The host is shared and its load drifts
 * within seconds, so the two sizes are never timed apart: each round times 256 KB (16 calls, the
 * same 4 MB the large call handles, so the GC sees the same work) and 4 MB (one call) next to each
 * other, in alternating order, and the ratio is the median of the rounds' own ratios (one disturbed
 * round moves neither the median nor any other round's ratio). The times shown are the medians of
 * each size; the page faults are a megabyte's, the medians of the rounds.
 */
function measure(fn, unit) {
  const small = body(unit, SMALL_KB * 1024);
  const large = body(unit, LARGE_KB * 1024);
  run(fn, small, 4); // warm-up: compiled code and a grown heap for both sizes
  run(fn, large, 1);
  const smalls = [];
  const larges = [];
  const ratios = [];
  const smallFaults = [];
  const largeFaults = [];
  for (let r = 0; r < ROUNDS; r++) {
    let s, l;
    if (r % 2 === 0) {
      s = run(fn, small, CALLS);
      l = run(fn, large, 1);
    } else {
      l = run(fn, large, 1);
      s = run(fn, small, CALLS);
    }
    smalls.push(s.ms);
    larges.push(l.ms);
    ratios.push(l.ms / s.ms);
    smallFaults.push(s.faults / (LARGE_KB / 1024));
    largeFaults.push(l.faults / (LARGE_KB / 1024));
  }
  return {
    smallMs: median(smalls),
    largeMs: median(larges),
    ratio: median(ratios),
    smallFaultsPerMb: median(smallFaults),
    largeFaultsPerMb: median(largeFaults),
  };
}

const results = {};
let failed = false;
for (const [fname, fn] of Object.entries(FNS)) {
  for (const [uname, unit] of Object.entries(UNITS)) {
    const m = measure(fn, unit);
    const pass = m.ratio <= TARGET;
    if (!pass) failed = true;
    results[`${fname} ${uname}`] = { ...m, pass };
  }
}

if (process.argv.includes('--json'))
  console.log(JSON.stringify({ target: TARGET, smallKb: SMALL_KB, largeKb: LARGE_KB, results }, null, 2));
else {
  console.log(
    `scrub: 4 MB time / 256 KB time per hostile pattern, median of ${ROUNDS} side-by-side rounds (linear ~16×; target ≤ ${TARGET}×); page faults a MB of each size`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(28)} 256 KB ${r.smallMs.toFixed(2).padStart(8)} ms   4 MB ${r.largeMs.toFixed(1).padStart(8)} ms   ${r.ratio.toFixed(1).padStart(6)}×  ${r.pass ? 'PASS' : 'FAIL'}   faults/MB ${String(Math.round(r.smallFaultsPerMb)).padStart(6)} ${String(Math.round(r.largeFaultsPerMb)).padStart(6)}`,
    );
  }
}
process.exit(failed ? 1 : 0);
