/** Writing the report's files: each whole or not at all (temp file + rename). */
import path from 'node:path';
import type { ReportFacts } from '../analysis/report-facts.js';
import { ExitCode } from '../exit-codes.js';
import { writeFileAtomic } from '../files/atomic-write.js';

class ReportWriteError extends Error {
  readonly exitCode = ExitCode.failed;
  constructor(file: string, cause: unknown) {
    super(`could not write ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ReportWriteError';
  }
}

/** Write the HTML page and/or the Markdown; returns the absolute paths written. */
export async function writeReports(
  facts: ReportFacts,
  to: { html?: string; md?: string; now: Date },
): Promise<string[]> {
  const written: string[] = [];
  const write = (file: string, text: string) => {
    const abs = path.resolve(file);
    try {
      writeFileAtomic(abs, text);
    } catch (err) {
      throw new ReportWriteError(file, err);
    }
    written.push(abs);
  };
  if (to.html !== undefined) {
    const { renderHtml } = await import('./html.js');
    write(to.html, renderHtml(facts, { generatedAt: to.now }));
  }
  if (to.md !== undefined) {
    const { renderMarkdown } = await import('./markdown.js');
    write(to.md, renderMarkdown(facts));
  }
  return written;
}
