/**
 * The newcomer's path, as written: the README's first commands, and every command's --help with
 * an example. (`npm ci` is what got us here, and `npm test` is this very run.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from './helpers/cli.js';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('starts with the three set-up commands', () => {
    const first = README.match(/```sh\n([\s\S]*?)```/)![1];
    const commands = first
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm ci', 'npx lucy-ops drill', 'npm test']);
    expect(README.indexOf('```sh')).toBeLessThan(README.indexOf('lucy-ops gives'));
  });

  it('`npx lucy-ops drill` works from the clone, offline, and exits 0', async () => {
    // npx resolves the package's own bin from the project root, as a newcomer's shell would
    const r = await runCli(['drill'], { cwd: ROOT });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Every act behaved as expected/);
  });

  it('links only to docs that exist', () => {
    const links = [...README.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]).filter((l) => !/^https?:/.test(l));
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) expect(fs.existsSync(path.join(ROOT, link)), link).toBe(true);
  });
});

describe('every command has --help with an example', () => {
  const commands = [
    ['generate'],
    ['postmortem', 'gaps'],
    ['backfill'],
    ['run'],
    ['probe', 'providers'],
    ['breaker', 'status'],
    ['breaker', 'reset'],
    ['breaker', 'trip'],
    ['status'],
    ['serve'],
    ['sim'],
    ['drill'],
    ['init'],
  ];
  it.each(commands.map((c) => [c.join(' '), c]))('%s --help', async (_name, words) => {
    const r = await runCli([...(words as string[]), '--help'], { cwd: ROOT });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: lucy-ops /);
    expect(r.stdout).toMatch(/Example/i);
  });

  it('an unknown command or flag is a usage error (64)', async () => {
    expect((await runCli(['nope'], { cwd: ROOT })).exitCode).toBe(64);
    expect((await runCli(['generate', 'blog', '--bogus'], { cwd: ROOT })).exitCode).toBe(64);
  });
});
