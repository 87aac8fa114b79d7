/**
 * The one sanitizer for text from outside (log lines, provider bodies) on its way to a terminal,
 * a Markdown page or an error message. It replaces every character that is invisible or moves
 * the cursor, so text read from a file or a network cannot forge a line, reorder what a reader
 * sees or hide what is there:
 * - C0 controls U+0000–001F (line breaks and tabs included), DEL U+007F, C1 controls U+0080–009F:
 *   terminal escapes, and any line break a value could forge a line with;
 * - bidi controls U+202A–202E, U+2066–2069, U+200E, U+200F, U+061C: they reorder the text shown;
 * - zero-width characters U+200B–200D, U+2060–2064, U+FEFF: they hide inside a word;
 * - line and paragraph separators U+2028, U+2029.
 * Each caller chooses its mark: a space where the text runs on (Markdown, error messages), `?`
 * where a reader should see that something was there (the on-call views).
 */

/** The characters replaced, as a regex character-class body (the scrubber reads it too). */
export const UNPRINTABLE_CLASS =
  '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2064\\u2066-\\u2069\\ufeff';

const RUN = new RegExp(`[${UNPRINTABLE_CLASS}]+`, 'g');
const ANY = new RegExp(`[${UNPRINTABLE_CLASS}]`);

/** `text` with each run of unprintable characters (see above) replaced by one `mark`. */
export function printable(text: string, mark: string): string {
  return ANY.test(text) ? text.replace(RUN, mark) : text;
}

/** Whether `text` holds any unprintable character. */
export function hasUnprintable(text: string): boolean {
  return ANY.test(text);
}
