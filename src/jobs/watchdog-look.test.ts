import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/types.js';
import { LOOK_KEY, lookBy, openWatchdogLook } from './watchdog-look.js';

const AT = Date.parse('2026-04-19T11:30:00Z');

function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-look-'));
  const config = {
    log: path.join(dir, 'logs/jobs.jsonl'),
    stateDir: path.join(dir, '.lucy-ops'),
    state: { keyPrefix: 'lucy-ops:' },
  } as unknown as ResolvedConfig;
  const statePath = path.join(config.stateDir, 'state.json');
  const entries = () => JSON.parse(fs.readFileSync(statePath, 'utf8')).entries;
  return { dir, config, statePath, entries };
}

describe('the watchdog look', () => {
  it("keeps this run's look in one key, and gives it to the next run of the same host and log", async () => {
    const { config, entries } = project();
    const first = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'host-a /logs' });
    expect(first.previous).toBeUndefined();
    await first.keep({ at: AT, jobs: ['sm', 'gone'] });
    expect(entries()).toEqual({ [LOOK_KEY]: { at: AT, jobs: ['sm', 'gone'], by: 'host-a /logs' } });
    const next = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'host-a /logs' });
    expect(next.previous).toEqual({ at: AT, jobs: ['sm', 'gone'], by: 'host-a /logs' });
    await next.close();
  });

  it('passes over a look whose time it could not have written (out of range, before 1970, after now)', async () => {
    const { config, statePath, entries } = project();
    const first = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'h /l' });
    await first.keep({ at: AT, jobs: ['gone'] });
    for (const at of [-1e16, 1e16, -1, AT + 1, 1.5, 'x']) {
      fs.writeFileSync(
        statePath,
        JSON.stringify({ version: 1, entries: { [LOOK_KEY]: { ...entries()[LOOK_KEY], at } } }),
      );
      const look = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'h /l' });
      expect(look.previous, String(at)).toBeUndefined();
      await look.close();
    }
    fs.writeFileSync(
      statePath,
      JSON.stringify({ version: 1, entries: { [LOOK_KEY]: { at: AT, jobs: ['gone'], by: 'h /l' } } }),
    );
    const kept = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'h /l' });
    expect(kept.previous?.at).toBe(AT);
    await kept.close();
  });

  it("passes over another host's look (a shared Redis): its config says nothing of this one's", async () => {
    const { config } = project();
    const other = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'host-b /logs' });
    await other.keep({ at: AT, jobs: ['gone'] });
    const here = await openWatchdogLook(config, { warn: () => {}, now: AT, by: 'host-a /logs' });
    expect(here.previous).toBeUndefined();
    await here.close();
    expect(lookBy({ log: '/srv/app/logs/jobs.jsonl' }, 'web1')).toBe('web1 /srv/app/logs/jobs.jsonl');
  });

  it('says what the store found (a corrupt state.json moved aside): breaker state and alert memory went with it', async () => {
    const { config, statePath } = project();
    fs.mkdirSync(config.stateDir, { recursive: true });
    fs.writeFileSync(statePath, '{"version":1,"entries":{"breaker:p1":');
    const warnings: string[] = [];
    const look = await openWatchdogLook(config, { warn: (m) => warnings.push(m), now: AT, by: 'h /l' });
    expect(look.previous).toBeUndefined();
    await look.keep({ at: AT, jobs: ['sm'] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/state\.json was not valid JSON .*moved it to .*state\.json\.corrupt-/);
  });

  it('a store it cannot use (a file where stateDir should be) loses the look without a word or a throw', async () => {
    const { config } = project();
    fs.mkdirSync(path.dirname(config.stateDir), { recursive: true });
    fs.writeFileSync(config.stateDir, 'not a folder');
    const warnings: string[] = [];
    const look = await openWatchdogLook(config, { warn: (m) => warnings.push(m), now: AT, by: 'h /l' });
    expect(look.previous).toBeUndefined();
    await expect(look.keep({ at: AT, jobs: ['sm'] })).resolves.toBeUndefined();
    expect(warnings).toEqual([]);
    expect(fs.readFileSync(config.stateDir, 'utf8')).toBe('not a folder');
  });
});
