import Table from 'cli-table3';
import { expect, it } from 'vitest';
import { rendered, tableLook } from './table-look.js';

const build = (tty: boolean) => {
  const t = new Table({ head: ['provider', 'state'], ...tableLook({}, tty) });
  t.push(['deepseek-v3', 'open'], ['qwen-72b', 'closed']);
  return rendered(t);
};

it('boxes tables on a terminal, and prints plain grep-able columns otherwise', () => {
  expect(build(true)).toMatch(/┌─+┬─+┐/);
  expect(build(false)).toBe(['provider     state', 'deepseek-v3  open', 'qwen-72b     closed'].join('\n'));
});

it('fits a given width: the widest columns wrap at words, a too-long word is cut, nothing overflows', () => {
  for (const tty of [true, false]) {
    const t = new Table({ head: ['when', 'jobs', 'cause'], ...tableLook({}, tty) });
    t.push(
      ['2026-04-19 14:15Z → 15:00Z', 'blog, threads, stories', 'provider: deepseek-v3 server 503 (12), timeout (3)'],
      ['14:15', 'x', 'a-single-token-much-longer-than-any-column-could-ever-be'],
    );
    const text = rendered(t, 50);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(50);
    expect(text).toContain('deepseek-v3'); // wrapped, not lost
    expect(text).toContain('…'); // the long token, cut
  }
  // a table that fits is left as it is
  const small = new Table({ head: ['a', 'b'], ...tableLook({}, false) });
  small.push(['1', '2']);
  expect(rendered(small, 50)).toBe('a  b\n1  2');
});
