import { describe, expect, it } from 'vitest';
import { hasUnprintable, printable } from './printable.js';

const hex = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String.fromCharCode(from + i));

describe('printable: the one sanitizer for text from outside', () => {
  const unprintable = [
    ...range(0x00, 0x1f), // C0, line breaks and tabs included
    '\u007f', // DEL
    ...range(0x80, 0x9f), // C1
    ...range(0x202a, 0x202e), // bidi embeddings and overrides
    ...range(0x2066, 0x2069), // bidi isolates
    '\u200e',
    '\u200f',
    '\u061c', // bidi marks
    ...range(0x200b, 0x200d),
    '\u2060',
    '\ufeff', // zero-width
    '\u2028',
    '\u2029', // line and paragraph separators
  ];

  it('replaces every control, bidi, zero-width and separator character with the caller’s mark', () => {
    for (const c of unprintable) {
      expect(printable(`a${c}b`, '?'), hex(c)).toBe('a?b');
      expect(printable(`a${c}b`, ' '), hex(c)).toBe('a b');
      expect(hasUnprintable(c), hex(c)).toBe(true);
    }
  });

  it('one mark per run, so an escape sequence or CRLF reads as one', () => {
    expect(printable('x\r\n\u202e\u200by', '?')).toBe('x?y');
    expect(printable('\u001b]0;PWNED\u0007', '?')).toBe('?]0;PWNED?');
  });

  it('replaces the invisible characters Unicode calls format or default-ignorable, astral ones whole', () => {
    const invisible = [
      ...[0xad, 0x34f, 0x115f, 0x1160, 0x3164, 0xffa0, 0x180e, 0xe0000, 0xe0020, 0xe007f],
      ...[0xfe00, 0xfe0f, 0x206a, 0x206f, 0xfff9, 0xfffb],
    ].map((c) => String.fromCodePoint(c));
    for (const c of invisible) {
      expect(printable(`a${c}b`, '?'), hex(c)).toBe('a?b');
      expect(hasUnprintable(c), hex(c)).toBe(true);
    }
    // a run of tag characters (two UTF-16 units each) is one run: one mark, no half surrogate left
    expect(printable('flag\u{e0067}\u{e0062}\u{e007f}end', '?')).toBe('flag?end');
  });

  it('keeps printable text of every script as it is (and returns it unchanged)', () => {
    const text = 'café 14:15Z → 503 ×3 «ok» 東京 🚀 nbsp\u00a0narrow\u202fend';
    expect(printable(text, '?')).toBe(text);
    expect(hasUnprintable(text)).toBe(false);
  });
});
