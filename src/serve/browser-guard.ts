/**
 * Without a token, serve trusts the machine's own users, not its web browser: any page a developer
 * opens could POST to 127.0.0.1 (a text/plain form needs no preflight) and spend provider credits,
 * or rebind its own hostname to 127.0.0.1 and read the answers. So a tokenless serve refuses a
 * request that names another host, comes from another origin, or posts something other than JSON.
 * Clients such as the OpenAI SDKs send none of those, so they are not affected.
 */
import type { IncomingHttpHeaders } from 'node:http';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Whether serve's listen address is this machine only (then a tokenless serve is allowed). */
export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The host part of a Host header or an origin URL, lower-cased, without its port. */
function hostOf(value: string): string {
  const bare = value
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]
    .toLowerCase();
  if (bare.startsWith('[')) return bare.slice(0, bare.indexOf(']') + 1);
  return bare.split(':')[0];
}

/** Why a tokenless serve refuses this request from a browser's reach, or undefined to serve it. */
export function browserRefusal(
  headers: IncomingHttpHeaders,
  method: string | undefined,
  /** Bound to loopback: any other Host name is a rebinding (a --allow-no-token serve on a LAN address has its own names). */
  loopbackOnly = true,
): string | undefined {
  const host = headers.host;
  if (loopbackOnly && host !== undefined && !LOOPBACK.has(hostOf(host)))
    return `Host "${hostOf(host)}" is not this machine: without a token serve answers only 127.0.0.1, localhost and [::1] (set serve.tokenEnv to serve other names)`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== 'null' && !LOOPBACK.has(hostOf(origin)))
    return 'cross-origin request refused: without a token serve answers no web page but its own machine’s';
  if (origin === 'null') return 'cross-origin request refused (Origin: null)';
  if (method === 'POST') {
    const type = String(headers['content-type'] ?? '').toLowerCase();
    if (!type.startsWith('application/json'))
      return 'a POST must be Content-Type: application/json (a form or text/plain post is what a web page can send unasked)';
  }
  return undefined;
}
