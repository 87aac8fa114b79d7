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
 * The class uses Unicode properties, so every regex built on it carries the `u` flag (astral
 * characters such as the tag characters U+E0000–E007F are one character there).
 * Each caller chooses its mark: a space where the text runs on (Markdown, error messages), `?`
 * where a reader should see that something was there (the on-call views).
 */

/** The characters replaced, as a regex character-class body (the scrubber reads it too). */
export const UNPRINTABLE_CLASS = String.raw`\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}`;

const RUN = new RegExp(`[${UNPRINTABLE_CLASS}]+`, 'gu');
const ANY = new RegExp(`[${UNPRINTABLE_CLASS}]`, 'u');

/** `text` with each run of unprintable characters (see above) replaced by one `mark`. */
export function printable(text: string, mark: string): string {
  return ANY.test(text) ? text.replace(RUN, mark) : text;
}

/** Whether `text` holds any unprintable character. */
export function hasUnprintable(text: string): boolean {
  return ANY.test(text);
}
