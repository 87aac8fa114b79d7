/**
 * A job's slot table (the ledger's IntMap of slot key → counters), sized and laid out for the
 * window: how many slots to make room for, and the usual step between them, so the table places
 * the slots in time order (int-map.ts says why).
 */
import { slotBatchesBetween, type CronSemantics } from '../schedule/slots.js';
import { IntMap } from './int-map.js';

/** A job's schedule (ledger.ts' JobSchedule) and the window (its Window), as far as sizing goes. */
interface Schedule {
  schedule: string;
  tz: string;
  cron?: CronSemantics;
}
interface Span {
  since: Date;
  until: Date;
}

/** Sized up front: growing a big table leaves the old one as garbage until the next full GC. */
const PRESIZE_LIMIT = 1 << 18;
/** Slots walked to size a table: past them the count is extrapolated (a size hint, not a count). */
const PRESIZE_SAMPLE = 2048;

export interface SlotEstimate {
  /** Slots to make room for up front (at most PRESIZE_LIMIT). */
  count: number;
  /** The usual step between the job's slots in the window, in seconds (0: fewer than two slots). */
  spacing: number;
}

/** About how many slots the job has in the window, from the first PRESIZE_SAMPLE of them. */
export function estimateSlots(job: Schedule, window: Span): SlotEstimate {
  const since = window.since.getTime();
  const until = window.until.getTime();
  let n = 0;
  let estimate = 0;
  outer: for (const batch of slotBatchesBetween(job.schedule, job.tz, since, until, job.cron)) {
    for (let i = 0; i < batch.length; i++) {
      if (++n < PRESIZE_SAMPLE) continue;
      // walking a long window's every slot cost as much as judging them: the first ones tell the rate
      const spanMs = batch.times[i] - since;
      estimate = spanMs > 0 ? Math.ceil((n * (until - since) * 1.05) / spanMs) : n;
      break outer;
    }
  }
  const count = Math.max(n, estimate);
  return { count: Math.min(PRESIZE_LIMIT, count), spacing: count >= 2 ? (until - since) / 1000 / count : 0 };
}

/**
 * The job's empty slot table: sized for `estimate.count` slots when given (else grown as slots
 * come), its slots placed in their order at `spacing` (from the estimate, else as given: a range's
 * ledger takes the whole file's).
 */
export function newSlotTable(estimate: SlotEstimate | undefined, spacing = 0): IntMap {
  return new IntMap(estimate?.count ?? 0, estimate?.spacing ?? spacing);
}
