/**
 * A zone's UTC offset at an instant, from Intl alone: the slot code and the human views share it,
 * and a view that only prints times does not load croner for it.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset at an instant, in ms (wall time = UTC + offset). */
export function offsetAt(tz: string, ms: number): number {
  let fmt = formats.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(tz, fmt);
  }
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}
