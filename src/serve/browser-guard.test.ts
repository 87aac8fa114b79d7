import { describe, expect, it } from 'vitest';
import { browserRefusal } from './browser-guard.js';

const json = { 'content-type': 'application/json' };

describe('a tokenless serve keeps browsers out', () => {
  it('serves loopback clients that post JSON, as the OpenAI SDKs do', () => {
    for (const host of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'LOCALHOST'])
      expect(browserRefusal({ host, ...json }, 'POST')).toBeUndefined();
    expect(
      browserRefusal({ host: '127.0.0.1:8787', ...json, origin: 'http://localhost:3000' }, 'POST'),
    ).toBeUndefined();
    expect(browserRefusal({ host: '127.0.0.1:8787' }, 'GET')).toBeUndefined();
  });

  it('refuses another host name (DNS rebinding), another origin, and non-JSON posts', () => {
    expect(browserRefusal({ host: 'attacker.example:8787', ...json }, 'POST')).toMatch(/Host "attacker.example"/);
    expect(browserRefusal({ host: '127.0.0.1:8787', origin: 'http://attacker.example', ...json }, 'POST')).toMatch(
      /cross-origin/,
    );
    expect(browserRefusal({ host: '127.0.0.1:8787', origin: 'null', ...json }, 'POST')).toMatch(/cross-origin/);
    expect(browserRefusal({ host: '127.0.0.1:8787', 'content-type': 'text/plain' }, 'POST')).toMatch(
      /application\/json/,
    );
    expect(browserRefusal({ host: '127.0.0.1:8787' }, 'POST')).toMatch(/application\/json/);
  });
});
