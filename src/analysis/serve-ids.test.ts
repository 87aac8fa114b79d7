import { describe, expect, it } from 'vitest';
import { isOkRun, runIdHash, runIdHashBytes } from './serve-ids.js';

describe('run id hashes', () => {
  it('are the same from the text and from its ASCII bytes; an escape or a non-ASCII byte defers to the text', () => {
    for (const id of ['mhx0a1b2c-3k9z1q', 'a14:00', 'x']) {
      const bytes = Buffer.from(`"${id}"`);
      expect(runIdHashBytes(bytes, 1, bytes.length - 1)).toBe(runIdHash(id));
      expect(runIdHash(id)).toBeGreaterThan(0);
    }
    expect(runIdHash('a')).not.toBe(runIdHash('b'));
    expect(runIdHashBytes(Buffer.from('a\\"b'), 0, 4)).toBeUndefined();
    expect(runIdHashBytes(Buffer.from('hé'), 0, 3)).toBeUndefined();
  });

  it('tell both runs of a slot served twice from any other run', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(runIdHash);
    expect(isOkRun({ xor: undefined, pair: undefined }, a)).toBe(false);
    expect(isOkRun({ xor: a, pair: undefined }, a)).toBe(true);
    expect(isOkRun({ xor: a, pair: undefined }, b)).toBe(false);
    for (const h of [a, b]) expect(isOkRun({ xor: a ^ b, pair: a }, h)).toBe(true);
    expect(isOkRun({ xor: a ^ b, pair: a }, c)).toBe(false);
  });

  it('tell every run of a slot served three times or more (the list) from any other run', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(runIdHash);
    const ids = { xor: a ^ b ^ c, pair: a, more: [a, b, c] };
    for (const h of [a, b, c]) expect(isOkRun(ids, h)).toBe(true);
    expect(isOkRun(ids, d)).toBe(false);
  });
});
