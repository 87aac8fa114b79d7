import { expect, it } from 'vitest';
import { columns, printableDeep, truncate, visibleWidth } from './columns.js';

it('printableDeep: log text cannot replay terminal escapes or forge a line; numbers and nulls stay', () => {
  const report = {
    gaps: [
      { job: 'blog', cause: 'evil\u001b]0;PWNED\u0007: 503 ×3\r\nthreads  ok  ok by x', slots: 3, end: null },
      { job: 'a\u202egpj.exe', cause: 'tab\there\u2028sep\u200bzw', slots: 1, end: '2026-04-19T15:00:00Z' },
    ],
  };
  expect(printableDeep(report)).toEqual({
    gaps: [
      { job: 'blog', cause: 'evil?]0;PWNED?: 503 ×3?threads  ok  ok by x', slots: 3, end: null },
      { job: 'a?gpj.exe', cause: 'tab?here?sep?zw', slots: 1, end: '2026-04-19T15:00:00Z' },
    ],
  });
});

it('visibleWidth counts terminal columns: emoji sequences and wide characters take two, colour none', () => {
  expect(visibleWidth('host-a')).toBe(6);
  expect(visibleWidth('\u001b[31mred\u001b[39m')).toBe(3);
  expect(visibleWidth('🔥\ufe0f')).toBe(2);
  expect(visibleWidth('👩\u200d💻')).toBe(2);
  expect(visibleWidth('日本')).toBe(4);
});

it('truncate cuts whole graphemes to the columns given, never half a surrogate pair or sequence', () => {
  expect(truncate('host-👩\u200d💻-x', 7)).toBe('host-…');
  expect(truncate('host-👩\u200d💻-x', 8)).toBe('host-👩\u200d💻…');
  expect(truncate('ab🔥\ufe0fcd', 4)).toBe('ab…');
  expect(truncate('日本語テキスト', 7)).toBe('日本語…');
  expect(truncate('abcdef', 4)).toBe('abc…');
  expect(truncate('abc', 3)).toBe('abc');
  expect(truncate('abcdef', 1)).toBe('a');
  for (const cut of [truncate('host-👩\u200d💻-x', 6), truncate('ab🔥\ufe0fcd', 3)]) {
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  }
});

it('columns line up rows whose cells hold emoji', () => {
  const out = columns(
    ['job', 'last', 'next'],
    [
      ['a', 'ok on host-x', '13:00Z'],
      ['b', 'ok on 🔥\ufe0f', '13:00Z'],
    ],
    {
      width: 80,
    },
  );
  const [, a, b] = out.split('\n');
  expect(visibleWidth(a.slice(0, a.indexOf('13:00Z')))).toBe(visibleWidth(b.slice(0, b.indexOf('13:00Z'))));
});
