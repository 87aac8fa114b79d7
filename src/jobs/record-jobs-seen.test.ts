import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlotLedger } from '../analysis/ledger.js';
import type { ResolvedConfig } from '../config/types.js';
import { recordJobsSeen } from './record-jobs-seen.js';

const NOW = Date.parse('2026-04-19T12:30:00Z');
const WINDOW = { since: new Date('2026-04-19T10:00:00Z'), until: new Date(NOW) };
const job = { schedule: '0 * * * *', tz: 'UTC' };
const configOf = (log: string, names: string[]) =>
  ({ log, jobs: Object.fromEntries(names.map((n) => [n, job])) }) as unknown as ResolvedConfig;
const lines = (file: string) =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

describe('recordJobsSeen', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-seen-')), 'logs/jobs.jsonl');
  const opts = { now: NOW, complete: true, warn: () => {} };
  const ledgerOf = () => {
    const ledger = new SlotLedger([], WINDOW, { now: new Date(NOW) });
    for (const record of lines(file)) ledger.add(record);
    return ledger;
  };

  it('seeds an empty log, then writes only names not seen, once; the ledger judges with it at once', () => {
    const first = ledgerOf();
    expect(recordJobsSeen(configOf(file, ['blog', 'threads']), first, opts)).toEqual(['blog', 'threads']);
    expect(first.jobsSeen.has('blog')).toBe(true);
    expect(recordJobsSeen(configOf(file, ['blog', 'threads']), ledgerOf(), opts)).toEqual([]);
    const later = ledgerOf();
    expect(recordJobsSeen(configOf(file, ['blog', 'threads', 'fresh']), later, { ...opts, now: NOW + 60_000 })).toEqual(
      ['fresh'],
    );
    expect(later.jobsSeen.addedAt('fresh')).toBe(NOW + 60_000);
    expect(lines(file).map((r) => [r.event, r.job, r.jobs, r.seed ?? false])).toEqual([
      ['jobs.seen', 'watchdog', ['blog', 'threads'], true],
      ['jobs.seen', 'watchdog', ['fresh'], false],
    ]);
  });

  it('writes nothing when a log was not read to its end, and counts nothing it could not write', () => {
    const before = lines(file).length;
    expect(recordJobsSeen(configOf(file, ['other']), ledgerOf(), { ...opts, complete: false })).toEqual([]);
    expect(lines(file)).toHaveLength(before);
    // a log path under a regular file cannot be written: the note is not taken into judging
    const blocked = path.join(file, 'cannot/jobs.jsonl');
    const warnings: string[] = [];
    const ledger = new SlotLedger([], WINDOW);
    const names = recordJobsSeen(configOf(blocked, ['other']), ledger, { ...opts, warn: (m) => warnings.push(m) });
    expect([names, ledger.jobsSeen.any, warnings.length]).toEqual([[], false, 1]);
  });
});
