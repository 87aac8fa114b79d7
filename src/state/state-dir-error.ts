/**
 * A stateDir that cannot be used is a configuration problem (exit 78, naming the setting and the
 * path), not an internal error: a file in its way, no permission, a read-only disk.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { errorCode } from './file-lock.js';

/** A stateDir that cannot be a folder is a config problem (exit 78, naming the setting), not an internal error. */
export function stateDirError(dir: string, err: unknown): unknown {
  const code = errorCode(err);
  const reason = `(${(err as Error).message})`;
  const file = code === 'ENOTDIR' || code === 'EEXIST' ? fileInTheWay(join(dir, 'locks')) : undefined;
  if (file === dir)
    return new ConfigError(
      `stateDir ${dir} is not a folder (a file is in the way): move the file or set stateDir to another path ${reason}`,
    );
  if (file) return new ConfigError(`stateDir ${dir} cannot be used: ${file} is a file, not a folder ${reason}`);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new ConfigError(
      `stateDir ${dir} is full (${code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'}): free space there or set stateDir to another path ${reason}`,
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const what = existsSync(dir) ? 'is not writable' : 'cannot be created';
    return new ConfigError(
      `stateDir ${dir} ${what} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}): make it writable for this user or set stateDir to another path ${reason}`,
    );
  }
  return err;
}

/** The first of `path` and its parents that exists, when it is a file (what stops mkdir). */
function fileInTheWay(path: string): string | undefined {
  for (let p = path; ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      if (dirname(p) === p) return undefined; // nothing exists at all
    }
  }
}
