/**
 * The one secret scrubber. Everything that writes free text a person or a file may keep (provider
 * error messages, job log records, Redis errors, command output tails, alert errors) passes it
 * here. It blanks:
 * - known secret values: the ones given to the call, and the ones the process registered with
 *   `addKnownSecrets` (API keys, serve's bearer token, the Redis password), verbatim and also when
 *   an echo splits them with HTML tags (`<script>…</script>` whole) or invisible characters (see
 *   text/printable.ts), writes them as JSON `\u` escapes in a body that is not JSON, or
 *   percent-encodes them as a URL does; values shorter than 12 characters (a dummy key such as
 *   `ollama`) only as a whole token, not inside a host, path or model name; and an echo of a
 *   key-like value's first or last characters (8 or more, enough to hold a letter and a digit,
 *   at most half of it: "sk-abc12…" in "Incorrect API key provided");
 * - anything shaped like a credential: `user:pass@` in a URL, `Bearer ...`, `Basic ...`, `sk-...`,
 *   and `api_key=...`-style pairs (also `token`, `secret`, `password`, `authorization`).
 */

import { MAY_HIDE, hiddenSpans, withoutHidden } from '../text/hidden.js';

/** What a blanked secret reads as, unless a caller asks for another mark. */
export const REDACTED = '[REDACTED]';

/** Values shorter than this are not blanked verbatim (they would blank ordinary words). */
const MIN_SECRET_LENGTH = 3;
/**
 * Values shorter than this (a dummy key such as `ollama` or `EMPTY`, a short password) are blanked
 * only as a whole token: not inside a word, a host name, a path or a model name.
 */
const WHOLE_TOKEN_BELOW = 12;
const TOKEN_BEFORE = String.raw`(?<![\p{L}\p{N}_@/.:-])`;
const TOKEN_AFTER = String.raw`(?![\p{L}\p{N}_@/-]|[.:][\p{L}\p{N}])`;
/** A part of a value is blanked on its own only when the value is at least this long ... */
const PARTIAL_MIN_SECRET = 16;
/** ... and the part at least this long: shorter ones match ordinary text by chance. */
const PARTIAL_MIN = 8;
/** Values that look like a key or token (no URL, no spaces): the only ones blanked in part. */
const KEY_LIKE = /^[A-Za-z0-9._~+/=-]+$/;

const CREDENTIAL_SHAPES = new RegExp(
  [
    // 1: the scheme's "//" before user:password@ in any URL
    String.raw`(\/\/)[^/\s@]*@`,
    // 2: a bearer token of any length
    String.raw`\b(Bearer)\s+[^\s"',;]+`,
    // 3: basic credentials (base64, long enough not to be the word "basic" in a sentence)
    String.raw`\b(Basic)\s+[A-Za-z0-9._~+/=-]{8,}`,
    // 4, 5: name, separator; the value is blanked unless it is an auth scheme (caught by 2/3) or a mark
    String.raw`\b((?:x-)?api[_-]?key|apikey|authorization|access[_-]?token|token|secret|password)(["']?\s*[:=]\s*["']?)(?!(?:Bearer|Basic)\b|\[)[^\s"',;&}]+`,
    // OpenAI-style keys
    String.raw`\bsk-[A-Za-z0-9_-]{4,}`,
  ].join('|'),
  'gi',
);

const known = new Set<string>();
/** Bumped whenever `known` grows, so cached patterns that include it are rebuilt. */
let knownVersion = 0;
const NO_SECRETS: readonly string[] = [];
/** The known-secret matcher per `secrets` array (callers such as the job log pass the same one each time). */
const matcherCache = new WeakMap<readonly (string | undefined)[], { version: number; matcher: Matcher | undefined }>();

/**
 * Registers values every later scrub in this process blanks, wherever the text comes from (a
 * provider that echoes serve's own token, an alert error quoting a key).
 */
export function addKnownSecrets(values: Iterable<string | undefined>): void {
  for (const v of values) {
    if (v && v.length >= MIN_SECRET_LENGTH && !known.has(v)) {
      known.add(v);
      knownVersion++;
    }
  }
}

/** Blanks known and given secrets and credential shapes out of `text` (see the module comment). */
export function scrubSecrets(
  text: string,
  secrets: readonly (string | undefined)[] = NO_SECRETS,
  mark = REDACTED,
): string {
  const matcher = matcherFor(secrets);
  const out = matcher ? blankKnown(text, matcher, mark) : text;
  return out.replace(CREDENTIAL_SHAPES, (_m, slashes, bearer, basic, name, sep) => {
    if (slashes) return slashes;
    if (bearer) return `${bearer} ${mark}`;
    if (basic) return `${basic} ${mark}`;
    if (name) return `${name}${sep}${mark}`;
    return mark;
  });
}

/**
 * One pattern for the given and the known secrets, longest first (a key that contains another goes
 * whole), then the parts of key-like ones that are blanked alone; matched in one pass so a short
 * secret never cuts into the mark left by a longer one.
 */
interface Matcher {
  pattern: RegExp;
  /** A matched part → the values it begins or ends, so the match grows to all of the echo. */
  parts: Map<string, { value: string; at: 'start' | 'end' }[]>;
}

