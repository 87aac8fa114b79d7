/**
 * Which runs served a slot, kept small: a slot another host served shows in this host's log as a
 * skip naming the serving run (`servedRunId`). Whether that run is one of the ok runs of the logs
 * read decides whether the skip adds a serve (this host's log alone: one more serve) or names one
 * already counted (both hosts' logs read together). Run ids are kept as 31-bit hashes: per slot
 * the XOR of its distinct ok runs' hashes, for a slot served by two or more also the first one's
 * (which names both runs of a slot served twice exactly), and from a third run a list of all.
 */

/** FNV-1a of a run id's characters, 31 bits, never 0 (0: no id known). */
export function runIdHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash & 0x7fffffff || 1;
}

/**
 * runIdHash of the bytes `b[from, to)` of a JSON string: undefined when one is not ASCII or is an
 * escape (the parsed text decides then).
 */
export function runIdHashBytes(b: Uint8Array, from: number, to: number): number | undefined {
  let hash = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c >= 0x80 || c === 92 /* \\ */) return undefined;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  return hash & 0x7fffffff || 1;
}

/**
 * The distinct ok runs' ids of a slot: `xor` of all their hashes, `pair` the first one's once
 * there are two, `more` all of them once there are three.
 */
export interface OkRunIds {
  xor: number | undefined;
  pair: number | undefined;
  more?: readonly number[] | undefined;
}

/** Whether the run with id hash `hash` is one of the slot's ok runs. */
export function isOkRun(ids: OkRunIds, hash: number): boolean {
  if (ids.xor === undefined) return false;
  if (ids.more !== undefined) return ids.more.includes(hash);
  if (ids.pair === undefined) return ids.xor === hash;
  return ids.pair === hash || (ids.xor ^ ids.pair) === hash;
}
