/**
 * When lucy-ops first wrote about a job (or about any job), where judging begins (judging.ts):
 * the earliest instant records speak for. A run started by cron (trigger `cron`) speaks from its
 * slot (it ran for that slot, just before writing); other runs (backfill, manual) from when they
 * were written, since they may name a slot from long before lucy-ops was installed.
 */
export class Earliest {
  ms = Infinity;
  private text = '';

  note(ts: string, scheduledFor: string, trigger: string): void {
    const cron = trigger === 'cron';
    if (canonical(ts) && (!cron || canonical(scheduledFor))) {
      // ISO strings in one shape compare as text: the rules below only for a new earliest
      const text = cron && scheduledFor < ts ? scheduledFor : ts;
      if (this.text === '' || text < this.text)
        this.noteAt(Date.parse(ts), cron ? Date.parse(scheduledFor) : NaN, cron);
      return;
    }
    this.noteAt(Date.parse(ts), cron ? Date.parse(scheduledFor) : NaN, cron);
  }

  /**
   * `note` for times already read as epoch ms. A cron run speaks from its slot only when it was
   * written within a day of it (cron starts a run at its slot; a record naming a slot from long
   * before its own time is not evidence of that slot), and no time before 2000 speaks at all (a
   * crafted or broken record must not move judging back to year 1).
   */
  noteAt(tsMs: number, slotMs: number, cron: boolean): void {
    const fromSlot = cron && slotMs < tsMs && tsMs - slotMs <= DAY_MS;
    const ms = Number.isNaN(tsMs) ? (cron ? slotMs : NaN) : fromSlot ? slotMs : tsMs;
    if (ms < this.ms) this.set(ms);
  }

  /** Merge in an instant already worked out (another thread's earliest). */
  noteMs(ms: number): void {
    if (ms < this.ms) this.set(ms);
  }

  private set(ms: number): void {
    if (Number.isNaN(ms) || ms < PLAUSIBLE_FROM_MS) return;
    this.ms = ms;
    this.text = new Date(ms).toISOString();
  }
}

const DAY_MS = 24 * 3600_000;

/** 2000-01-01: no lucy-ops record is older; an earlier time is a broken or crafted one. */
export const PLAUSIBLE_FROM_MS = Date.UTC(2000, 0, 1);

/** `2026-04-19T14:15:00.000Z`, as JobLog writes every time. */
function canonical(text: string): boolean {
  return text.length === 24 && text.charCodeAt(23) === 90 /* Z */ && text.charCodeAt(10) === 84; /* T */
}
