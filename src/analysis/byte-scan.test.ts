import { describe, expect, it } from 'vitest';
import { at, bytesOf } from './byte-scan.js';

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

describe('byte-level pieces of the line reader', () => {
  it('at() finds a key four bytes at a time exactly where a byte-by-byte compare does', () => {
    const rnd = random(3);
    let hits = 0;
    for (const key of ['cron', 'run.end"', '{"ts":"', '","level":"', ',"outcome":"ok"', '","scheduledFor":"']) {
      const k = bytesOf(key);
      for (let n = 0; n < 400; n++) {
        // the key, or the key with one byte changed, at some place in a line of noise
        const pos = Math.floor(rnd() * 20);
        const chars = key.split('');
        if (rnd() < 0.6) chars[Math.floor(rnd() * chars.length)] = String.fromCharCode(33 + Math.floor(rnd() * 90));
        const text = 'x'.repeat(pos) + chars.join('') + 'y'.repeat(Math.floor(rnd() * 3));
        // a piece of a larger buffer, as the reader hands them
        const b = Buffer.from('zz' + text, 'latin1').subarray(2);
        for (const last of [text.length, pos + key.length, pos + key.length - 1]) {
          const want = pos + key.length <= last && text.slice(pos, pos + key.length) === key;
          if (want) hits++;
          expect(at(b, pos, k, last), `${key} in ${text} before ${last}`).toBe(want);
        }
      }
    }
    expect(hits).toBeGreaterThan(500);
  });
});
