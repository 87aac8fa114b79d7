/**
 * The one secret scrubber. Everything that writes free text a person or a file may keep (provider
 * error messages, job log records, Redis errors, command output tails, alert errors) passes it
 * here. It blanks:
 * - known secret values verbatim: the ones given to the call, and the ones the process registered
 *   with `addKnownSecrets` (API keys, serve's bearer token, the Redis password);
 * - anything shaped like a credential: `user:pass@` in a URL, `Bearer ...`, `Basic ...`, `sk-...`,
 *   and `api_key=...`-style pairs (also `token`, `secret`, `password`, `authorization`).
 */

/** What a blanked secret reads as, unless a caller asks for another mark. */
export const REDACTED = '[REDACTED]';

/** Values shorter than this are not blanked verbatim (they would blank ordinary words). */
const MIN_SECRET_LENGTH = 3;

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
/** The literal-secret pattern per `secrets` array (callers such as the job log pass the same one each time). */
const literalCache = new WeakMap<readonly (string | undefined)[], { version: number; pattern: RegExp | undefined }>();

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
  const literal = literalPattern(secrets);
  const out = literal ? text.replace(literal, mark) : text;
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
 * whole), matched in one pass so a short secret never cuts into the mark left by a longer one.
 */
function literalPattern(secrets: readonly (string | undefined)[]): RegExp | undefined {
  const cached = literalCache.get(secrets);
  if (cached && cached.version === knownVersion) return cached.pattern;
  const values = new Set<string>(known);
  for (const s of secrets) if (s && s.length >= MIN_SECRET_LENGTH) values.add(s);
  const sorted = [...values].sort((a, b) => b.length - a.length);
  const pattern = sorted.length > 0 ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
  literalCache.set(secrets, { version: knownVersion, pattern });
  return pattern;
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
 * The secret parts of a URL with credentials (`redis://user:pass@host`): the password and the
 * user name, as written and percent-decoded. A value that is not a URL is returned whole (it may
 * be a credential in a shape the URL parser refuses).
 */
export function urlSecrets(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [raw];
  }
  const out: string[] = [];
  for (const part of [url.password, url.username]) {
    if (!part) continue;
    out.push(part);
    try {
      out.push(decodeURIComponent(part));
    } catch {
      // a malformed %-escape: the part as written is all there is
    }
  }
  return [...new Set(out)];
}
