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
