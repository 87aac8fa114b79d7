import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createExclusive, parseOwner, readOwner, rewriteOwner, thisHost, unlinkIfPresent } from './file-lock-owner.js';

const folder = () => mkdtempSync(join(tmpdir(), 'lucy-lock-owner-'));

describe('the owner record of a lock file', () => {
  it('is created only if absent (its folder made on the way), with this process as owner', () => {
    const path = join(folder(), 'locks', 'a.lock');
    const created = createExclusive(path, 'tok1');
    expect(created).toMatchObject({ anonymous: false });
    expect((created as { ino: number }).ino).toBeGreaterThan(0);
    expect(readOwner(path)).toMatchObject({ pid: process.pid, host: thisHost, token: 'tok1' });
    expect(createExclusive(path, 'tok2')).toBe(false);
    expect(readOwner(path)?.token).toBe('tok1');
  });

  it('reads as no owner when the file is gone, empty, partly written or not a record', () => {
    const dir = folder();
    expect(readOwner(join(dir, 'missing.lock'))).toBeUndefined();
    for (const raw of ['', '{"pid":12', '[]', '{"pid":"1","host":"h","token":"t"}', '{"pid":1,"host":"h"}']) {
      writeFileSync(join(dir, 'x.lock'), raw);
      expect(readOwner(join(dir, 'x.lock')), raw).toBeUndefined();
    }
    expect(parseOwner('{"pid":1,"host":"h","token":"t","at":"x"}')).toEqual({ pid: 1, host: 'h', token: 't', at: 'x' });
  });

  it('is rewritten in place whole, a shorter record leaving nothing of the longer one behind', () => {
    const path = join(folder(), 'a.lock');
    createExclusive(path, 'tok');
    const owner = { pid: process.pid, host: thisHost, token: 'tok', at: 'now' };
    rewriteOwner(path, { ...owner, group: 123456789 });
    expect(readOwner(path)).toEqual({ ...owner, group: 123456789 });
    rewriteOwner(path, owner);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(owner);
  });

  it('unlinkIfPresent is quiet about a file already gone', () => {
    const path = join(folder(), 'a.lock');
    createExclusive(path, 'tok');
    unlinkIfPresent(path);
    expect(() => unlinkIfPresent(path)).not.toThrow();
    expect(readOwner(path)).toBeUndefined();
  });
});
