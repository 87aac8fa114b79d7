import { describe, expect, it } from 'vitest';
import { baseUrlFix, baseUrlWarning } from './base-url.js';

describe('baseUrlFix', () => {
  it.each([
    'https://api.together.xyz/v1',
    'https://api.together.xyz/v1/',
    'https://openrouter.ai/api/v1',
    'https://api.groq.com/openai/v1',
    'https://generativelanguage.googleapis.com/v1beta/openai/',
    'http://127.0.0.1:11434/v1',
    'https://gw.example/v2',
  ])('%s has a version segment: no fix', (url) => {
    expect(baseUrlFix(url)).toBeUndefined();
  });

  it('adds /v1 where the path has no version, and drops a pasted /chat/completions', () => {
    expect(baseUrlFix('https://api.together.xyz')).toBe('https://api.together.xyz/v1');
    expect(baseUrlFix('https://gw.example/openai/')).toBe('https://gw.example/openai/v1');
    expect(baseUrlFix('https://api.together.xyz/v1/chat/completions')).toBe('https://api.together.xyz/v1');
    expect(baseUrlFix('not a url')).toBeUndefined();
  });

  it('the warning names the field, where requests go, and the fix', () => {
    expect(baseUrlWarning('providers[0].baseUrl', 'https://api.together.xyz')).toBe(
      'providers[0].baseUrl: "https://api.together.xyz" has no API version segment (such as /v1) in its path, so requests go to https://api.together.xyz/chat/completions; likely fix: "https://api.together.xyz/v1"',
    );
    expect(baseUrlWarning('p', 'https://x.example/v1/chat/completions')).toContain(
      'ends in /chat/completions, which lucy-ops adds itself',
    );
  });
});
