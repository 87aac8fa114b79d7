/**
 * How the system cron daemon (Vixie/ISC cron, cronie, Debian's cron) reads a crontab time spec,
 * where that differs from croner's reading. croner still parses the fields and matches calendar
 * days; this only rewrites what the daemon reads differently and says how the daemon classifies
 * the entry for clock changes.
 */
import { NICKNAMES } from './fast-slots.js';

/** Whose rules name a schedule's slots: the cron daemon's (crontab hosts) or croner's (in-process). */
export type CronSemantics = 'daemon' | 'croner';
export const DEFAULT_CRON_SEMANTICS: CronSemantics = 'daemon';

export interface DaemonEntry {
  /** The expression for croner: macros expanded, day-of-week ranges as the daemon reads them. */
  expression: string;
  /** Day-of-month and day-of-week must both match: either field begins with `*` (`*\/2` too). */
  domAndDow: boolean;
  /**
   * A fixed-time entry (neither minute nor hour begins with `*`): across a DST change it runs once
   * for a skipped wall time, right after the jump, and only once in a repeated hour. Otherwise the
   * entry is "wildcard" and runs by the wall clock.
   */
  fixedTime: boolean;
}

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const entries = new Map<string, DaemonEntry>();

/** The daemon's reading of a schedule (5 fields, 6 with seconds first, or a macro). */
export function daemonEntry(schedule: string): DaemonEntry {
  let entry = entries.get(schedule);
  if (!entry) {
    entry = readEntry(schedule);
    entries.set(schedule, entry);
  }
  return entry;
}

function readEntry(schedule: string): DaemonEntry {
  const name = schedule.trim().toLowerCase();
  // an own key only: a schedule read from a log may be "__proto__" or "constructor"
  const text = Object.hasOwn(NICKNAMES, name) ? NICKNAMES[name] : schedule.trim();
  const fields = text.split(/\s+/);
  // anything else is croner's to reject, with its own message
  if (fields.length !== 5 && fields.length !== 6) return { expression: text, domAndDow: false, fixedTime: false };
  const at = fields.length - 5;
  const [minute, hour, dom, , dow] = fields.slice(at);
  fields[at + 4] = dow.split(',').map(dowTerm).join(',');
  return {
    expression: fields.join(' '),
    domAndDow: dom.startsWith('*') || dow.startsWith('*'),
    fixedTime: !minute.startsWith('*') && !hour.startsWith('*'),
  };
}

/**
 * One day-of-week list term. The daemon reads `sun` as 0 (croner reads a range's `-sun` as 7, so
 * `0-sun` would be every day instead of Sunday), and a range ending in 0 after a larger start as
 * ending in 7 (`fri-sun`, `5-0`: Friday to Sunday). Other terms are croner's already.
 */
function dowTerm(term: string): string {
  const range = /^([a-z]+|\d+)-([a-z]+|\d+)(\/\d+)?$/i.exec(term);
  if (!range) return term;
  const lo = dayNumber(range[1]);
  let hi = dayNumber(range[2]);
  if (lo === undefined || hi === undefined) return term;
  if (lo > hi && hi === 0) hi = 7;
  return `${lo}-${hi}${range[3] ?? ''}`;
}

function dayNumber(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const i = DAY_NAMES.indexOf(text.toLowerCase());
  return i < 0 ? undefined : i;
}
