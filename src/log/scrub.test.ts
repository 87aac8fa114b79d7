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

  it('blanks a URL with credentials given whole, and its password wherever it appears alone', () => {
    const url = 'redis://admin:p%40ss-word@cache:6379/0';
    const secrets = [url, ...urlSecrets(url)];
    expect(scrubSecrets(`connect ${url} failed: WRONGPASS for admin / p@ss-word`, secrets)).toBe(
      'connect [REDACTED] failed: WRONGPASS for admin / [REDACTED]',
    );
  });

  it('leaves a URL’s user name alone: "default" (Upstash, Redis Cloud) stays an ordinary word', () => {
    const url = 'rediss://default:Zx81pQ7vT2mK@eu1-lasting-owl.upstash.io:6379';
    expect(scrubSecrets('the default provider', [url, ...urlSecrets(url)])).toBe('the default provider');
  });

  it('blanks a short value (a dummy key) only as a whole token, not in a host, path or model name', () => {
    const text = 'http://ollama:11434 serves ollama/llama3 and api.ollama.com; EMPTY_LIST';
    expect(scrubSecrets(text, ['ollama', 'EMPTY'])).toBe(text);
    expect(scrubSecrets('bad key: "ollama". Key EMPTY, try again', ['ollama', 'EMPTY'])).toBe(
      'bad key: "[REDACTED]". Key [REDACTED], try again',
    );
    // a value of 12 or more characters is blanked wherever it stands, as before
    expect(scrubSecrets('xhunter2hunter2x', ['hunter2hunter2'])).toBe('x[REDACTED]x');
  });

  it('blanks the percent-encoded form of a key with / + =', () => {
    const key = 'AbCdEfGh12/Qr2sTuVwXyZ+45678a=';
    expect(scrubSecrets(`GET /v1?key=x&k=${encodeURIComponent(key)}&n=1`, [key])).toBe(
      'GET /v1?key=x&k=[REDACTED]&n=1',
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
  it('gives the password (not the user name), as written and decoded; a non-URL whole', () => {
    expect(urlSecrets('redis://admin:p%40ss@h/0')).toEqual(['p%40ss', 'p@ss']);
    expect(urlSecrets('redis://:pw@h')).toEqual(['pw']);
    expect(urlSecrets('redis://h:6379')).toEqual([]);
    expect(urlSecrets('redis://default@h:6379')).toEqual([]);
    expect(urlSecrets('redis://u:%E0%A4%A@h')).toEqual(['%E0%A4%A']);
    expect(urlSecrets('not a url :pw@')).toEqual(['not a url :pw@']);
  });
});

describe('a known secret in disguise', () => {
  const key = 'gsk_Q7hT2mVx9LpR4wZk8NcY3bFd6GjS'; // not sk-: only the value can catch it
  const tail = key.slice(-12);
  const split = (sep: string) => `${key.slice(0, 10)}${sep}${key.slice(10, 20)}${sep}${key.slice(20)}`;

  it('is blanked whole when HTML tags, a <script> block, control, bidi or zero-width characters split it', () => {
    for (const sep of [
      '<b></b>',
      '<script>var x = 1;</script>',
      '<STYLE type="text/css">p{}</STYLE>',
      '<span class="k">',
      '\u0000',
      '\n',
      '\u001b[0m',
      '\u200b',
      '\u2060\ufeff',
      '\u202e',
      '\u2066',
    ]) {
      const out = scrubSecrets(`Invalid key: ${split(sep)} (check it)`, [key]);
      expect(out, JSON.stringify(sep)).toBe('Invalid key: [REDACTED] (check it)');
    }
  });

  it('is blanked when a body that is not JSON writes it with JSON escapes', () => {
    const escaped = [...key].map((c, i) => (i % 3 === 0 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c));
    expect(scrubSecrets(`upstream said: {"key":"${escaped.join('')}"} <html>`, [key])).toBe(
      'upstream said: {"key":"[REDACTED]"} <html>',
    );
    expect(scrubSecrets(`key \\u0067\\u0073\\u006b${key.slice(3)}`, [key])).toBe('key [REDACTED]');
  });

  it('has an echo of its first or last characters blanked, as far as the echo goes', () => {
    expect(scrubSecrets(`Incorrect API key provided: ${key.slice(0, 12)}****************`, [key])).toBe(
      'Incorrect API key provided: [REDACTED]****************',
    );
    expect(scrubSecrets(`key ending ...${tail}.`, [key])).toBe('key ending ...[REDACTED].');
    expect(scrubSecrets(`key ...${key.slice(-8)}`, [key])).toBe('key ...[REDACTED]');
    // a part split by a zero-width character too
    expect(scrubSecrets(`key ${key.slice(0, 6)}\u200b${key.slice(6, 14)}…`, [key])).toBe('key [REDACTED]…');
  });

  it('blanks no ordinary text: short parts, short or word-like values, URLs, the middle alone', () => {
    expect(scrubSecrets(`key ${key.slice(0, 7)}… and …${key.slice(-7)}`, [key])).toBe(
      `key ${key.slice(0, 7)}… and …${key.slice(-7)}`,
    );
    // no digit in the first 8: the start part runs on to the first digit, so the public prefix stays
    const project = 'sk-proj-Ab3dEfGhIjKlMnOpQrStUvWx';
    expect(scrubSecrets('keys look like sk-proj-…', [project], '#')).toBe('keys look like #…');
    expect(scrubSecrets('every key starts sk-proj', [project], '#')).toBe('every key starts #');
    // values that are words, or URLs, are blanked whole only
    const word = 'passwordpasswordpassword';
    expect(scrubSecrets('the password field, password', [word])).toBe('the password field, password');
    const hook = 'https://hooks.example.com/services/T000/B000/XXXXXXXXXXXX';
    expect(scrubSecrets('posting to https://hooks.example.com/services/T999 failed', [hook])).toBe(
      'posting to https://hooks.example.com/services/T999 failed',
    );
    expect(scrubSecrets(`middle ${key.slice(8, 24)} only`, [key])).toBe(`middle ${key.slice(8, 24)} only`);
    // tags and invisible characters around other text are left for the sanitizer, not eaten here
    expect(scrubSecrets('<b>bold</b>\u200b x', [key])).toBe('<b>bold</b>\u200b x');
  });

  it('stays whole-text safe: a secret next to a disguised one, and overlapping finds', () => {
    const other = 'other-secret-value-42';
    expect(scrubSecrets(`${other} ${split('<i></i>')} ${other}`, [key, other])).toBe(
      '[REDACTED] [REDACTED] [REDACTED]',
    );
    expect(scrubSecrets(`${key}${key}`, [key])).toBe('[REDACTED][REDACTED]');
  });
});

describe('scrubSecrets on hostile text (each pattern linear: npm run bench -- scrub times them)', () => {
  const key = 'sk-hostile0123456789abcdefghijkl';
  const split = `${key.slice(0, 12)}<b></b>${key.slice(12)}`;
  const of = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

  it.each([64 * 1024, 1024 * 1024])(
    '%i characters of each pattern, then a key split by a tag: blanked, the rest kept',
    (size) => {
      for (const unit of [
        '<',
        '<script ',
        '<style ',
        '<script>',
        '<style>',
        '\u001b[',
        '\u001b]',
        '\\u00',
        'token ',
        '//a',
      ]) {
        const body = of(unit, size);
        expect(scrubSecrets(`${body} key ${split}`, [key]), JSON.stringify(unit)).toBe(`${body} key [REDACTED]`);
      }
      // a closed block hides the key from a browser, yet the text holds it whole
      expect(scrubSecrets(`<script>${of('x', size)} ${key}</script>`, [key])).toBe(
        `<script>${of('x', size)} [REDACTED]</script>`,
      );
    },
  );
});

describe('a key split by invisible characters Unicode calls format or default-ignorable', () => {
  const k = 'gsk_Q7hT2mVx9LpR4wZk8NcY3bFd6GjS';
  it.each(['\u00ad', '\u{e0020}', '\u3164', '\u034f', '\ufe0f'])('split in three by %j: blanked whole', (sep) => {
    expect(scrubSecrets(`key ${k.slice(0, 6)}${sep}${k.slice(6, 26)}${sep}${k.slice(26)}`, [k])).toBe('key [REDACTED]');
  });
});
