/**
 * The zone names that are UTC: offset 0 at every instant, no DST. One set for the slot readers
 * (croner's fixed-offset path, the arithmetic slot path) and the views' `--tz`, kept in a file of
 * its own so a view can ask without loading croner. Every name here is one Intl accepts, so a
 * config's `tz` in this set is valid without asking Intl.
 */
export const UTC_ZONES: ReadonlySet<string> = new Set([
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'UCT',
  'Etc/UCT',
  'Universal',
  'Etc/Universal',
  'Zulu',
  'Etc/Zulu',
  'GMT0',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'Greenwich',
  'Etc/Greenwich',
]);

/** Whether `tz` names UTC (exact spelling, as a config writes it). */
export function isUtcZone(tz: string): boolean {
  return UTC_ZONES.has(tz);
}
