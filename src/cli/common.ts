/**
 * What every command shares: global options, output (JSON vs human), and turning errors into the
 * documented exit codes (docs/commands.md). No business logic here.
 */
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  /** false under --no-color. */
  color?: boolean;
  /** The zone human views print times in (`local`, `UTC` or an IANA name); JSON is always UTC. */
  tz?: string;
}

/** An error that carries its exit code; thrown anywhere, turned into a clean message by main. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.failed,
    /** Extra JSON document to print on stdout under --json (e.g. a partial result). */
    readonly json?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Options of this command merged with the program's global ones (--config, --json). */
export function globalOpts(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** Colour in a view written to stdout: a terminal, and neither NO_COLOR nor --no-color. */
export function stdoutColor(cmd: Command): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && globalOpts(cmd).color !== false;
}

let printedJson = false;

/** Print one JSON document on stdout (the only thing on stdout under --json). */
export function printJson(value: unknown): void {
  printedJson = true;
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Whether this process has printed its JSON document (main adds an error document otherwise). */
export function jsonPrinted(): boolean {
  return printedJson;
}

/** Human text: to stdout normally, to stderr under --json so stdout stays one JSON document. */
export function say(text: string, json = false): void {
  (json ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : text + '\n');
}

/**
 * The alert channel's stderr line, remembering whether one was written: a failed run whose alert
 * (chain-failed, job-failing) already said so on stderr prints no line of its own, so cron mails
 * one line per failed run.
 */
export function alertLines(): { alertLine: (line: string) => void; alerted: () => boolean } {
  let written = false;
  return {
    alertLine: (line) => {
      written = true;
      process.stderr.write(line + '\n');
    },
    alerted: () => written,
  };
}

/** Set the exit code without exiting, so buffered output drains (crontab pipes). */
export function setExit(code: number): void {
  process.exitCode = code;
}
