/**
 * What a reader (a browser, a terminal, a JSON parser) does not show as written: HTML tags, whole
 * `<script>`/`<style>` blocks, terminal escape sequences and runs of unprintable characters, and
 * optionally the JSON escapes it decodes. The one place both the secret scrubber (which looks for a
 * key through them) and provider error snippets (which drop them) find these.
 *
 * Found in one linear pass, because the text may be a hostile provider's error body: no pattern
 * here scans past the next `<` or ESC, and a block's closing tag is looked for once per opening tag
 * from where that tag ends (when none is left, every later opening tag of that name is a plain tag
 * and nothing is searched again), so `<`, `<script ` or `<script>` repeated costs linear time.
 */
import { UNPRINTABLE_CLASS } from './printable.js';

/**
 * The stretches a reader does not show as written: stretch i is text[start[i], end[i]) and shows as
 * shown[i] ('' for nothing). Parallel arrays of numbers, not an object per stretch: a hostile text
 * has hundreds of thousands.
 */
export interface HiddenSpans {
  start: number[];
  end: number[];
  shown: string[];
}

const DROPPED = String.raw`<(?<block>script|style)\b[^<>]*>|<[^<>]*>|\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[${UNPRINTABLE_CLASS}]+`;
const ESCAPE = String.raw`\\u(?<hex>[0-9a-fA-F]{4})|\\(?<esc>["\\/])`;
const HIDDEN = new RegExp(DROPPED, 'giu');
const HIDDEN_OR_ESCAPE = new RegExp(`${ESCAPE}|${DROPPED}`, 'giu');
const CLOSING: Record<string, RegExp> = { script: /<\/script\s*>/giu, style: /<\/style\s*>/giu };

/** Whether `text` may hold anything hiddenSpans finds (a cheap test before the scan). */
export const MAY_HIDE = new RegExp(String.raw`[<\\${UNPRINTABLE_CLASS}]`, 'u');

/** The stretches of `text` a reader does not show as written, in order; with JSON escapes when asked. */
export function hiddenSpans(text: string, jsonEscapes = false): HiddenSpans {
  const finder = jsonEscapes ? HIDDEN_OR_ESCAPE : HIDDEN;
  const spans: HiddenSpans = { start: [], end: [], shown: [] };
  // from this position on there is no closing tag of that name
  const noCloseFrom: Record<string, number> = { script: Infinity, style: Infinity };
  finder.lastIndex = 0;
  for (let m = finder.exec(text); m; m = finder.exec(text)) {
    let end = m.index + m[0].length;
    const block = m.groups?.block?.toLowerCase();
    if (block && end < noCloseFrom[block]) {
      const closing = CLOSING[block];
      closing.lastIndex = end;
      const close = closing.exec(text);
      if (close) end = close.index + close[0].length;
      else noCloseFrom[block] = end;
    }
    const { hex, esc } = m.groups ?? {};
    spans.start.push(m.index);
    spans.end.push(end);
    spans.shown.push(hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (esc ?? ''));
    finder.lastIndex = end;
  }
  return spans;
}

/** `text` as a reader sees it: each hidden stretch replaced by what it shows, or by `mark` when nothing. */
export function withoutHidden(text: string, mark = '', spans: HiddenSpans = hiddenSpans(text)): string {
  const pieces: string[] = [];
  let at = 0;
  for (let i = 0; i < spans.start.length; i++) {
    pieces.push(text.slice(at, spans.start[i]), spans.shown[i] || mark);
    at = spans.end[i];
  }
  pieces.push(text.slice(at));
  return pieces.join('');
}
