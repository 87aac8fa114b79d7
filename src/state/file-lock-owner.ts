/**
 * The record inside a lock file, {pid, host, token, at, group?}: who holds the lock. A lock file is
 * created only if absent (O_EXCL), with its owner's record written in; the token says which taking
 * of the lock a file is, so a holder never removes a file someone else has taken since.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { errorCode } from '../files/error-code.js';

export interface LockOwner {
  pid: number;
  host: string;
  token: string;
  at: string;
  /** A process group (a `run` command's) that keeps the lock held while it lives, even past its holder. */
  group?: number;
}

export const thisHost = hostname();

/**
 * Create the file only if absent, with our owner record inside. False when it already exists.
 * `anonymous`: created, but the record could not be written for lack of space (see HeldFileLock).
 */
export function createExclusive(path: string, token: string): { ino: number; anonymous: boolean } | false {
  const owner: LockOwner = { pid: process.pid, host: thisHost, token, at: new Date().toISOString() };
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (errorCode(error) !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return createExclusive(path, token);
  }
  let anonymous = false;
  let ino = 0;
  try {
    ino = fstatSync(fd).ino;
    writeSync(fd, JSON.stringify(owner));
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      // the file is ours (O_EXCL) even though it is empty: keep it as the lock
      anonymous = true;
      try {
        ftruncateSync(fd, 0); // a partial write must not look like someone else's record
      } catch {
        // stays as it is: an unparseable record is treated like an empty one
      }
    } else {
      closeSync(fd);
      unlinkIfPresent(path); // never leave an empty file that others would have to wait out
      throw error;
    }
  }
  closeSync(fd);
  return { ino, anonymous };
}

/** Write `owner` over the record in place (it may be longer than the old one). */
export function rewriteOwner(path: string, owner: LockOwner): void {
  const fd = openSync(path, 'r+');
  try {
    const body = Buffer.from(JSON.stringify(owner));
    writeSync(fd, body, 0, body.length, 0);
    ftruncateSync(fd, body.length);
  } finally {
    closeSync(fd);
  }
}

/** The owner recorded in the lock file; undefined when it is gone, empty or unreadable as a record. */
export function readOwner(path: string): LockOwner | undefined {
  try {
    return parseOwner(readFileSync(path, 'utf8'));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export function parseOwner(raw: string): LockOwner | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
      return value as LockOwner;
    }
  } catch {
    // empty or partly written
  }
  return undefined;
}

export function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
