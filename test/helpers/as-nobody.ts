/**
 * Permission tests need a user that root is not. As root they run the CLI as `nobody` (uid/gid
 * 65534), which only works when nobody can reach node and this checkout: every folder on the way
 * searchable by others, the files readable. A checkout under /root (0700) is not: then these
 * tests skip, saying why, rather than fail for a reason that is not lucy-ops's.
 */
import fs from 'node:fs';
import path from 'node:path';

export const NOBODY = { uid: 65534, gid: 65534 };

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Whether `nobody` can read (and, for node, run) each file: always true when not root (no switch needed). */
export function permissionTestsCanRun(files: string[]): boolean {
  if (!isRoot()) return true;
  try {
    for (const file of files.map((f) => path.resolve(f))) {
      const need = file === process.execPath ? 0o005 : 0o004;
      if ((fs.statSync(file).mode & need) !== need) return false;
      for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
        if (!(fs.statSync(dir).mode & 0o001)) return false;
        if (dir === path.dirname(dir)) break;
      }
    }
    return true;
  } catch {
    return false;
  }
}
