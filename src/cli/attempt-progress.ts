/**
 * Per-attempt progress on a terminal while a run works, so a provider that hangs for its whole
 * timeout is not 90 s of silence:
 *
 *   deepseek-v3 attempt 1/3 timed out after 30 s, retrying in 1.2 s
 *   deepseek-v3 attempt 2/3 HTTP 503, breaker opened
 *   llama-3.3-70b attempt 1/3 …            (the line in flight, replaced when it ends)
 *
 * Only when stderr is a terminal: piped or in a crontab it prints nothing (the log has it all).
 */
import chalk from 'chalk';
import type { Attempt, EngineEvent, EngineProgress } from '../engine/types.js';

export interface AttemptWatch {
  onEvent(event: EngineEvent): void;
  onProgress(progress: EngineProgress): void;
  /** Ends the line in flight (call before the command's own result line). */
  done(): void;
}

const CLEAR_LINE = '\r\u001b[K';

/** A watch that writes to stderr when it is a terminal; undefined otherwise. */
export function attemptProgress(stream: NodeJS.WriteStream = process.stderr): AttemptWatch | undefined {
  return stream.isTTY ? attemptLines((text) => stream.write(text)) : undefined;
}

/** The progress lines, written through `write` (a terminal: `\r` rewrites the line in flight). */
export function attemptLines(write: (text: string) => void): AttemptWatch {
  let inFlight: string | undefined; // "deepseek-v3 attempt 1/3", shown with "…" while it runs
  let ended: string | undefined; // a failed attempt's line, held to add what happens next
  const flush = () => {
    if (ended !== undefined) write(`${CLEAR_LINE}${ended}\n`);
    else if (inFlight !== undefined) write(CLEAR_LINE);
    ended = inFlight = undefined;
  };
  return {
    onProgress(p) {
      if (p.type === 'attempt-start') {
        flush();
        inFlight = `${p.provider} ${p.trial ? 'half-open trial' : `attempt ${p.tryNo}/${p.maxTries}`}`;
        write(`${CLEAR_LINE}${chalk.dim(`${inFlight} …`)}`);
      } else if (ended !== undefined) {
        ended += `, retrying in ${seconds(p.waitMs)}`;
        flush();
      }
    },
    onEvent(e) {
      if (e.type === 'breaker') {
        if (ended !== undefined && e.transition.to === 'open') ended += chalk.red(', breaker opened');
        return;
      }
      const a = e.attempt;
      if (a.outcome === 'skipped-open') {
        flush();
        write(`${a.provider} ${chalk.dim('skipped: breaker open, no request')}\n`);
      } else if (a.outcome === 'ok') {
        ended = undefined;
        flush(); // the command's result line says who served
      } else {
        ended = `${inFlight ?? a.provider} ${chalk.yellow(failure(a))}`;
        inFlight = undefined;
      }
    },
    done: flush,
  };
}

function failure(a: Attempt): string {
  const after = `after ${seconds(a.ms)}`;
  if (a.errorType === 'timeout' || a.errorType === 'idle-timeout') return `timed out ${after}`;
  if (a.httpStatus) return `HTTP ${a.httpStatus} ${after}`;
  return `${a.errorType ?? 'failed'} ${after}`;
}

/** `30 s`, `1.2 s`, `0.3 s`: tenths below 10 s, whole seconds above. */
function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : s.toFixed(1)} s`;
}
