import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SEARCH_PLACES } from './load.js';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-load-'));

async function loadError(explicit: string | undefined, cwd: string): Promise<ConfigError> {
  const err = await loadConfig(explicit, { cwd }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadConfig errors', () => {
  it('--config <folder> says it is a folder and names the config file inside', async () => {
    const d = dir();
    expect((await loadError(d, d)).message).toBe(
      `config ${d} is a folder: --config takes the config file itself, e.g. --config ${path.join(d, 'lucy-ops.config.ts')}`,
    );
    fs.writeFileSync(path.join(d, 'lucy-ops.config.yml'), 'providers: []\n');
    expect((await loadError(d, d)).message).toContain(`e.g. --config ${path.join(d, 'lucy-ops.config.yml')}`);
  });

  it('"no config found" lists every file name the search loads', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'package.json'), '{}'); // stops the search here
    const message = (await loadError(undefined, d)).message;
    expect(SEARCH_PLACES).toContain('.lucy-opsrc.json');
    for (const name of SEARCH_PLACES) expect(message).toContain(name);
  });

  it('every listed name really loads (.yml and .lucy-opsrc.json too)', async () => {
    for (const [name, text] of [
      ['lucy-ops.config.yml', 'providers:\n  - { name: p1, baseUrl: "http://127.0.0.1:9/v1", model: m }\n'],
      [
        '.lucy-opsrc.json',
        JSON.stringify({ providers: [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' }] }),
      ],
    ]) {
      const d = dir();
      fs.writeFileSync(path.join(d, 'package.json'), '{}');
      fs.writeFileSync(path.join(d, name), text);
      const config = await loadConfig(undefined, { cwd: d });
      expect(config.configPath).toBe(path.join(d, name));
      expect(config.providers[0].name).toBe('p1');
    }
  });
});
