import { expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/types.js';
import { secretValues } from './context.js';

it('a webhook URL counts as a secret: the URL, its path and its token segment', () => {
  const webhook = 'https://hooks.slack.com/services/T0000/B0000/abcdefghijklmnopqrstuvwx';
  const config = { providers: [], alerts: { webhook } } as unknown as ResolvedConfig;
  expect(secretValues(config, {})).toEqual(
    expect.arrayContaining([webhook, '/services/T0000/B0000/abcdefghijklmnopqrstuvwx', 'abcdefghijklmnopqrstuvwx']),
  );
  // a short local hook path is not blanked everywhere it appears
  const local = { providers: [], alerts: { webhook: 'http://127.0.0.1:9/hook' } } as unknown as ResolvedConfig;
  expect(secretValues(local, {})).not.toContain('/hook');
});