function matcherFor(secrets: readonly (string | undefined)[]): Matcher | undefined {
  const cached = matcherCache.get(secrets);
  if (cached && cached.version === knownVersion) return cached.matcher;
  const values = new Set<string>(known);
  for (const s of secrets) if (s && s.length >= MIN_SECRET_LENGTH) values.add(s);
  // as a URL writes them (a key with `/`, `+` or `=` in a query string)
  for (const v of [...values]) values.add(encodeURIComponent(v));
  const parts = new Map<string, { value: string; at: 'start' | 'end' }[]>();
  for (const value of values) {
    if (value.length < PARTIAL_MIN_SECRET || !KEY_LIKE.test(value)) continue;
    for (const at of ['start', 'end'] as const) {
      const part = telltalePart(value, at);
      if (part && !values.has(part)) parts.set(part, [...(parts.get(part) ?? []), { value, at }]);
    }
  }
  // a part of a long key is no word, and grows to the echo's end: it needs no token bounds
  const whole = (v: string) =>
    v.length < WHOLE_TOKEN_BELOW ? `${TOKEN_BEFORE}${escapeRegExp(v)}${TOKEN_AFTER}` : escapeRegExp(v);
  const source = [
    ...[...values].sort((a, b) => b.length - a.length).map(whole),
    ...[...parts.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp),
  ];
  const matcher = source.length > 0 ? { pattern: new RegExp(source.join('|'), 'gu'), parts } : undefined;
  matcherCache.set(secrets, { version: knownVersion, matcher });
  return matcher;
}

/**
 * The shortest start (or end) of `value` of at least PARTIAL_MIN characters that holds a letter and
 * a digit, at most half of it: enough to be this key and no English word ("sk-proj-" alone is
 * every OpenAI project key's start, so the part runs on to the first digit).
 */
function telltalePart(value: string, at: 'start' | 'end'): string | undefined {
  for (let n = PARTIAL_MIN; n <= value.length / 2; n++) {
    const part = at === 'start' ? value.slice(0, n) : value.slice(value.length - n);
    if (/[A-Za-z]/.test(part) && /\d/.test(part)) return part;
  }
  return undefined;
}

/** Where known secrets (whole, or a part grown to the whole echo) stand in `text`, in order. */
function knownSpans(text: string, { pattern, parts }: Matcher): [number, number][] {
  const spans: [number, number][] = [];
  pattern.lastIndex = 0;
  let floor = 0;
  for (let hit = pattern.exec(text); hit; hit = pattern.exec(text)) {
    let start = hit.index;
    let end = start + hit[0].length;
    for (const { value, at } of parts.get(hit[0]) ?? []) {
      if (at === 'start') {
        let e = end;
        while (e < text.length && e - start < value.length && text[e] === value[e - start]) e++;
        end = Math.max(end, e);
      } else {
        let s = start;
        while (s > floor && end - s < value.length && text[s - 1] === value[value.length - (end - s) - 1]) s--;
        start = Math.min(start, s);
      }
    }
    spans.push([start, end]);
    floor = end;
    pattern.lastIndex = end;
  }
  return spans;
}

/**
 * What a reader (a browser, a terminal, a JSON parser) would make of `text` (see hiddenSpans: tags,
 * script and style blocks, terminal escapes and invisible characters dropped, JSON escapes decoded),
 * with each character's span in `text`. Undefined when it holds no secret.
 */
function readerView(text: string, pattern: RegExp): { plain: string; from: Int32Array; to: Int32Array } | undefined {
  if (!MAY_HIDE.test(text)) return undefined;
  const spans = hiddenSpans(text, text.includes('\\'));
  if (spans.start.length === 0) return undefined;
  // most such text (a multi-line tail, an HTML error page) hides no secret: ask first, map after
  pattern.lastIndex = 0;
  if (!pattern.test(withoutHidden(text, '', spans))) return undefined;
  // plain's character i stands for text[from[i], to[i])
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  const pieces: string[] = [];
  let n = 0;
  const keep = (a: number, b: number, shown: string) => {
    pieces.push(shown);
    from[n] = a;
    to[n++] = b;
  };
  const keepRun = (a: number, b: number) => {
    pieces.push(text.slice(a, b));
    for (let i = a; i < b; i++) {
      from[n] = i;
      to[n++] = i + 1;
    }
  };
  let last = 0;
  for (let i = 0; i < spans.start.length; i++) {
    keepRun(last, spans.start[i]);
    if (spans.shown[i]) keep(spans.start[i], spans.end[i], spans.shown[i]);
    last = spans.end[i];
  }
  keepRun(last, text.length);
  return { plain: pieces.join(''), from, to };
}

/** `text` with every known secret, as written or disguised (see readerView), replaced by `mark`. */
function blankKnown(text: string, matcher: Matcher, mark: string): string {
  const spans = knownSpans(text, matcher);
  const view = readerView(text, matcher.pattern);
  if (view) for (const [s, e] of knownSpans(view.plain, matcher)) spans.push([view.from[s], view.to[e - 1]]);
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [s, e] of spans) {
    if (e <= at) continue;
    out += text.slice(at, Math.max(at, s)) + (s >= at ? mark : '');
    at = e;
  }
  return out + text.slice(at);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** scrubSecrets applied to every string inside a JSON-like value (arrays and plain objects). */
export function scrubValue(value: unknown, secrets: readonly (string | undefined)[] = [], mark = REDACTED): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets, mark);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, mark));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, secrets, mark);
    return out;
  }
  return value;
}

/**
 * The secret part of a URL with credentials (`redis://user:pass@host`): the password, as written
 * and percent-decoded. Not the user name: providers hand out names such as `default`, and blanking
 * them would blank the word everywhere. A value that is not a URL is returned whole (it may be a
 * credential in a shape the URL parser refuses).
 */
export function urlSecrets(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [raw];
  }
  if (!url.password) return [];
  try {
    return [...new Set([url.password, decodeURIComponent(url.password)])];
  } catch {
    // a malformed %-escape: the password as written is all there is
    return [url.password];
  }
}
