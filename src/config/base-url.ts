/**
 * A provider's baseUrl without its API version segment (`https://api.together.xyz` for
 * `https://api.together.xyz/v1`) validates, yet every request goes to `{baseUrl}/chat/completions`
 * and gets a 404. Most OpenAI-compatible APIs put a version in the path (/v1, /api/v1,
 * /openai/v1, /v1beta/openai); a few answer at the root, so this is a hint, not an error.
 */

/** A path segment that names an API version: v1, v2, v1beta, v4alpha … */
const VERSION_SEGMENT = /^v\d+[a-z0-9.]*$/i;

/** The likely fix for a baseUrl with no version segment, or undefined when it has one. */
export function baseUrlFix(baseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return undefined; // not a URL at all: validation says so
  }
  const trimmed = url.pathname.replace(/\/+$/, '');
  // the full endpoint pasted as the base: lucy-ops adds /chat/completions itself
  const endpoint = /\/chat\/completions$/i.exec(trimmed);
  if (endpoint) return `${url.origin}${trimmed.slice(0, endpoint.index)}`;
  if (trimmed.split('/').some((segment) => VERSION_SEGMENT.test(segment))) return undefined;
  return `${url.origin}${trimmed}/v1`;
}

/** The config warning for a provider's baseUrl (field path first), or undefined when it looks right. */
export function baseUrlWarning(at: string, baseUrl: string): string | undefined {
  const fix = baseUrlFix(baseUrl);
  if (fix === undefined) return undefined;
  const sent = `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const what = /\/chat\/completions\/*$/i.test(baseUrl)
    ? 'ends in /chat/completions, which lucy-ops adds itself'
    : 'has no API version segment (such as /v1) in its path';
  return `${at}: ${JSON.stringify(baseUrl)} ${what}, so requests go to ${sent}; likely fix: ${JSON.stringify(fix)}`;
}
