/** The exit codes every command uses (sysexits-style; the table is in docs/commands.md). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 64,
  unavailable: 69,
  internal: 70,
  tempfail: 75,
  config: 78,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
