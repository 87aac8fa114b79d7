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

  it('keeps an emoji whole: VS15/VS16 after a pictograph, VS16 in a keycap, joiners between pictographs', () => {
    const emoji = [
      '\u2764\ufe0f', // ❤️ heart, emoji style
      '\u263a\ufe0e', // ☺︎ text style
      '\u00a9\ufe0f', // ©️
      '\u{1f3f3}\ufe0f', // 🏳️
      '1\ufe0f\u20e3', // 1️⃣
      '#\ufe0f\u20e3', // #️⃣
      '*\ufe0f\u20e3', // *️⃣
      '\u{1f469}\u200d\u{1f4bb}', // 👩‍💻
      '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', // 👨‍👩‍👧
      '\u{1f3f3}\ufe0f\u200d\u{1f308}', // 🏳️‍🌈
      '\u{1f9d1}\u{1f3fd}\u200d\u{1f4bb}', // 🧑🏽‍💻, with a skin tone
      '\u2764\ufe0f\u200d\u{1f525}', // ❤️‍🔥
      '\u{1f441}\ufe0f\u200d\u{1f5e8}\ufe0f', // 👁️‍🗨️
    ];
    for (const e of emoji) {
      const text = `deploy ${e} done${e}`;
      expect(printable(text, '?'), [...e].map(hex).join(' ')).toBe(text);
      expect(printable(text, ' ')).toBe(text);
      expect(hasUnprintable(text), [...e].map(hex).join(' ')).toBe(false);
    }
  });

  it('still replaces a selector or joiner that is not inside an emoji, and whatever hides beside a kept one', () => {
    const cases: Array<[string, string]> = [
      ['e\ufe0f', 'e?'], // a selector on a letter hides inside the word
      ['ok\ufe0e', 'ok?'],
      ['1\ufe0f', '1?'], // a digit's selector without the keycap mark
      ['a\ufe0f\u20e3', 'a?\u20e3'],
      ['\ufe0fstart', '?start'],
      ['\u2764\ufe0f\ufe0f', '\u2764\ufe0f?'], // one selector per pictograph
      ['a\u200d\u{1f525}', 'a?\u{1f525}'], // a joiner beside a letter
      ['\u{1f525}\u200db', '\u{1f525}?b'],
      ['\u{1f525}\u200d', '\u{1f525}?'],
      ['\u{1f525}\u202e\u200d\u{1f525}', '\u{1f525}?\u{1f525}'], // bidi override before a joiner
      ['\u{1f525}\u200d\u200b\u{1f525}', '\u{1f525}?\u{1f525}'], // zero-width space after one
      ['\u2764\ufe0f\u202egnp.exe', '\u2764\ufe0f?gnp.exe'], // a kept selector, then an override
      ['\u2764\u200b\ufe0f', '\u2764?'], // the selector no longer follows its pictograph
      // a flag of tag characters: the tags are neutralised, the black flag stays
      ['\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}', '\u{1f3f4}?'],
    ];
    for (const [text, shown] of cases) {
      expect(printable(text, '?'), [...text].map(hex).join(' ')).toBe(shown);
      expect(hasUnprintable(text), [...text].map(hex).join(' ')).toBe(true);
    }
    expect(printable('x\u200d\ufe0f\u202ey', ' ')).toBe('x y');
  });
});
