/** Validation of `providers`, the failover chain: each entry's fields, unique names, headers. */
import type { ResolvedProvider } from './types.js';
import { MAX_TIMER_MS } from '../time.js';
import { baseUrlWarning } from './base-url.js';
import { PROVIDER_APIS, type ProviderApi } from '../providers/apis.js';
import { Checker, describe, isObj } from './field-checker.js';
import { describeUrl, httpUrlProblem, withoutUserinfo } from './url-checks.js';

const PROVIDER = [
  'name',
  'api',
  'baseUrl',
  'model',
  'apiKeyEnv',
  'timeoutMs',
  'idleTimeoutMs',
  'maxResponseBytes',
  'stream',
  'headers',
] as const;
/** The default byte cap of one answer, and the most a cap may be (past ~512 MB no string holds the body). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const MAX_RESPONSE_BYTES_LIMIT = 256 * 1024 * 1024;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The chain, in order; a baseUrl that validates yet looks wrong adds a line to `warnings`. */
export function resolveProviders(c: Checker, rawProviders: unknown, warnings: string[]): ResolvedProvider[] {
  const providers: ResolvedProvider[] = [];
  if (!Array.isArray(rawProviders) || rawProviders.length === 0) {
    c.bad('providers', 'must be a non-empty array (the failover chain, in order)');
    return providers;
  }
  const seen = new Set<string>();
  rawProviders.forEach((p, i) => {
    const at = `providers[${i}]`;
    if (!isObj(p)) return c.bad(at, `must be an object, got ${describe(p)}`);
    c.unknownKeys(p, PROVIDER, at);
    const name = c.str(p, 'name', at, true);
    const baseUrl = c.str(p, 'baseUrl', at, true);
    const model = c.str(p, 'model', at, true);
    const api = c.str(p, 'api', at);
    if (api !== undefined && !(PROVIDER_APIS as readonly string[]).includes(api))
      c.bad(`${at}.api`, `must be one of ${PROVIDER_APIS.join(', ')}, got ${describe(api)}`);
    const apiKeyEnv = c.str(p, 'apiKeyEnv', at);
    if (apiKeyEnv && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv))
      c.bad(`${at}.apiKeyEnv`, 'must name an environment variable (the key itself never goes in config)');
    if (name && seen.has(name))
      c.bad(
        `${at}.name`,
        `duplicate provider name ${JSON.stringify(name)} (names are breaker keys and must be unique)`,
      );
    if (name) seen.add(name);
    if (baseUrl) {
      const problem = httpUrlProblem(baseUrl);
      if (problem) c.bad(`${at}.baseUrl`, `${problem}, got ${describeUrl(baseUrl)}`);
      else {
        const warning = baseUrlWarning(`${at}.baseUrl`, withoutUserinfo(baseUrl));
        if (warning) warnings.push(warning);
      }
    }
    const headers = p.headers === undefined ? undefined : checkHeaders(c, p.headers, at);
    providers.push({
      name: name ?? `#${i}`,
      ...(api ? { api: api as ProviderApi } : {}),
      baseUrl: (baseUrl ?? '').replace(/\/+$/, ''),
      model: model ?? '',
      apiKeyEnv,
      timeoutMs: c.num(p, 'timeoutMs', at, 30_000, 1, true, MAX_TIMER_MS),
      idleTimeoutMs: c.num(p, 'idleTimeoutMs', at, 10_000, 1, true, MAX_TIMER_MS),
      maxResponseBytes: c.num(
        p,
        'maxResponseBytes',
        at,
        DEFAULT_MAX_RESPONSE_BYTES,
        1024,
        true,
        MAX_RESPONSE_BYTES_LIMIT,
      ),
      stream: c.bool(p, 'stream', at, false),
      headers,
    });
  });
  return providers;
}

/** A provider's extra headers; undefined when they are not an object of strings. */
function checkHeaders(c: Checker, raw: unknown, at: string): Record<string, string> | undefined {
  if (!isObj(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    c.bad(`${at}.headers`, 'must be an object of string values');
    return undefined;
  }
  const headers = raw as Record<string, string>;
  for (const [name, value] of Object.entries(headers)) {
    // values may be credentials: say what is wrong, never echo them
    if (!HEADER_NAME.test(name)) c.bad(`${at}.headers`, `${JSON.stringify(name)} is not a valid HTTP header name`);
    else if (/[\r\n\0]/.test(value))
      c.bad(`${at}.headers.${name}`, 'must not contain a line break (CR or LF) or NUL character');
  }
  return headers;
}
