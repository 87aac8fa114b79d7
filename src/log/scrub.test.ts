import { describe, expect, it } from 'vitest';
import { addKnownSecrets, scrubSecrets, scrubValue, urlSecrets } from './scrub.js';

describe('scrubSecrets', () => {
  it('removes given secrets and credential-looking text', () => {
    expect(scrubSecrets('key=abcdef123456 failed', ['abcdef123456'])).toBe('key=[REDACTED] failed');
    expect(scrubSecrets('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrubSecrets('GET /v1?api_key=zzzz9999&x=1')).toBe('GET /v1?api_key=[REDACTED]&x=1');
    expect(scrubSecrets('used sk-proj-abcdefghijklmnop1234')).toBe('used [REDACTED]');
    expect(scrubSecrets('503 Service Unavailable', ['abc'])).toBe('503 Service Unavailable');
  });

  it('blanks every credential shape, whatever the separator or quoting', () => {
    const cases: [string, string][] = [
      ['Bearer x', 'Bearer [REDACTED]'],
      ['authorization: Basic dXNlcjpwYXNzd29yZA==', 'authorization: Basic [REDACTED]'],
      ['{"api_key": "zz9"}', '{"api_key": "[REDACTED]"}'],
      ["x-api-key='abcd'", "x-api-key='[REDACTED]'"],
      ['access_token=t0k&next=1', 'access_token=[REDACTED]&next=1'],
      ['password: hunter2, user', 'password: [REDACTED], user'],
      ['secret=s3cr3t}', 'secret=[REDACTED]}'],
      ['Authorization: opaque-value', 'Authorization: [REDACTED]'],
      ['sk-abcd and SK-EFGH', '[REDACTED] and [REDACTED]'],
      ['connect redis://u:pw123@h:6379 failed', 'connect redis://h:6379 failed'],
      ['https://user@example.com/x', 'https://example.com/x'],
    ];
    for (const [input, expected] of cases) expect(scrubSecrets(input)).toBe(expected);
  });

  it('keeps ordinary words that merely contain a credential name', () => {
    const text = 'max_tokens=512 tokens: 9 key=mysecretvalue the basic plan, a task-list';
    expect(scrubSecrets(text)).toBe(text);
  });

  it('hides a secret that contains another whole, and short values never', () => {
    expect(scrubSecrets('abcdef and abc', ['abc', 'abcdef'])).toBe('[REDACTED] and [REDACTED]');
    expect(scrubSecrets('a ab', ['a', 'ab', undefined, ''])).toBe('a ab');
  });

  it('treats secrets as text, not patterns', () => {
    expect(scrubSecrets('a.b.c and axbxc', ['a.b.c'])).toBe('[REDACTED] and axbxc');
  });

  it('writes the mark the caller asks for', () => {
    expect(scrubSecrets('key k3y-v3ry and Bearer t', ['k3y-v3ry'], '[redacted]')).toBe(
      'key [redacted] and Bearer [redacted]',
    );
  });

  it('is idempotent: scrubbing scrubbed text changes nothing', () => {
    const once = scrubSecrets('Authorization: Bearer tok api_key=[redacted] sk-abcdefgh password=x', ['tok']);
    expect(scrubSecrets(once, ['tok'])).toBe(once);
  });

  it('blanks a URL with credentials given whole, and its parts wherever they appear alone', () => {
    const url = 'redis://admin:p%40ss-word@cache:6379/0';
    const secrets = [url, ...urlSecrets(url)];
    expect(scrubSecrets(`connect ${url} failed: WRONGPASS for admin / p@ss-word`, secrets)).toBe(
      'connect [REDACTED] failed: WRONGPASS for [REDACTED] / [REDACTED]',
    );
  });
});

describe('addKnownSecrets', () => {
  it('makes every later scrub blank the value, with or without secrets of its own', () => {
    const token = 'serve-token-7f3a91';
    expect(scrubSecrets(`bad token ${token}`)).toContain(token);
    addKnownSecrets([token, undefined, 'xy']);
    expect(scrubSecrets(`bad token ${token}`)).toBe('bad token [REDACTED]');
    expect(scrubSecrets(`echo ${token} k-123`, ['k-123'], '[redacted]')).toBe('echo [redacted] [redacted]');
    expect(scrubSecrets('xy stays: too short to blank')).toBe('xy stays: too short to blank');
  });

  it('reaches a caller that passes the same secrets array every time (the pattern is rebuilt)', () => {
    const mine = ['mine-secret-1'];
    expect(scrubSecrets('mine-secret-1 later-known-2', mine)).toBe('[REDACTED] later-known-2');
    addKnownSecrets(['later-known-2']);
    expect(scrubSecrets('mine-secret-1 later-known-2', mine)).toBe('[REDACTED] [REDACTED]');
  });
});

describe('scrubValue', () => {
  it('scrubs strings inside arrays and objects and leaves other values alone', () => {
    expect(scrubValue({ a: ['Bearer abc', 3], b: { c: 'key k-secret-1' }, d: null }, ['k-secret-1'])).toEqual({
      a: ['Bearer [REDACTED]', 3],
      b: { c: 'key [REDACTED]' },
      d: null,
    });
  });
});

describe('urlSecrets', () => {
  it('gives the password and the user, as written and decoded; a non-URL whole', () => {
    expect(urlSecrets('redis://admin:p%40ss@h/0')).toEqual(['p%40ss', 'p@ss', 'admin']);
    expect(urlSecrets('redis://:pw@h')).toEqual(['pw']);
    expect(urlSecrets('redis://h:6379')).toEqual([]);
    expect(urlSecrets('redis://u:%E0%A4%A@h')).toEqual(['%E0%A4%A', 'u']);
    expect(urlSecrets('not a url :pw@')).toEqual(['not a url :pw@']);
  });
});
