import { expect, it } from 'vitest';
import { tokenCheck } from './auth.js';

it('lets everything through without a token', () => {
  expect(tokenCheck(undefined)({})).toBe(true);
});

it('accepts only the exact bearer token', () => {
  const check = tokenCheck('s3cret-token');
  expect(check({})).toBe(false);
  expect(check({ authorization: 's3cret-token' })).toBe(false);
  expect(check({ authorization: 'Bearer s3cret-toke' })).toBe(false);
  expect(check({ authorization: 'Bearer s3cret-token-and-more' })).toBe(false);
  expect(check({ authorization: 'Basic s3cret-token' })).toBe(false);
  expect(check({ authorization: 'Bearer ' })).toBe(false);
  expect(check({ authorization: 'Bearer s3cret-token' })).toBe(true);
  expect(check({ authorization: 'bearer   s3cret-token ' })).toBe(true);
});
