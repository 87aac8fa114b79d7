/**
 * The configuration error (exit 78), on its own so the state store can raise it (a stateDir that
 * is not a folder) without loading the whole validator on every start.
 */
import { ExitCode } from '../exit-codes.js';

export class ConfigError extends Error {
  readonly exitCode = ExitCode.config;
  constructor(
    message: string,
    /** Each problem as "path: what is wrong". */
    readonly problems: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * How a needed environment variable is missing, for messages: `KEY=` (set but empty) is a
 * different mistake from no KEY at all, and says so. Call only when the value is falsy.
 */
export function missingVariable(value: string | undefined): 'is empty' | 'is not set' {
  return value === '' ? 'is empty' : 'is not set';
}
