/** Waiting for a job-log record written by another process: an fs.watch event, not a sleep. */
import fs from 'node:fs';
import path from 'node:path';
import { readLog } from './cli.js';

/** Resolves once the log of `dir` (logs/jobs.jsonl) has a record matching `pred`. */
export async function logged(dir: string, pred: (r: any) => boolean, timeoutMs = 120_000): Promise<void> {
  const logDir = path.join(dir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      try {
        if (readLog(dir).some(pred)) finish();
      } catch {
        // a line being written: the next change event checks again
      }
    };
    const watcher = fs.watch(logDir, check);
    const timer = setTimeout(() => finish(new Error('timed out waiting for a log record')), timeoutMs);
    function finish(error?: Error) {
      watcher.close();
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    }
    check();
  });
}
