import { expect, it } from 'vitest';
import { printableDeep } from './columns.js';

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
