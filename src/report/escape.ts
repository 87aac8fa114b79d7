import { printable, VIEW_MARK } from '../text/printable.js';

/** Text and attribute values into HTML (and inline SVG): the five characters that matter. */
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text for the page, escaped; and printable (each run of control, bidi or zero-width characters one
 * `?`, VIEW_MARK, as in the Markdown and the terminal), since the report's text comes from logs anyone could write: a U+202E would reorder what
 * the page shows, in the body and in the tab's <title> alike.
 */
export function escapeHtml(text: string): string {
  return printable(text, VIEW_MARK).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
