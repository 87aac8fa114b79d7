/**
 * What is wrong with a URL in the config (a provider's baseUrl, the alert webhook, the Redis
 * URL), and how a message quotes one without the credentials it may carry.
 */
import { describe } from './field-checker.js';

function parsed(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** Why this is not a usable http(s) URL, or undefined when it is. */
export function httpUrlProblem(raw: string): string | undefined {
  const url = parsed(raw);
  if (!url) return 'must be a valid http(s) URL (it does not parse: a space, a bracket left open?)';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (!url.hostname) return 'must be an http(s) URL with a host';
  return undefined;
}

/** Why this redis:// URL would fail at connect time (its database part), or undefined. */
export function redisUrlProblem(raw: string): string | undefined {
  const url = parsed(raw);
  if (!url) return 'must be a valid redis:// URL (it does not parse)';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^(?:[0-9]|1[0-5])$/.test(db))
    return `the database (after the last "/") must be a number from 0 to 15, got ${JSON.stringify(db.slice(0, 20))}`;
  return undefined;
}

/** A URL for a message, without any `user:password@` (a bad baseUrl may still carry a key). */
export function describeUrl(raw: string): string {
  return describe(withoutUserinfo(raw));
}

/** The URL without `user:password@`: up to the last "@", so a password with an unescaped "/" or "@" goes too. */
export function withoutUserinfo(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/is, '$1');
}
