#!/usr/bin/env node
/**
 * The scrubber and provider error snippets on hostile text: each pattern a regex could go
 * quadratic on (`<` repeated, `<script ` and `<style ` without their `>`, `<script>` without its
 * closing tag, terminal escapes, JSON escapes, credential names) at 64 KB and at 1 MB, in the same
 * run. Reported as the ratio of the 1 MB time to the 64 KB time: linear work gives ~16×, a quadratic
 * pattern ~256×. PASS when every ratio is ≤ 30×. The ratio is the median of seven rounds that time
 * both sizes side by side (see `measure`), so a noisy host does not fail it. Uses the built dist/
 * (npm run bench builds first).
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

/** ms per call of `calls` calls of `fn` on `text` (checking each answer). */
function run(fn, text, calls) {
  const started = performance.now();
  for (let c = 0; c < calls; c++) {
    const out = fn(text);
    // a fast wrong answer is no result: the split key never survives
    if (out.includes(KEY.slice(12))) throw new Error('the key survived');
  }
  return (performance.now() - started) / calls;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Rounds of the two sizes, side by side (see below). */
const ROUNDS = 7;

/**
 * The 64 KB and 1 MB times of one pattern, and their ratio. The host is shared and its load drifts
 * within seconds, so the two sizes are never timed apart: each round times 64 KB (16 calls, the
 * same megabyte the 1 MB call handles, so the GC sees the same work) and 1 MB (one call) next to
 * each other, in alternating order, and the ratio is the median of the rounds' own ratios (one
 * disturbed round moves neither the median nor any other round's ratio). The times shown are the
 * medians of each size.
 */
function measure(fn, unit) {
  const small = body(unit, 64 * 1024);
  const large = body(unit, 1024 * 1024);
  run(fn, small, 4); // warm-up: compiled code and a grown heap for both sizes
  run(fn, large, 1);
  const smalls = [];
  const larges = [];
  const ratios = [];
  for (let r = 0; r < ROUNDS; r++) {
    let smallMs, largeMs;
    if (r % 2 === 0) {
      smallMs = run(fn, small, 16);
      largeMs = run(fn, large, 1);
    } else {
      largeMs = run(fn, large, 1);
      smallMs = run(fn, small, 16);
    }
    smalls.push(smallMs);
    larges.push(largeMs);
    ratios.push(largeMs / smallMs);
  }
  return { smallMs: median(smalls), largeMs: median(larges), ratio: median(ratios) };
}

const results = {};
let failed = false;
for (const [fname, fn] of Object.entries(FNS)) {
  for (const [uname, unit] of Object.entries(UNITS)) {
    const { smallMs, largeMs, ratio } = measure(fn, unit);
    const pass = ratio <= TARGET;
    if (!pass) failed = true;
    results[`${fname} ${uname}`] = { smallMs, largeMs, ratio, pass };
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify({ target: TARGET, results }, null, 2));
else {
  console.log(
    `scrub: 1 MB time / 64 KB time per hostile pattern, median of ${ROUNDS} side-by-side rounds (linear ~16×; target ≤ ${TARGET}×)`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(28)} 64 KB ${r.smallMs.toFixed(2).padStart(8)} ms   1 MB ${r.largeMs.toFixed(1).padStart(8)} ms   ${r.ratio.toFixed(1).padStart(6)}×  ${r.pass ? 'PASS' : 'FAIL'}`,
    );
  }
}
process.exit(failed ? 1 : 0);
