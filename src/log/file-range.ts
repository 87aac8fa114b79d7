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
 * first newline at or after it: everything up to that newline belongs to the range before. Read
 * into two buffers, as reader.ts reads a whole file: the next read is in flight while the caller
 * works on the current chunk (one buffer left each thread waiting on every read).
 */
async function* rangeChunks(file: string, { start, end }: ByteRange): AsyncGenerator<Buffer> {
  if (end <= start) return;
  const handle = await fs.promises.open(file, 'r');
  const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
  let current = 0;
  let pos = start > 0 ? start - 1 : 0;
  let pending: Promise<{ bytesRead: number }> | undefined = handle.read(buffers[0], 0, READ_BYTES, pos);
  try {
    let skipping = start > 0; // inside the line the previous range finishes
    for (;;) {
      const { bytesRead } = await pending!;
      pending = undefined;
      if (bytesRead === 0) return;
      const buf = buffers[current];
      const chunkStart = pos;
      pos += bytesRead;
      let from = 0;
      let piece: Buffer | undefined;
      let last = false;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl >= 0 && nl < bytesRead) {
          skipping = false;
          from = nl + 1;
          if (chunkStart + from >= end) return; // no line starts inside this range
        }
      }
      if (!skipping) {
        // the last line this range owns starts before `end`: stop at the newline at or after end - 1
        const nl = pos < end ? -1 : buf.indexOf(10, Math.max(from, end - 1 - chunkStart));
        last = nl >= 0 && nl < bytesRead;
        const to = last ? nl + 1 : bytesRead;
        if (to > from) piece = buf.subarray(from, to);
      }
      if (!last) {
        current ^= 1;
        pending = handle.read(buffers[current], 0, READ_BYTES, pos);
      }
      if (piece) yield piece;
      if (last) return;
    }
  } finally {
    await pending?.catch(() => undefined);
    await handle.close();
  }
}
