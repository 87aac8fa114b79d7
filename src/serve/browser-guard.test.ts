import { describe, expect, it } from 'vitest';
import { browserRefusal, hostAllowList } from './browser-guard.js';

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

describe('the Host names a tokenless serve answers, on any address', () => {
  const hosts = hostAllowList(['ops-box.lan', 'Build-Agent.internal.'], 'web1.corp.example');

  it('IP literals (a rebinding page can only send a name), localhost, this machine, the names given', () => {
    for (const host of [
      '10.1.2.3:8787',
      '192.168.7.7',
      '[fe80::1]:8787',
      '[::1]',
      'localhost:8787',
      'localhost.',
      'web1.corp.example',
      'WEB1:8787',
      'ops-box.lan:8787',
      'build-agent.internal',
    ])
      expect(hosts.allows(host), host).toBe(true);
  });

  it('no other name, however close', () => {
    for (const host of [
      'attacker.example',
      'ops-box.lan.attacker.example',
      'localhost.attacker.example',
      'web1.attacker.example',
      '10.1.2.3.attacker.example',
      'corp.example',
      '[not-an-ip]',
    ])
      expect(hosts.allows(host), host).toBe(false);
    expect(browserRefusal({ host: 'evil.example:8787', ...json }, 'POST', hosts)).toBe(
      'Host "evil.example" is not a name of this machine: without a token serve answers only IP addresses and localhost, ops-box.lan, build-agent.internal, web1.corp.example, web1 (a web page can point its own name at serve; add a name with --allowed-host, or set serve.tokenEnv)',
    );
  });
});
