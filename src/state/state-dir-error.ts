/**
 * A stateDir that cannot be used is a configuration problem (exit 78, naming the setting and the
 * path), not an internal error: a file in its way, no permission, a read-only disk.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { errorCode } from '../files/error-code.js';

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
    const owner = code === 'EROFS' ? '' : ownerHint(dir);
    return new ConfigError(
      `stateDir ${dir} ${what} (${code === 'EROFS' ? 'read-only file system' : 'permission denied'}): ${owner ? `${owner}, ` : ''}make it writable for this user or set stateDir to another path ${reason}`,
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

/** A file of the state (or the job log) this user may not read: exit 78, saying whose it is. */
export function unreadableError(file: string, err: unknown): unknown {
  const code = errorCode(err);
  if (code !== 'EACCES' && code !== 'EPERM') return err;
  const hint = ownerHint(file);
  return new ConfigError(
    `cannot read ${file} (permission denied): ${hint || 'run as the user the cron jobs run as'}, or give this user read access`,
  );
}

/**
 * "run as the cron user (owner of /srv/app/.lucy-ops/state.json: deploy)": the first of `path`
 * and its parents that exists, and its owner's name (or uid).
 */
export function ownerHint(path: string): string {
  for (let p = path; ; p = dirname(p)) {
    try {
      const uid = statSync(p).uid;
      return `run as the cron user (owner of ${p}: ${userName(uid)})`;
    } catch {
      if (dirname(p) === p) return '';
    }
  }
}

function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === uid && name) return name;
    }
  } catch {
    // no passwd file (containers, other systems): the number says it
  }
  return `uid ${uid}`;
}
