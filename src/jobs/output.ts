/**
 * Generated content on disk: one Markdown file per slot, named `<slot>--<slug>.md`, written with
 * writeFileAtomic (files/atomic-write.ts) so a killed run never leaves half a file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { removeAbandonedTemps } from '../files/atomic-write.js';

/** 2026-04-19T14:15:00.000Z → 2026-04-19T1415Z (sorts by time, safe on every filesystem). */
export function slotStamp(slot: string | Date): string {
  const iso = (typeof slot === 'string' ? new Date(slot) : slot).toISOString();
  return `${iso.slice(0, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19) === '00' ? '' : iso.slice(17, 19)}Z`;
}

/** A title as a file-name part: lowercase ASCII letters, digits and dashes, nothing else. */
export function slugify(title: string, max = 60): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'untitled';
}

/** The first Markdown heading, else the first non-empty line, trimmed. */
export function titleOf(content: string): string {
  const lines = content
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const heading = lines.find((l) => /^#{1,3}\s+\S/.test(l));
  const raw = (heading ?? lines[0] ?? '').replace(/^#+\s*/, '').replace(/[*_`]/g, '');
  return raw.slice(0, 120);
}

/** Files already written for this slot (normally zero or one). */
export function existingOutputs(outDir: string, slot: string): string[] {
  const prefix = `${slotStamp(slot)}--`;
  try {
    return fs
      .readdirSync(outDir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.md'))
      .map((f) => path.join(outDir, f));
  } catch {
    return [];
  }
}

/**
 * Temp files of this slot that a killed run left behind: removed by the next run of the slot, which
 * holds the slot's lock. They are hidden and never counted as output meanwhile (existingOutputs wants
 * a visible `.md`).
 */
export function removeSlotTemps(outDir: string, slot: string): void {
  removeAbandonedTemps(outDir, `${slotStamp(slot)}--`);
}

export function outputPath(outDir: string, slot: string, title: string): string {
  const file = path.join(outDir, `${slotStamp(slot)}--${slugify(title)}.md`);
  // slugify leaves no separators; this guards the invariant anyway
  if (path.dirname(file) !== path.resolve(outDir)) throw new Error(`refusing to write outside ${outDir}`);
  return file;
}

export function frontmatter(fields: Record<string, string | number | boolean | undefined>): string {
  const lines = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    // JSON strings are valid YAML scalars: no quoting surprises from titles with colons
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `---\n${lines.join('\n')}\n---\n\n`;
}
