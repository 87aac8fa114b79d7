/** Config discovery and loading as a crontab line meets it: every format, --config, search upward. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.js';
import { isRoot, NOBODY, permissionTestsCanRun } from './helpers/as-nobody.js';

// as root, the permission tests run the CLI as nobody: only possible when nobody can reach it
const ROOT_DIR = path.resolve(path.dirname(BIN), '..');
const permissionTests = permissionTestsCanRun([
  process.execPath,
  BIN,
  path.join(ROOT_DIR, 'dist/cli/main.js'),
  path.join(ROOT_DIR, 'node_modules/commander/package.json'),
]);
if (!permissionTests)
  console.warn(
    'SKIPPING permission tests: running as root in a checkout that user nobody cannot reach (e.g. under /root)',
  );

const PROVIDERS = [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm1' }];
const JOBS = { blog: { schedule: '0 * * * *', outDir: 'out', prompt: 'x' } };

function dir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-ops-config-'));
}

async function status(cwd: string, args: string[] = [], env: Record<string, string> = {}) {
  return runCli(['breaker', 'status', '--json', ...args], { cwd, env });
}

describe('config loading', () => {
  it('loads lucy-ops.config.ts with defineConfig, without lucy-ops installed beside it, cached or not', async () => {
    const d = dir();
    const cache = dir();
    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.ts'),
      `import { defineConfig } from 'lucy-ops';\nconst timeout: number = 1234;\nexport default defineConfig({ providers: [{ name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm1', timeoutMs: timeout }], jobs: ${JSON.stringify(JOBS)} });\n`,
    );
    for (let i = 0; i < 2; i++) {
      const r = await status(d, [], { XDG_CACHE_HOME: cache });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.json.providers.map((p: any) => p.provider)).toEqual(['p1']);
    }
    // the second run read the transpiled cache
    expect(fs.readdirSync(path.join(cache, 'lucy-ops/config')).filter((f) => f.endsWith('.cjs'))).toHaveLength(1);
  });

  it('follows local imports of a .ts config', async () => {
    const d = dir();
    fs.writeFileSync(
      path.join(d, 'providers.ts'),
      `export const providers: object[] = ${JSON.stringify(PROVIDERS)};\n`,
    );
    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.ts'),
      `import { providers } from './providers.ts';\nexport default { providers, jobs: ${JSON.stringify(JOBS)} };\n`,
    );
    const r = await status(d, [], { XDG_CACHE_HOME: dir() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.providers[0].provider).toBe('p1');
  });

  it.each([
    ['lucy-ops.config.mjs', `export default ${JSON.stringify({ providers: PROVIDERS })};`],
    ['lucy-ops.config.json', JSON.stringify({ providers: PROVIDERS })],
    ['lucy-ops.config.yaml', `providers:\n  - name: p1\n    baseUrl: http://127.0.0.1:9/v1\n    model: m1\n`],
  ])('loads %s', async (file, text) => {
    const d = dir();
    fs.writeFileSync(path.join(d, file), text);
    const r = await status(d);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.json.providers[0].provider).toBe('p1');
  });

  it('searches upward from a subfolder, and paths are relative to the config file', async () => {
    const d = dir();
    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.json'),
      JSON.stringify({ stateDir: 'state-here', providers: PROVIDERS }),
    );
    const sub = path.join(d, 'a/b');
    fs.mkdirSync(sub, { recursive: true });
    const r = await runCli(['breaker', 'trip', 'p1', '--for', '10m', '--json'], { cwd: sub });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(d, 'state-here/state.json'))).toBe(true);
    expect(fs.existsSync(path.join(sub, 'state-here'))).toBe(false);
  });

  it('--config points anywhere', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'ops.json'), JSON.stringify({ providers: PROVIDERS }));
    const r = await status(dir(), ['--config', path.join(d, 'ops.json')]);
    expect(r.exitCode, r.stderr).toBe(0);
  });

  it('exit 78 with a clear message: no config, a missing --config file, a syntax error, bad fields', async () => {
    const none = await status(dir());
    expect(none.exitCode).toBe(78);
    expect(none.stderr).toMatch(/no lucy-ops config found/);

    const missing = await status(dir(), ['--config', '/nonexistent/x.json']);
    expect(missing.exitCode).toBe(78);
    expect(missing.stderr).toMatch(/config file not found: \/nonexistent\/x.json/);

    const d = dir();
    fs.writeFileSync(path.join(d, 'lucy-ops.config.json'), '{ "providers": [ ');
    const broken = await status(d);
    expect(broken.exitCode).toBe(78);
    expect(broken.stderr).toMatch(/cannot load config .*lucy-ops.config.json/);

    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.json'),
      JSON.stringify({
        providers: [{ name: 'p1', api: 'anthropic', baseUrl: 'ftp://x', model: 'm', timeoutMs: 'soon' }],
        retry: { atempts: 3 },
      }),
    );
    const bad = await status(d);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toContain('providers[0].api: must be one of openai, got "anthropic"');
    expect(bad.stderr).toContain('providers[0].baseUrl: must be an http(s) URL');
    expect(bad.stderr).toContain('providers[0].timeoutMs: must be a whole number, got "soon"');
    expect(bad.stderr).toContain('retry.atempts: is not a known field');
    // under --json, stdout is still one JSON document: the error, with the same exit code
    expect(bad.json).toEqual({ error: { message: expect.stringContaining('providers[0].baseUrl'), exitCode: 78 } });
  });

  it('names the problem plainly: --config <folder>, every search place, top-level paths, a string command', async () => {
    const folder = dir();
    fs.writeFileSync(path.join(folder, 'lucy-ops.config.json'), JSON.stringify({ providers: PROVIDERS }));
    const given = await status(dir(), ['--config', folder]);
    expect(given.exitCode).toBe(78);
    expect(given.stderr).toContain(
      `config ${folder} is a folder: --config takes the config file itself, e.g. --config ${path.join(folder, 'lucy-ops.config.json')}`,
    );

    const none = dir();
    fs.writeFileSync(path.join(none, 'package.json'), '{}'); // the search stops here
    const nothing = await status(none);
    expect(nothing.stderr).toContain('lucy-ops.config.yml, .lucy-opsrc.json');

    const d = dir();
    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.json'),
      JSON.stringify({
        providers: PROVIDERS,
        deadlineMs: -1,
        jobs: { x: { schedule: '0 * * * *', command: 'npm run x' } },
      }),
    );
    const bad = await status(d);
    expect(bad.exitCode).toBe(78);
    expect(bad.stderr).toMatch(/^ {2}deadlineMs: must be at least 1, got -1$/m);
    expect(bad.stderr).toContain(
      'jobs.x.command: must be an array: the command and its arguments, run without a shell (e.g. ["npm", "run", "x"])',
    );
    expect(bad.stderr).not.toContain('needs either a prompt');
  });

  it('a stateDir that cannot be a folder is a configuration error (78) naming it, for every command that opens it', async () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'lucy-ops.config.json'), JSON.stringify({ providers: PROVIDERS, jobs: JOBS }));
    fs.writeFileSync(path.join(d, '.lucy-ops'), 'a file, not a folder');
    for (const args of [
      ['breaker', 'status'],
      ['breaker', 'trip', 'p1'],
      ['generate', 'blog'],
    ]) {
      const r = await runCli([...args, '--json'], { cwd: d });
      expect(r.exitCode, args.join(' ')).toBe(78);
      expect(r.stderr).toContain(
        `lucy-ops: stateDir ${path.join(d, '.lucy-ops')} is not a folder (a file is in the way)`,
      );
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.json).toEqual({ error: { message: expect.stringContaining('stateDir'), exitCode: 78 } });
    }
  });

  it.skipIf(!permissionTests)(
    'a stateDir that cannot be created (no permission) is a configuration error too',
    async () => {
      const d = dir();
      fs.writeFileSync(path.join(d, 'lucy-ops.config.json'), JSON.stringify({ providers: PROVIDERS }));
      // root may write anywhere: run as nobody, for whom the project folder is read-only
      const asRoot = isRoot();
      fs.chmodSync(d, asRoot ? 0o755 : 0o555);
      const r = await execa(process.execPath, [BIN, 'breaker', 'trip', 'p1'], {
        cwd: d,
        reject: false,
        env: { NO_COLOR: '1' },
        ...(asRoot ? NOBODY : {}),
      });
      fs.chmodSync(d, 0o755);
      expect(r.exitCode).toBe(78);
      expect(String(r.stderr)).toContain(
        `lucy-ops: stateDir ${path.join(d, '.lucy-ops')} cannot be created (permission denied)`,
      );
    },
  );

  it.skipIf(!permissionTests)(
    'a stateDir that exists but this user may not write is a configuration error at its first write',
    async () => {
      const d = dir();
      fs.writeFileSync(path.join(d, 'lucy-ops.config.json'), JSON.stringify({ providers: PROVIDERS, jobs: JOBS }));
      const stateDir = path.join(d, '.lucy-ops');
      fs.mkdirSync(path.join(stateDir, 'locks'), { recursive: true });
      const asRoot = isRoot();
      fs.chmodSync(d, 0o755); // the project itself stays readable (and, as nobody, not writable)
      for (const f of [stateDir, path.join(stateDir, 'locks')]) fs.chmodSync(f, 0o555);
      try {
        for (const args of [
          ['breaker', 'trip', 'p1'],
          ['generate', 'blog'],
        ]) {
          const r = await execa(process.execPath, [BIN, ...args], {
            cwd: d,
            reject: false,
            env: { NO_COLOR: '1' },
            ...(asRoot ? NOBODY : {}),
          });
          expect(r.exitCode, `${args.join(' ')}: ${String(r.stderr)}`).toBe(78);
          expect(String(r.stderr)).toContain(`lucy-ops: stateDir ${stateDir} is not writable (permission denied)`);
          expect(String(r.stderr)).not.toMatch(/internal error|\n\s+at /);
        }
      } finally {
        for (const f of [stateDir, path.join(stateDir, 'locks')]) fs.chmodSync(f, 0o755);
      }
    },
  );

  it('an API key variable set but empty is reported as empty, not as unset', async () => {
    const d = dir();
    fs.writeFileSync(
      path.join(d, 'lucy-ops.config.json'),
      JSON.stringify({ providers: [{ ...PROVIDERS[0], apiKeyEnv: 'LUCY_TEST_EMPTY_KEY' }], jobs: JOBS }),
    );
    const r = await runCli(['generate', 'blog'], { cwd: d, env: { LUCY_TEST_EMPTY_KEY: '' } });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain(
      'providers[0].apiKeyEnv: environment variable LUCY_TEST_EMPTY_KEY is empty (needed by provider p1)',
    );
  });
});
