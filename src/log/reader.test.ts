import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { expandRotated, newReadStats, readRecords, scanLines } from './reader.js';
import type { LogRecord } from './types.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-read-'));
const rec = (runId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ts: '2026-04-19T14:00:01Z',
    level: 'info',
    event: 'run.start',
    job: 'blog',
    runId,
    scheduledFor: '2026-04-19T14:00:00Z',
    trigger: 'cron',
    ...extra,
  });

async function collect(sources: string[], opts: Parameters<typeof readRecords>[1] = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of readRecords(sources, opts)) out.push(r);
  return out;
}

describe('readRecords', () => {
  it('skips and counts garbage, records without required fields, and a truncated last line', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    const lines = [
      rec('a'),
      'not json at all',
      '',
      '[1,2,3]',
      JSON.stringify({ ts: '2026-04-19T14:00:01Z', event: 'run.end', job: 'blog' }), // no scheduledFor
      JSON.stringify({ event: 'probe' }), // no ts
      JSON.stringify({ ts: '2026-04-19T14:00:02Z', level: 'info', event: 'probe', provider: 'x', ok: true }), // probes have no slot: fine
      rec('b', { unknownField: { nested: true } }) + '\r',
      rec('c').slice(0, 40), // truncated by a crash mid-write, no newline
    ];
    fs.writeFileSync(file, lines.join('\n'));
    const stats = newReadStats();
    const records = await collect([file], { stats });
    expect(records.map((r) => r.runId ?? r.event)).toEqual(['a', 'probe', 'b']);
    expect(stats.skippedLines).toBe(5);
    expect(stats.lines).toBe(8);
  });

  it('reads a record glued to the end of a cut-short line, skipping only the fragment', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    // a writer killed mid-line, then the next run's records appended right after it
    // (and a whole record whose newline is missing, then the next one)
    const lines = [
      rec('a'),
      rec('cut').slice(0, 50) + rec('b'),
      'junk{"ts":"x' + rec('c').slice(0, 20) + rec('d'),
      rec('e') + rec('f'),
      rec('g'),
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const stats = newReadStats();
    const records = await collect([file], { stats });
    expect(records.map((r) => r.runId)).toEqual(['a', 'b', 'd', 'e', 'f', 'g']);
    expect(stats.skippedLines).toBe(2);
    expect(stats.lines).toBe(8);
  });

  it('accepts a whole last line without a newline, and an empty file', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a.jsonl'), rec('a') + '\n' + rec('b'));
    fs.writeFileSync(path.join(dir, 'empty.jsonl'), '');
    const stats = newReadStats();
    const records = await collect([path.join(dir, 'a.jsonl'), path.join(dir, 'empty.jsonl')], { stats });
    expect(records.map((r) => r.runId)).toEqual(['a', 'b']);
    expect(stats.skippedLines).toBe(0);
  });

  it('reads rotated and gzipped files oldest first, and each file once', async () => {
    const dir = tmp();
    const live = path.join(dir, 'jobs.jsonl');
    fs.writeFileSync(live, rec('live') + '\n');
    fs.writeFileSync(live + '.1', rec('one') + '\n');
    fs.writeFileSync(live + '.2.gz', gzipSync(rec('two') + '\n' + 'garbage\n'));
    fs.writeFileSync(live + '.10.gz', gzipSync(rec('ten') + '\n'));
    fs.writeFileSync(path.join(dir, 'jobs.jsonl.bak'), rec('not-a-rotation') + '\n');
    fs.writeFileSync(path.join(dir, 'other.jsonl.1'), rec('other') + '\n');
    expect(expandRotated(live).map((p) => path.basename(p))).toEqual([
      'jobs.jsonl.10.gz',
      'jobs.jsonl.2.gz',
      'jobs.jsonl.1',
      'jobs.jsonl',
    ]);
    const stats = newReadStats();
    const records = await collect([live, live + '.1'], { stats });
    expect(records.map((r) => r.runId)).toEqual(['ten', 'two', 'one', 'live']);
    expect(stats.skippedLines).toBe(1);
    // a rotated file named on its own is read alone
    expect((await collect([live + '.2.gz'])).map((r) => r.runId)).toEqual(['two']);
    expect((await collect([live], { rotated: false })).map((r) => r.runId)).toEqual(['live']);
  });

  it('reads stdin for "-", gzipped or not, in chunks that split lines and characters', async () => {
    const text = [rec('a', { note: 'naïve ☃ café' }), rec('b'), 'junk', rec('c')].join('\n') + '\n';
    const bytes = Buffer.from(text, 'utf8');
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7)); // splits multi-byte chars too
    const stats = newReadStats();
    const records = await collect(['-'], { stdin: Readable.from(pieces), stats });
    expect(records.map((r) => r.runId)).toEqual(['a', 'b', 'c']);
    expect(records[0].note).toBe('naïve ☃ café');
    expect(stats.skippedLines).toBe(1);

    const gz = new PassThrough();
    gz.end(gzipSync(text));
    expect((await collect(['-'], { stdin: gz })).map((r) => r.runId)).toEqual(['a', 'b', 'c']);
  });

  it('with a line filter, parses only wanted lines but still counts broken ones', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    const probe = JSON.stringify({
      ts: '2026-04-19T14:00:02Z',
      level: 'info',
      event: 'probe',
      provider: 'x',
      ok: true,
    });
    fs.writeFileSync(file, [rec('a'), probe, probe.slice(0, 30), rec('b')].join('\n') + '\n');
    const stats = newReadStats();
    const records = await collect([file], { stats, want: (l) => l.includes('run.start') });
    expect(records.map((r) => r.runId)).toEqual(['a', 'b']);
    expect(stats.skippedLines).toBe(1);
  });

  it('skips an absurdly long line without holding it in memory', async () => {
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, rec('a') + '\n' + 'x'.repeat(17 << 20) + '\n' + rec('b') + '\n');
    const stats = newReadStats();
    const records = await collect([file], { stats });
    expect(records.map((r) => r.runId)).toEqual(['a', 'b']);
    expect(stats.skippedLines).toBe(1);
    expect(stats.lines).toBe(3);
  });

  it('hands every line of a file read in large pieces to the visitor once, whole, as the text has it', async () => {
    // over 3 MiB: lines of every length, one longer than a text piece, non-ASCII lines, CRLF and blank lines
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 3.2 * (1 << 20); i++) {
      const line =
        i === 5000
          ? rec('long', { pad: 'p'.repeat(70_000) })
          : i % 97 === 0
            ? rec(`ü${i}`)
            : rec(`r${i}`, { pad: 'x'.repeat(i % 300) });
      lines.push(line);
      size += line.length + 1;
    }
    const text = lines.map((l, i) => (i % 50 === 0 ? l + '\r\n\n' : l + '\n')).join('');
    const file = path.join(tmp(), 'jobs.jsonl');
    fs.writeFileSync(file, text);
    const seen: string[] = [];
    const stats = await scanLines(
      [file],
      (t, start, end, bytes) => {
        const line = t.slice(start, end);
        if (bytes) expect(bytes.toString('latin1', start, end)).toBe(line);
        seen.push(line);
        return true;
      },
      { rotated: false },
    );
    expect(seen).toEqual(lines);
    expect(stats.lines).toBe(lines.length);
    expect(stats.bytes).toBe(Buffer.byteLength(text));
  });

  it('records an unreadable source without failing the rest', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'ok.jsonl'), rec('a') + '\n');
    fs.writeFileSync(path.join(dir, 'bad.jsonl.3.gz'), gzipSync(rec('x') + '\n' + rec('y') + '\n').subarray(0, 30));
    const stats = newReadStats();
    const records = await collect(
      [path.join(dir, 'bad.jsonl.3.gz'), path.join(dir, 'missing.jsonl'), path.join(dir, 'ok.jsonl')],
      { stats },
    );
    expect(records.map((r) => r.runId)).toContain('a');
    expect(stats.errors).toHaveLength(2);
    expect(stats.errors.join('\n')).toMatch(/missing\.jsonl/);
  });
});
