#!/usr/bin/env node
/**
 * The slot enumerator (postmortem gaps, backfill and the watchdog walk a schedule's slots across
 * their whole window): a year of every minute in Europe/Berlin (525,600 slots, two DST changes) by
 * slotsBetween under each cron reading, against croner's own nextRun chain measured in the same
 * run over one day. Reported per slot, as a ratio to croner's (target ≤ 0.1×: croner alone would
 * take minutes for the year). Uses the built dist/ (npm run bench builds first).
 *
 *   node bench/slots.js [--json]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { slotsBetween, cronerSlotsBetween } = await import(path.join(ROOT, 'dist/schedule/slots.js'));

const TZ = 'Europe/Berlin';
const YEAR = [new Date('2026-01-01T00:00:00Z'), new Date('2026-12-31T23:59:00Z')];
const DAY = [new Date('2026-03-29T00:00:00Z'), new Date('2026-03-29T23:59:00Z')];
const TARGET = 0.1;

/** Slots counted and µs per slot, for one walk. */
function walk(slots) {
  const started = performance.now();
  let n = 0;
  for (const _ of slots) n++;
  return { slots: n, usPerSlot: ((performance.now() - started) * 1000) / n };
}

// warm up both paths (JIT, croner's parse cache) before measuring
walk(slotsBetween('* * * * *', TZ, ...DAY, 'croner'));
walk(cronerSlotsBetween('* * * * *', TZ, ...DAY));

const croner = walk(cronerSlotsBetween('* * * * *', TZ, ...DAY));
const results = {};
let wrong = false;
for (const semantics of ['croner', 'daemon']) {
  const r = walk(slotsBetween('* * * * *', TZ, ...YEAR, semantics));
  // the count is checked here too: a fast wrong answer is no result
  if (r.slots !== 365 * 24 * 60) wrong = true;
  results[semantics] = { ...r, ratio: r.usPerSlot / croner.usPerSlot, target: TARGET };
}
const r = { cronerBaseline: croner, ...results };

if (process.argv.includes('--json')) console.log(JSON.stringify(r, null, 2));
else {
  const f = (n) => n.toFixed(3);
  console.log('slots');
  for (const semantics of ['croner', 'daemon']) {
    const s = results[semantics];
    console.log(
      `  ${s.ratio <= TARGET ? 'PASS' : 'MISS'} a year of every minute in ${TZ} (${semantics}): ${s.slots} slots, ${f(s.usPerSlot)} µs a slot vs croner's nextRun ${f(croner.usPerSlot)} µs = ${s.ratio.toFixed(3)}× (target ≤ ${TARGET}×)`,
    );
  }
}
if (wrong) {
  console.error(`slots: a year of every minute did not give ${365 * 24 * 60} slots`);
  process.exit(1);
}
