/**
 * Slots handed out in batches of epoch ms: walking a long window (a year of every minute, a
 * postmortem over months) then costs a generator step per batch instead of a Date and a few
 * generator steps per slot. A producer fills the batch and yields it when full; the consumer must
 * be done with its contents before asking for the next one (the same batch is refilled).
 */
export const BATCH_SLOTS = 1024;

export class SlotBatch {
  readonly times: Float64Array;
  length = 0;

  constructor(capacity = BATCH_SLOTS) {
    this.times = new Float64Array(Math.max(1, capacity));
  }

  /** Add one slot; true when the batch is now full (yield it, then `clear`). */
  push(ms: number): boolean {
    this.times[this.length++] = ms;
    return this.length === this.times.length;
  }

  clear(): void {
    this.length = 0;
  }
}

/** The slots of a batch producer one at a time, as Dates (lazy: one batch ahead at most). */
export function* datesOf(batches: Iterable<SlotBatch>): Generator<Date> {
  for (const batch of batches) for (let i = 0; i < batch.length; i++) yield new Date(batch.times[i]);
}
