/**
 * A worker thread of the gap analysis: reads one byte range of a log file into a ledger of its
 * own and hands it back as plain data (see parallel-scan.ts and ledger-merge.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { scanFileRange, type ByteRange } from '../log/file-range.js';
import { newReadStats } from '../log/reader.js';
import { SlotLedger } from './ledger.js';
import type { JobSchedule } from './ledger-types.js';
import { snapshotBuffers, snapshotLedger } from './ledger-merge.js';
import { decodeGapLine } from './quick-decode.js';

export interface GapWorkerInput {
  file: string;
  range: ByteRange;
  jobs: JobSchedule[];
  /** The whole file's ledger's slot steps (SlotLedger.spacings), so this one lays out its tables alike. */
  spacings: Array<[string, number]>;
  sinceMs: number;
  untilMs: number;
  lateAfterMs?: number;
}

const input = workerData as GapWorkerInput;
const ledger = new SlotLedger(
  input.jobs,
  { since: new Date(input.sinceMs), until: new Date(input.untilMs) },
  { lateAfterMs: input.lateAfterMs, presize: false, spacings: new Map(input.spacings) },
);
const stats = newReadStats();
await scanFileRange(
  input.file,
  input.range,
  (text, start, end, bytes) => decodeGapLine(text, start, end, ledger, bytes),
  stats,
);
const snapshot = snapshotLedger(ledger);
parentPort!.postMessage({ snapshot, stats }, snapshotBuffers(snapshot));
