/**
 * Which logs `postmortem gaps` and `backfill` read: the configured log (and its rotations) plus
 * every `--log`. One rule for both, so the report and the plan always agree on what was served.
 * Cheap to import (the commands register with it); the log reader loads only when called.
 */
import { ExitCode } from '../exit-codes.js';
import { CliError } from './common.js';

/** The `--log` option's help, the same for both commands. */
export const LOG_FLAG_HELP =
  "also read this log, e.g. another host's or an archive (repeatable; '-' is stdin; rotated .1/.2.gz files are read too); the configured log is always read";

/**
 * The sources to read: the configured log when it (or a rotation of it) exists, then every
 * `--log`. A `--log` file that does not exist is a usage error (a typo must not pass for "no
 * runs"); a configured log that does not exist yet only gets a warning.
 */
export async function logSources(
  configured: string,
  extra: string[] = [],
  warn: (message: string) => void,
  opts: { quietWhenMissing?: boolean } = {},
): Promise<string[]> {
  const { expandRotated } = await import('../log/reader.js');
  const fs = await import('node:fs');
  const exists = (file: string) => file === '-' || fs.existsSync(file) || expandRotated(file).length > 0;
  for (const file of extra) if (!exists(file)) throw new CliError(`no such log file: ${file} (--log)`, ExitCode.usage);
  if (exists(configured)) {
    const { unreadableError } = await import('../state/state-dir-error.js');
    // a log this user may not read would pass for "no runs at all": say whose it is instead (78)
    for (const file of [...expandRotated(configured), ...extra.filter((f) => f !== '-')]) {
      try {
        fs.accessSync(file, fs.constants.R_OK);
      } catch (err) {
        const refused = unreadableError(file, err);
        if (refused !== err) throw refused;
      }
    }
    return [configured, ...extra];
  }
  if (extra.length > 0)
    warn(
      `no job log at ${configured} (the configured log): reading only ${extra.map((f) => (f === '-' ? 'stdin' : f)).join(', ')}`,
    );
  else if (!opts.quietWhenMissing)
    warn(
      `no job log at ${configured} yet (no run has written one): slots since the config file was last written count as missing`,
    );
  return extra;
}
