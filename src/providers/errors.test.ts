import { describe, expect, it } from 'vitest';
import {
  asProviderError,
  DeadlineReason,
  hostPort,
  httpErrorType,
  isDeadlineReason,
  parseRetryAfter,
  safeSnippet,
} from './errors.js';
import { scrubSecrets } from '../log/scrub.js';
import { ProviderError } from './types.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-04-19T14:14:00Z');
  it.each([
    [{ 'retry-after': '5' }, 5000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after-ms': '250.2' }, 251],
    [{ 'retry-after-ms': '100', 'retry-after': '9' }, 100],
    [{ 'retry-after-ms': 'soon', 'retry-after': '9' }, 9000],
    [{ 'retry-after': 'Sat, 19 Apr 2025 14:14:30 GMT' }, 30_000],
    [{ 'retry-after': 'Sat, 19 Apr 2025 14:00:00 GMT' }, 0], // in the past: retry now
    [{ 'retry-after': ['2', '7'] }, 2000],
    [{ 'retry-after': 'whenever' }, undefined],
    [{ 'retry-after': '-3' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, expected) => {
    expect(parseRetryAfter(headers, now)).toBe(expected);
  });
});

describe('httpErrorType', () => {
  it('413 is context-length only when the body says so', () => {
    expect(httpErrorType(413, 'Request too large: reduce the length of the messages')).toBe('context-length');
    expect(httpErrorType(413, 'payload too large')).toBe('bad-request');
  });
  it('context phrases matter only on 400/413', () => {
    expect(httpErrorType(500, 'maximum context length')).toBe('server');
  });
});

describe('scrubbing', () => {
  it('removes the key verbatim and anything shaped like a key', () => {
    const text =
      'Authorization: Bearer abc.def-123 key=mysecretvalue sk-proj-AbC123_xyz api_key: "zzz9" and k3y-v3ry-s3cret';
    const out = scrubSecrets(text, ['k3y-v3ry-s3cret']);
    for (const leaked of ['abc.def-123', 'sk-proj-AbC123_xyz', 'zzz9', 'k3y-v3ry-s3cret'])
      expect(out).not.toContain(leaked);
    expect(out).toContain('key=mysecretvalue'); // a bare "key=" is too common a word to redact
  });

  it('safeSnippet scrubs before it shortens, so no half key survives the cut', () => {
    const key = 'opaque-key-0123456789';
    const out = safeSnippet(`${'x'.repeat(190)} ${key}`, [key], 200);
    expect(out).not.toMatch(/opaque/);
    expect(out.length).toBeLessThanOrEqual(200);
  });

  it('safeSnippet: no terminal escapes, and a key split by a tag is still found', () => {
    const body = '\u001b]0;PWNED\u0007\u001b[2J\u001b[31mfake: all good\u001b[0m';
    const out = safeSnippet(body);
    expect(out).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(out).toContain('fake: all good');
    const key = 'Xk9zQ2vLmN7pR4tW';
    expect(safeSnippet(`<html>bad key Xk9zQ2<b></b>vLmN7pR4tW`, [key])).not.toMatch(/vLmN7pR4tW/);
  });

  it('safeSnippet: bidi, zero-width and separator characters become spaces; a key split by them or by a script is blanked whole', () => {
    expect(safeSnippet('bad\u202egnp.exe\u200b\u2028next\u2066x')).toBe('bad gnp.exe next x');
    const key = 'Xk9zQ2vLmN7pR4tW';
    for (const sep of ['<script>alert(1)</script>', '\u200b', '\u0007', '\u202e'])
      expect(safeSnippet(`bad key Xk9zQ2${sep}vLmN7pR4tW.`, [key]), JSON.stringify(sep)).toBe('bad key [redacted].');
  });
});

describe('safeSnippet on hostile bodies (each pattern linear: npm run bench -- scrub times them)', () => {
  const key = 'Xk9zQ2vLmN7pR4tW';
  const of = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

  it.each([64 * 1024, 1024 * 1024])('%i characters of each hostile pattern: the right snippet', (size) => {
    // text a reader shows (no closing `>`) stays, cut to the snippet's length
    for (const unit of ['<', '<script ', '<style ', '\u2039'])
      expect(safeSnippet(of(unit, size), [key]), unit).toBe(`${of(unit, 199).replace(/\s+$/, '')}…`);
    // opening tags a reader drops leave nothing, and a closed block goes whole
    expect(safeSnippet(of('<script>', size), [key])).toBe('…');
    expect(safeSnippet(`bad <script>${of('x', 4000)}</script> request ${of('<', size)}`, [key])).toBe(
      `bad request ${of('<', 187)}…`,
    );
  });

  it('a long body is cut before it is cleaned, and a key the cut splits shows no part', () => {
    // the key sits across the 8192-character cut, after tags a reader drops
    const body = `${'<b>'.repeat(2700)}${' '.repeat(85)}${key} and more`;
    expect(body.indexOf(key)).toBeLessThan(8192);
    expect(body.indexOf(key) + key.length).toBeGreaterThan(8192);
    const out = safeSnippet(body, [key]);
    expect(out).not.toContain('Xk9z');
    expect(out).toMatch(/^<?…$/);
  });
});

describe('deadline marking and wrapping', () => {
  it('recognises a DeadlineReason by brand and AbortSignal.timeout reasons', () => {
    expect(isDeadlineReason(new DeadlineReason())).toBe(true);
    expect(isDeadlineReason({ [Symbol.for('lucy-ops.deadline')]: true })).toBe(true);
    expect(isDeadlineReason(new DOMException('t', 'TimeoutError'))).toBe(true);
    expect(isDeadlineReason(new DOMException('a', 'AbortError'))).toBe(false);
    expect(isDeadlineReason(new Error('x'))).toBe(false);
  });

  it('wraps undici and node errors by code, through causes and AggregateErrors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(asProviderError(new TypeError('fetch failed', { cause: refused }), { provider: 'p' })).toMatchObject({
      errorType: 'connect',
      message: 'cannot connect to p (ECONNREFUSED)',
    });
    expect(asProviderError(new AggregateError([refused]))).toMatchObject({ errorType: 'connect' });
    expect(asProviderError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toMatchObject({
      errorType: 'reset',
    });
    expect(asProviderError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toMatchObject({
      errorType: 'timeout',
    });
    expect(asProviderError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toMatchObject({
      errorType: 'connect',
    });
    expect(asProviderError(new DeadlineReason())).toMatchObject({ errorType: 'deadline' });
    expect(asProviderError(new DOMException('gone', 'AbortError'))).toMatchObject({ errorType: 'aborted' });
    expect(asProviderError(Object.assign(new Error('bad url'), { code: 'ERR_INVALID_URL' }))).toMatchObject({
      errorType: 'bad-request',
    });
  });

  it('network errors name the host:port of baseUrl (implied ports written), never credentials, path or query', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    const wrap = (err: unknown, baseUrl: string) => asProviderError(err, { provider: 'p', baseUrl });
    expect(wrap(new TypeError('fetch failed', { cause: refused }), 'http://127.0.0.1:8799/v1')).toMatchObject({
      errorType: 'connect',
      message: 'cannot connect to p at 127.0.0.1:8799 (ECONNREFUSED)',
    });
    const hidden = wrap(refused, 'https://user:hunter2-pass@api.example.com/v1?api_key=sk-query-secret#frag');
    expect(hidden.message).toBe('cannot connect to p at api.example.com:443 (ECONNREFUSED)');
    expect(wrap(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'http://[::1]/v1')).toMatchObject({
      errorType: 'reset',
      message: 'connection to p at [::1]:80 was reset (ECONNRESET)',
    });
    expect(
      wrap(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }), 'https://h.example:8443'),
    ).toMatchObject({
      errorType: 'timeout',
      message: 'p at h.example:8443 timed out (UND_ERR_HEADERS_TIMEOUT)',
    });
    // an unreadable baseUrl leaves the message as it was
    expect(wrap(refused, 'not a url').message).toBe('cannot connect to p (ECONNREFUSED)');
    expect(hostPort(undefined)).toBeUndefined();
  });

  it('unknown errors become a scrubbed server error; ProviderErrors are re-scrubbed', () => {
    const unknown = asProviderError(new Error('boom with Bearer sk-live-0123456789'), { secrets: [] });
    expect(unknown.errorType).toBe('server');
    expect(unknown.message).not.toContain('0123456789');
    const known = new ProviderError('auth', 'HTTP 401 from p: key hunter2-secret rejected', { httpStatus: 401 });
    const wrapped = asProviderError(known, { secrets: ['hunter2-secret'] });
    expect(wrapped).toMatchObject({ errorType: 'auth', httpStatus: 401 });
    expect(wrapped.message).toBe('HTTP 401 from p: key [redacted] rejected');
    const clean = new ProviderError('server', 'HTTP 503 from p');
    expect(asProviderError(clean)).toBe(clean);
  });
});

describe('asProviderError on anything thrown', () => {
  it('wraps anything, keeping the secrets out', () => {
    expect(asProviderError(new DeadlineReason())).toMatchObject({ errorType: 'deadline' });
    expect(asProviderError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), { provider: 'p' })).toMatchObject({
      errorType: 'reset',
      message: 'connection to p was reset (ECONNRESET)',
    });
    const odd = asProviderError('string thrown with sk-canary-0123456789abcdef inside');
    expect(odd.errorType).toBe('server');
    expect(odd.message).not.toContain('canary-0123');
    expect(asProviderError(undefined)).toBeInstanceOf(ProviderError);
  });
});
