import { expect, it } from 'vitest';
import { printableDeep } from './columns.js';

it('printableDeep: log text cannot replay terminal escapes; line breaks, numbers and nulls stay', () => {
  const report = {
    gaps: [{ job: 'blog', cause: 'evil\u001b]0;PWNED\u0007: 503 ×3\nnext line', slots: 3, end: null }],
  };
  expect(printableDeep(report)).toEqual({
    gaps: [{ job: 'blog', cause: 'evil?]0;PWNED?: 503 ×3\nnext line', slots: 3, end: null }],
  });
});
