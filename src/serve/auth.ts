/**
 * Bearer-token check for `serve` (when `serve.tokenEnv` is set). Both sides are hashed first so
 * the comparison is constant-time whatever the lengths (timingSafeEqual needs equal lengths).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type TokenCheck = (headers: IncomingHttpHeaders) => boolean;

export function tokenCheck(expected: string | undefined): TokenCheck {
  if (expected === undefined) return () => true;
  const want = digest(expected);
  return (headers) => {
    const header = headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ \t]+(.+)$/i.exec(header.trim()) : null;
    // Hash even a missing token, so a request without one takes as long as a wrong one.
    const got = digest(match ? match[1] : '');
    return timingSafeEqual(got, want) && match !== null;
  };
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
