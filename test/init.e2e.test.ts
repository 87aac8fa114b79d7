/** `init`: the crontab never lets npx fetch, keys/state/logs stay out of git, a missing dependency is said. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const project = (pkg?: unknown) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-init-'));
  if (pkg !== undefined) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  return dir;
};

it('lists .lucy-ops.env, the state dir and the logs in .gitignore once; every crontab line sources the keys and runs an installed lucy-ops', async () => {
  const dir = project({ name: 'site', dependencies: { 'lucy-ops': '^0.1.0' } });
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules\n/logs\n'); // logs already ignored, no final newline style
  const first = await runCli(['init', '--dir', dir, '--json'], { cwd: dir });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.json).toMatchObject({
    gitignore: path.join(dir, '.gitignore'),
    ignored: ['.lucy-ops.env', '.lucy-ops/'],
  });
  expect(first.json.warnings).toEqual([]);
  expect(first.stderr).toBe('');
  expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(
    'node_modules\n/logs\n' +
      '# lucy-ops: API keys, sourced by the crontab lines\n.lucy-ops.env\n' +
      '# lucy-ops: breaker state, locks, alert memory (stateDir)\n.lucy-ops/\n',
  );

  const again = await runCli(['init', '--dir', dir, '--force', '--json'], { cwd: dir });
  expect(again.json.gitignore).toBeUndefined(); // already listed: not added twice
  expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').match(/\.lucy-ops\.env/g)).toHaveLength(1);

  const crontab = fs.readFileSync(path.join(dir, 'lucy-ops.crontab'), 'utf8');
  const jobLines = crontab.split('\n').filter((l) => /^[*\d]/.test(l));
  expect(jobLines.length).toBeGreaterThan(0);
  for (const line of jobLines) expect(line).toContain(`cd ${dir} && . ./.lucy-ops.env && npx --no-install lucy-ops `);
  expect(crontab).not.toMatch(/npx lucy-ops/);
  // the morning probe mails a dead fallback too
  expect(jobLines).toContainEqual(expect.stringMatching(/^0 7 \* \* \* .* probe providers --strict >\/dev\/null$/));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('warns (stderr and --json) when lucy-ops is not a dependency of the project, and still writes the files', async () => {
  const none = project();
  const r = await runCli(['init', '--dir', none, '--json'], { cwd: none });
  expect(r.exitCode).toBe(0);
  expect(r.json.warnings).toEqual([
    expect.stringContaining(`no package.json in ${none}; run \`npm install lucy-ops\``),
  ]);
  expect(r.stderr).toContain('lucy-ops: warning: no package.json');
  expect(fs.existsSync(path.join(none, 'lucy-ops.crontab'))).toBe(true);
  expect(r.json.ignored).toEqual(['.lucy-ops.env', '.lucy-ops/', 'logs/']); // a new .gitignore lists all three

  const other = project({ name: 'site', dependencies: { express: '^4' }, devDependencies: { 'lucy-opsx': '1' } });
  const text = await runCli(['init', '--dir', other], { cwd: other });
  expect(text.exitCode).toBe(0);
  expect(text.stderr.trim()).toBe(
    `lucy-ops: warning: lucy-ops is not in the dependencies of ${path.join(other, 'package.json')}; run \`npm install lucy-ops\` in ${other}: the crontab's \`npx --no-install lucy-ops\` runs only an installed lucy-ops`,
  );

  const dev = project({ name: 'site', devDependencies: { 'lucy-ops': 'file:../lucy-ops' } });
  expect((await runCli(['init', '--dir', dev, '--json'], { cwd: dev })).json.warnings).toEqual([]);
  for (const d of [none, other, dev]) fs.rmSync(d, { recursive: true, force: true });
});

it('examples/crontab: every line runs an installed lucy-ops, and the probe line is --strict', () => {
  const lines = fs
    .readFileSync(path.join(import.meta.dirname, '../examples/crontab'), 'utf8')
    .split('\n')
    .filter((l) => /lucy-ops (generate|postmortem|run|probe|backfill)/.test(l));
  expect(lines.length).toBeGreaterThanOrEqual(5);
  for (const line of lines) expect(line).toContain('npx --no-install lucy-ops ');
  expect(lines.find((l) => l.includes('probe providers'))).toContain('probe providers --strict');
});
