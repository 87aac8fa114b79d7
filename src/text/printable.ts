/**
 * The one sanitizer for text from outside (log lines, provider bodies) on its way to a terminal,
 * a Markdown page or an error message. It replaces every character that is invisible or moves
 * the cursor, so text read from a file or a network cannot forge a line, reorder what a reader
 * sees or hide what is there:
 * - controls (Unicode Cc: C0 with line breaks and tabs, DEL, C1): terminal escapes, and any line
 *   break a value could forge a line with;
 * - format characters (Cf): bidi controls that reorder the text shown, zero-width characters, soft
 *   hyphens, tag characters, interlinear annotations;
 * - line and paragraph separators (Zl, Zp);
 * - every other default-ignorable code point (fillers such as U+3164, variation selectors,
 *   U+034F): a font draws nothing for them, so they hide inside a word.
 * Emoji stay whole, because there these characters only choose how a pictograph is drawn and
 * cannot hide or reorder any letter:
 * - VS15/VS16 (U+FE0E text style, U+FE0F emoji style) right after a pictograph
 *   (\p{Extended_Pictographic}, e.g. ❤️), and VS16 between a keycap's digit, `#` or `*` and its
 *   U+20E3 (1️⃣);
 * - a zero-width joiner between two pictographs (the first may carry its VS16 or a skin tone):
 *   an emoji ZWJ sequence such as 👩‍💻 or 🏳️‍🌈.
 * Anywhere else they are replaced like the rest (a selector after a letter, a joiner beside one).
 * The class uses Unicode properties, so every regex built on it carries the `u` flag (astral
 * characters such as the tag characters U+E0000–E007F are one character there).
 * Each caller chooses its mark. Every view of the logs (the terminal's on-call views and the
 * watchdog's line, the report's Markdown and HTML) uses VIEW_MARK, `?`, so one hostile name reads
 * the same in each and a reader sees that something was there; messages that run on as sentences
 * (alerts, provider error snippets) use a space.
 */

/** The mark every view of the logs shows for a run of unprintable characters: the same in each. */
export const VIEW_MARK = '?';

/** The characters replaced, as a regex character-class body (the scrubber reads it too). */
export const UNPRINTABLE_CLASS = String.raw`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}`;

const RUN = new RegExp(`[${UNPRINTABLE_CLASS}]+`, 'gu');
const ANY = new RegExp(`[${UNPRINTABLE_CLASS}]`, 'u');

const VS15 = 0xfe0e;
const VS16 = 0xfe0f;
const ZWJ = 0x200d;
const KEYCAP = 0x20e3;
/** A run that may hold a character kept inside an emoji. */
const MAY_KEEP = /\u200d|\ufe0e|\ufe0f/;
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;
const SKIN_TONE = /^\p{Emoji_Modifier}$/u;
const KEYCAP_BASE = /^[0-9#*]$/;

/** `text` with each run of unprintable characters (see above) replaced by one `mark`. */
export function printable(text: string, mark: string): string {
  if (!ANY.test(text)) return text;
  return text.replace(RUN, (run: string, at: number) => (MAY_KEEP.test(run) ? markRun(text, at, run, mark) : mark));
}

/** Whether `text` holds any unprintable character (one printable would replace). */
export function hasUnprintable(text: string): boolean {
  // a replaced character is never the mark itself, so any replacement changes the text
  return ANY.test(text) && printable(text, '?') !== text;
}

/** The run at `at` of `text` with what belongs to an emoji kept and each stretch of the rest one `mark`. */
function markRun(text: string, at: number, run: string, mark: string): string {
  let out = '';
  let marking = false;
  for (let i = at; i < at + run.length;) {
    const c = text.codePointAt(i)!;
    const width = c > 0xffff ? 2 : 1;
    if (keptInEmoji(text, i, c)) {
      out += String.fromCodePoint(c);
      marking = false;
    } else if (!marking) {
      out += mark;
      marking = true;
    }
    i += width;
  }
  return out;
}

/** Whether the character `c` at `i` is a selector or joiner inside an emoji (see the top). */
function keptInEmoji(text: string, i: number, c: number): boolean {
  if (c === VS15 || c === VS16) {
    const before = codePointBefore(text, i);
    if (PICTOGRAPH.test(before)) return true;
    return c === VS16 && KEYCAP_BASE.test(before) && text.charCodeAt(i + 1) === KEYCAP;
  }
  if (c !== ZWJ || !PICTOGRAPH.test(String.fromCodePoint(text.codePointAt(i + 1) ?? 0))) return false;
  const before = codePointBefore(text, i);
  if (PICTOGRAPH.test(before) || SKIN_TONE.test(before)) return true;
  // a pictograph's emoji-style selector before the joiner (🏳️‍🌈)
  return before === '\ufe0f' && PICTOGRAPH.test(codePointBefore(text, i - 1));
}

/** The whole code point that ends just before `i` ('' at the start). */
function codePointBefore(text: string, i: number): string {
  if (i <= 0) return '';
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(i - 2, i);
  }
  return text[i - 1];
}
