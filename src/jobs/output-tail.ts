/**
 * The last lines of a command's combined output, for the run.end record (`outputTail`): bounded
 * memory however much the command prints, readable text (no colour codes, no progress-bar redraws).
 */

const ANSI_RE = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

export interface OutputTailOptions {
  /** Most lines kept. Default 20. */
  maxLines?: number;
  /** Most characters kept (after the line cut). Default 4096. */
  maxChars?: number;
}

export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private readonly maxLines: number;
  private readonly maxChars: number;
  /** Raw bytes kept: enough for maxChars of text even with long colour codes, never unbounded. */
  private readonly keepBytes: number;

  constructor(opts: OutputTailOptions = {}) {
    this.maxLines = opts.maxLines ?? 20;
    this.maxChars = opts.maxChars ?? 4096;
    this.keepBytes = this.maxChars * 4;
  }

  push(chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.chunks.push(buf);
    this.bytes += buf.length;
    // drop whole chunks from the front while the rest still covers keepBytes
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].length >= this.keepBytes) {
      this.bytes -= this.chunks.shift()!.length;
    }
    if (this.chunks.length === 1 && this.bytes > this.keepBytes * 2) {
      this.chunks[0] = this.chunks[0].subarray(this.bytes - this.keepBytes);
      this.bytes = this.chunks[0].length;
    }
  }

  /** The tail as text: at most maxLines lines and maxChars characters, '' when nothing was printed. */
  text(): string {
    const raw = Buffer.concat(this.chunks).toString('utf8');
    // a cut through a multi-byte character leaves replacement characters at the start
    const lines = raw
      .replace(/^\uFFFD+/, '')
      .replace(ANSI_RE, '')
      .replace(/\r\n/g, '\n')
      .split('\n')
      // a progress bar redraws with \r: keep what the line finally showed
      .map((line) => line.slice(line.lastIndexOf('\r') + 1));
    while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
    let out = lines.slice(-this.maxLines).join('\n');
    if (out.length > this.maxChars) out = out.slice(out.length - this.maxChars);
    return out;
  }
}
