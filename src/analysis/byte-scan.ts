/**
 * Byte-level pieces of the gap analysis's line reader (byte-decode.ts): fixed texts compared four
 * bytes at a time, quotes found, ISO times and decimal digits read, all on the bytes of one ASCII
 * piece of the log without making a string.
 */

/** `2026-04-19T14:15:00.000Z`: the length of every time JobLog writes. */
export const ISO_LENGTH = 24;

/**
 * A fixed text of 4 bytes or more, as little-endian 32-bit words: whole words from its start, then
 * its last four bytes (which may overlap the word before), so it is compared four bytes at a time.
 */
export interface Key {
  length: number;
  words: Uint32Array;
}
export function bytesOf(text: string): Key {
  const bytes = Buffer.from(text, 'latin1');
  const whole = Math.ceil(text.length / 4) - 1;
  const words = new Uint32Array(whole + 1);
  for (let i = 0; i < whole; i++) words[i] = bytes.readUInt32LE(4 * i);
  words[whole] = bytes.readUInt32LE(text.length - 4);
  return { length: text.length, words };
}

/** Whether `b` holds `key` at `pos`, ending before `last`. */
export function at(b: Buffer, pos: number, key: Key, last: number): boolean {
  return atView(viewOf(b), pos, key, last);
}

/** `at` on the view of `b` (viewOf): hot callers fetch it once a line. */
export function atView(view: DataView, pos: number, key: Key, last: number): boolean {
  const n = key.length;
  if (pos + n > last) return false;
  const words = key.words;
  const tail = words.length - 1;
  for (let i = 0; i < tail; i++) if (view.getUint32(pos + 4 * i, true) !== words[i]) return false;
  return view.getUint32(pos + n - 4, true) === words[tail];
}

// One DataView per piece of the log, made when its first line is read.
let viewBytes: Buffer | undefined;
let view = new DataView(new ArrayBuffer(0));
/** A DataView of `b`'s bytes (offsets as in `b`), the same one while `b` is. */
export function viewOf(b: Buffer): DataView {
  if (b !== viewBytes) {
    viewBytes = b;
    view = new DataView(b.buffer as ArrayBuffer, b.byteOffset, b.length);
  }
  return view;
}

/** The next `"` from `pos`, before `last`; -1 when none, or when a `\` comes first. */
export function quote(b: Buffer, pos: number, last: number): number {
  for (let i = pos; i < last; i++) {
    const c = b[i];
    if (c === 34) return i;
    if (c === 92) return -1;
  }
  return -1;
}

// The day part of the last time read, and its epoch ms: a log's times share their day in runs.
let lastDayKey = -1;
let lastDayMs = 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` at `pos` (followed by `"`) as epoch ms, the value Date.parse gives;
 * NaN for anything else (even what Date.parse would accept: the text path decides those).
 */
export function isoMs(b: Buffer, pos: number, last: number): number {
  if (pos + ISO_LENGTH >= last || b[pos + ISO_LENGTH] !== 34) return NaN;
  if (
    b[pos + 4] !== 45 /* - */ ||
    b[pos + 7] !== 45 ||
    b[pos + 10] !== 84 /* T */ ||
    b[pos + 13] !== 58 /* : */ ||
    b[pos + 16] !== 58 ||
    b[pos + 19] !== 46 /* . */ ||
    b[pos + 23] !== 90 /* Z */
  )
    return NaN;
  const century = two(b, pos);
  const yy = two(b, pos + 2);
  const month = two(b, pos + 5);
  const day = two(b, pos + 8);
  const hour = two(b, pos + 11);
  const minute = two(b, pos + 14);
  const second = two(b, pos + 17);
  const centis = two(b, pos + 20);
  const milli = b[pos + 22] - 48;
  if ((century | yy | month | day | hour | minute | second | centis | milli | (9 - milli)) < 0) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const year = century * 100 + yy;
  const ms = centis * 10 + milli;
  const dayKey = year * 10000 + month * 100 + day;
  if (dayKey !== lastDayKey) {
    // years below 1000 are left to Date.parse (Date.UTC reads 0–99 as 1900–1999)
    if (year < 1000 || month < 1 || month > 12 || day < 1) return NaN;
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
    if (day > DAYS_IN_MONTH[month - 1] + leap) return NaN;
    lastDayKey = dayKey;
    lastDayMs = Date.UTC(year, month - 1, day);
  }
  return lastDayMs + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

/** The two decimal digits at `at` as a number; negative when either is not a digit. */
function two(b: Buffer, at: number): number {
  const hi = b[at] - 48;
  const lo = b[at + 1] - 48;
  return (hi | (9 - hi) | lo | (9 - lo)) < 0 ? -1 : hi * 10 + lo;
}

/** The decimal number of `n` digits at `pos`; -1 if any is not a digit. */
export function digits(b: Buffer, pos: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = b[pos + i] - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Whether `b[from, to)` holds the characters of `text`. */
export function sameText(text: string, b: Buffer, from: number, to: number): boolean {
  if (text.length !== to - from) return false;
  let i = 0;
  while (i < text.length && text.charCodeAt(i) === b[from + i]) i++;
  return i === text.length;
}

/**
 * Texts a log names over and over (schedules, time zones, providers): the last few of each kind,
 * checked byte by byte, so a line naming one makes no string for it.
 */
const KNOWN_TEXTS = 32;
export function known(texts: string[], b: Buffer, text: string, from: number, to: number): string {
  for (let k = 0; k < texts.length; k++) if (sameText(texts[k], b, from, to)) return texts[k];
  // a flat copy: a slice would keep the whole chunk of the log alive
  const copy = Buffer.from(text.slice(from, to), 'latin1').toString('latin1');
  if (texts.length >= KNOWN_TEXTS) texts.pop();
  texts.unshift(copy);
  return copy;
}
