/** Script validation, loading, rule matching, and the default content. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActiveScript, loadSimScript, parseSimScript } from './script.js';
import { articleFor, chunkContent, titleFor } from './content.js';

describe('parseSimScript', () => {
  it('accepts single faults and rule lists', () => {
    const script = {
      a: { kind: 'ok', latencyMs: 10 },
      b: [
        {
          fault: { kind: 'status', status: 503, headers: { 'x-y': 'z' } },
          from: '2025-04-19T14:14:00Z',
          until: '2025-04-19T14:59:00Z',
          times: 3,
        },
      ],
      '*': { kind: 'cut', afterChunks: 0, how: 'end' },
    };
    expect(parseSimScript(script)).toEqual(script);
  });

  it.each([
    [{ m: { kind: 'explode' } }, /m\.kind: must be one of ok, status/],
    [{ m: { kind: 'ok', latencyMs: -1 } }, /m\.latencyMs: must be a whole number/],
    [{ m: { kind: 'ok', typo: 1 } }, /m\.typo: unknown field/],
    [{ m: { kind: 'status' } }, /m\.status: is required/],
    [{ m: { kind: 'status', status: 9000 } }, /m\.status: must be an HTTP status/],
    [{ m: { kind: 'cut', how: 'gently' } }, /m\.how: must be "destroy" or "end"/],
    [{ m: [{ fault: { kind: 'ok' }, from: 'teatime' }] }, /m\[0\]\.from: must be an ISO time/],
    [{ m: [{ fault: { kind: 'ok' }, times: 0 }] }, /m\[0\]\.times: must be a whole number > 0/],
    [{ m: [{ from: '2025-01-01T00:00:00Z' }] }, /m\[0\]\.fault: is required/],
    [{ m: 'ok' }, /m: must be a fault object/],
    [[], /must be an object of model name/],
  ])('rejects %j', (value, message) => {
    expect(() => parseSimScript(value, 'x.json')).toThrow(message);
    expect(() => parseSimScript(value, 'x.json')).toThrow(/^x\.json: /);
  });
});

describe('loadSimScript', () => {
  it('loads a JSON file and names the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lucy-sim-'));
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify({ '*': { kind: 'hang' } }));
    expect(await loadSimScript(good)).toEqual({ '*': { kind: 'hang' } });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"m": ');
    await expect(loadSimScript(broken)).rejects.toThrow(`${broken}: not valid JSON`);
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, '{"m": {"kind": "nope"}}');
    await expect(loadSimScript(invalid)).rejects.toThrow(`${invalid}: m.kind`);
  });
});

describe('ActiveScript.pick', () => {
  const T = (iso: string) => Date.parse(iso);
  it('tries the model rules, then *, then answers ok for a known model', () => {
    const s = new ActiveScript({
      m: [{ fault: { kind: 'hang' }, from: '2025-01-01T10:00:00Z', until: '2025-01-01T11:00:00Z' }],
      '*': [{ fault: { kind: 'reset' }, from: '2025-01-01T12:00:00Z' }],
    });
    const kindAt = (model: string, iso: string) => {
      const p = s.pick(model, T(iso));
      return p.kind === 'fault' ? p.fault.kind : p.kind;
    };
    expect(kindAt('m', '2025-01-01T10:30:00Z')).toBe('hang');
    expect(kindAt('m', '2025-01-01T11:00:00Z')).toBe('ok');
    expect(kindAt('m', '2025-01-01T12:00:00Z')).toBe('reset');
    expect(kindAt('other', '2025-01-01T12:00:00Z')).toBe('reset');
    expect(kindAt('other', '2025-01-01T09:00:00Z')).toBe('ok');
    expect(new ActiveScript({ m: { kind: 'ok' } }).pick('other', 0)).toEqual({ kind: 'unknown-model' });
  });

  it('only consumes times when the window matches', () => {
    const s = new ActiveScript({ m: [{ fault: { kind: 'hang' }, from: '2025-01-01T10:00:00Z', times: 1 }] });
    expect(s.pick('m', T('2025-01-01T09:00:00Z'))).toEqual({ kind: 'fault', fault: { kind: 'ok' } });
    expect(s.pick('m', T('2025-01-01T10:00:00Z'))).toEqual({ kind: 'fault', fault: { kind: 'hang' } });
    expect(s.pick('m', T('2025-01-01T10:00:00Z'))).toEqual({ kind: 'fault', fault: { kind: 'ok' } });
    expect(s.models()).toEqual(['m']);
  });
});

describe('default content', () => {
  it('titles from the topic after "about", else the first sentence, at most 8 words', () => {
    expect(titleFor('Write a blog post about the April 19 outage. Use Markdown.')).toBe('The April 19 Outage');
    expect(titleFor('Tell a bedtime story: dragons')).toBe('Tell A Bedtime Story');
    expect(titleFor('one two three four five six seven eight nine ten')).toBe(
      'One Two Three Four Five Six Seven Eight',
    );
    expect(titleFor('../../etc/passwd')).toBe('Etc Passwd');
    expect(titleFor('')).toBe('Simulated Article');
  });

  it('is deterministic, starts with "# Title", and streams back to the same text', () => {
    const a = articleFor('about cron jobs', 'x');
    expect(a).toBe(articleFor('about cron jobs', 'x'));
    expect(a.split('\n')[0]).toBe('# Cron Jobs');
    expect(a).toContain('`x`');
    expect(chunkContent(a).join('')).toBe(a);
    expect(chunkContent(a).length).toBeGreaterThan(10);
  });
});
