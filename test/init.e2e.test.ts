/** `init`: the crontab sources keys from .lucy-ops.env, and .gitignore keeps that file out of git. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

it('lists .lucy-ops.env in .gitignore once, and every crontab line sources it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucy-init-'));
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules'); // no final newline
  const first = await runCli(['init', '--dir', dir, '--json'], { cwd: dir });
  expect(first.exitCode, first.stderr).toBe(0);
  expect(first.json.gitignore).toBe(path.join(dir, '.gitignore'));
  expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(
    'node_modules\n# lucy-ops: API keys, sourced by the crontab lines\n.lucy-ops.env\n',
  );

  const again = await runCli(['init', '--dir', dir, '--force', '--json'], { cwd: dir });
  expect(again.json.gitignore).toBeUndefined(); // already listed: not added twice
  expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8').match(/\.lucy-ops\.env/g)).toHaveLength(1);

  const jobLines = fs
    .readFileSync(path.join(dir, 'lucy-ops.crontab'), 'utf8')
    .split('\n')
    .filter((l) => /^[*\d]/.test(l));
  expect(jobLines.length).toBeGreaterThan(0);
  for (const line of jobLines) expect(line).toContain(`cd ${dir} && . ./.lucy-ops.env && npx lucy-ops `);
  fs.rmSync(dir, { recursive: true, force: true });
});
