#!/usr/bin/env node
/**
 * The scrubber and provider error snippets on hostile text: each pattern a regex could go
 * quadratic on (`<` repeated, `<script ` and `<style ` without their `>`, `<script>` without its
 * closing tag, terminal escapes, JSON escapes, credential names) at 64 KB and at 1 MB, in the same
 * run. Reported as the ratio of the 1 MB time to the 64 KB time: linear work gives ~16×, a quadratic
 * pattern ~256×. PASS when every ratio is ≤ 30×. Uses the built dist/ (npm run bench builds first).
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

/**
 * ms per call: the least disturbed (the host is shared) of `rounds` rounds, each `calls` calls.
 * The 64 KB case runs 16 calls a round, so both sizes handle (and the GC sees) the same megabyte.
 */
function time(fn, text, rounds, calls) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    for (let c = 0; c < calls; c++) {
      const out = fn(text);
      // a fast wrong answer is no result: the split key never survives
      if (out.includes(KEY.slice(12))) throw new Error('the key survived');
    }
    best = Math.min(best, (performance.now() - started) / calls);
  }
  return best;
}

const results = {};
let failed = false;
for (const [fname, fn] of Object.entries(FNS)) {
  for (const [uname, unit] of Object.entries(UNITS)) {
    const small = body(unit, 64 * 1024);
    const large = body(unit, 1024 * 1024);
    time(fn, small, 1, 4); // warm-up
    const smallMs = time(fn, small, 3, 16);
    const largeMs = time(fn, large, 3, 1);
    const ratio = largeMs / smallMs;
    const pass = ratio <= TARGET;
    if (!pass) failed = true;
    results[`${fname} ${uname}`] = { smallMs, largeMs, ratio, pass };
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify({ target: TARGET, results }, null, 2));
else {
  console.log(`scrub: 1 MB time / 64 KB time per hostile pattern (linear ~16×; target ≤ ${TARGET}×)`);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(28)} 64 KB ${r.smallMs.toFixed(2).padStart(8)} ms   1 MB ${r.largeMs.toFixed(1).padStart(8)} ms   ${r.ratio.toFixed(1).padStart(6)}×  ${r.pass ? 'PASS' : 'FAIL'}`,
    );
  }
}
process.exit(failed ? 1 : 0);
