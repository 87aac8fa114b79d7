/**
 * One byte range of a plain log file, cut at line boundaries, so several threads can read one file
 * and together see every line exactly once: a range owns the lines that START inside it. It skips
 * the tail of a line begun before it, and reads past its end to finish its own last line.
 */
import fs from 'node:fs';
import { READ_BYTES, lineBytes, visitLineBytes, type LineVisitor, type ReadStats } from './reader.js';

export interface ByteRange {
  start: number;
  /** Exclusive; Infinity: to the end of the file, however long it has grown. */
  end: number;
}

/** Every line starting in `range` of `file`, through `visit` (the same rules as scanLines). */
export async function scanFileRange(
  file: string,
  range: ByteRange,
  visit: LineVisitor,
  stats: ReadStats,
): Promise<void> {
  for await (const bytes of lineBytes(file, rangeChunks(file, range), stats)) visitLineBytes(bytes, stats, visit);
}

/**
 * The bytes of the lines starting in [start, end). The line owning byte `start - 1` ends at the
 * first newline at or after it: everything up to that newline belongs to the range before.
 */
async function* rangeChunks(file: string, { start, end }: ByteRange): AsyncGenerator<Buffer> {
  if (end <= start) return;
  const handle = await fs.promises.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_BYTES);
    let pos = start > 0 ? start - 1 : 0;
    let skipping = start > 0; // inside the line the previous range finishes
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, READ_BYTES, pos);
      if (bytesRead === 0) return;
      let from = 0;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl < 0 || nl >= bytesRead) {
          pos += bytesRead;
          continue;
        }
        skipping = false;
        from = nl + 1;
        if (pos + from >= end) return; // no line starts inside this range
      }
      // the last line this range owns starts before `end`: stop at the newline at or after end - 1
      const chunkStart = pos;
      pos += bytesRead;
      if (pos < end) {
        if (from < bytesRead) yield buf.subarray(from, bytesRead);
        continue;
      }
      const cutFrom = Math.max(from, end - 1 - chunkStart);
      const nl = buf.indexOf(10, cutFrom);
      if (nl >= 0 && nl < bytesRead) {
        if (nl + 1 > from) yield buf.subarray(from, nl + 1);
        return;
      }
      if (from < bytesRead) yield buf.subarray(from, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
