/**
 * Without a token, serve trusts the machine's own users, not its web browser: any page a developer
 * opens could POST to 127.0.0.1 (a text/plain form needs no preflight) and spend provider credits,
 * or rebind its own hostname to serve's address and read the answers. So a tokenless serve, on
 * any address, refuses a request that names a host that is not this machine's (a rebinding page
 * sends its own name), comes from another origin, or posts something other than JSON. Clients
 * such as the OpenAI SDKs send none of those, so they are not affected.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { hostname } from 'node:os';
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

const bareName = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Which Host names a tokenless serve answers: an IP literal (a rebinding page can only send a
 * name), `localhost`, this machine's name (whole and its first label), and the names given
 * (`--allowed-host`, `serve.allowedHosts`).
 */
export function hostAllowList(names: readonly string[] = [], machine: string = hostname()): HostAllowList {
  const known = new Set(['localhost', ...names.map(bareName)]);
  const own = bareName(machine);
  if (own) known.add(own).add(own.split('.')[0]);
  return {
    names: [...known],
    allows(value: string): boolean {
      const name = bareName(hostOf(value));
      if (isIPv4(name) || (name.startsWith('[') && name.endsWith(']') && isIPv6(name.slice(1, -1)))) return true;
      return known.has(name);
    },
  };
}

export interface HostAllowList {
  /** The names allowed besides IP literals, for the refusal's message. */
  names: string[];
  allows(hostHeader: string): boolean;
}

/** Why a tokenless serve refuses this request from a browser's reach, or undefined to serve it. */
export function browserRefusal(
  headers: IncomingHttpHeaders,
  method: string | undefined,
  hosts: HostAllowList = hostAllowList(),
): string | undefined {
  const host = headers.host;
  if (host !== undefined && !hosts.allows(host))
    return `Host "${hostOf(host)}" is not a name of this machine: without a token serve answers only IP addresses and ${hosts.names.join(', ')} (a web page can point its own name at serve; add a name with --allowed-host, or set serve.tokenEnv)`;
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
