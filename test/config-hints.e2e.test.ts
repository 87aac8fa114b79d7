/**
 * Config mistakes a new user makes, said where they are made: a baseUrl without its version
 * segment (a warning with the fix), an unknown prompt placeholder (exit 78 naming job and
 * placeholder), and `generate --dry-run` showing the prompts it would send.
 */
import { expect, it } from 'vitest';
import { runCli, simConfig, tempProject } from './helpers/cli.js';
import { runInPty } from './helpers/pty.js';

const NOW = { LUCY_OPS_NOW: '2026-12-06T17:20:00Z' };
const BARE = 'http://127.0.0.1:9';

it('a baseUrl without a version segment: a warning with the likely fix on a terminal and in --dry-run, silence in a crontab line', async () => {
  const dir = tempProject(simConfig({ primary: BARE, fallback: `${BARE}/v1` }));
  const warning = `lucy-ops: warning: providers[0].baseUrl: "${BARE}" has no API version segment (such as /v1) in its path, so requests go to ${BARE}/chat/completions; likely fix: "${BARE}/v1"`;

  const tty = await runInPty(['breaker', 'status'], { cwd: dir, env: NOW });
  expect(tty.exitCode).toBe(0); // a warning, not an error
  expect(tty.output).toContain(warning);

  const dry = await runCli(['generate', 'blog', '--dry-run', '--json'], { cwd: dir, env: NOW });
  expect(dry.exitCode).toBe(0);
  expect(dry.stderr.trim()).toBe(warning); // exactly one, and only for the provider that lacks it

  const piped = await runCli(['breaker', 'status', '--json'], { cwd: dir, env: NOW });
  expect(piped.exitCode).toBe(0);
  expect(piped.stderr).toBe('');
});

it('an unknown placeholder is a config error (78) naming the job, the field and the placeholder', async () => {
  const config = simConfig({ primary: `${BARE}/v1` }) as any;
  config.jobs.blog.prompt = 'Write a blog post for {{dat}} at {{ time }}.';
  config.jobs.threads.system = 'Threads about {{topic}}.';
  const dir = tempProject(config);
  const r = await runCli(['generate', 'stories', '--json'], { cwd: dir, env: NOW });
  expect(r.exitCode).toBe(78);
  const known = '(known: {{job}} {{kind}} {{slot}} {{date}} {{time}})';
  expect(r.stderr).toContain(`jobs.blog.prompt: unknown placeholder {{dat}} in job blog ${known}`);
  expect(r.stderr).toContain(`jobs.threads.system: unknown placeholder {{topic}} in job threads ${known}`);
  expect(r.stderr).not.toContain('{{ time }}'); // known, spaces allowed
  expect(r.json.error.exitCode).toBe(78);
});

it('generate --dry-run shows the rendered prompts (human and --json)', async () => {
  const config = simConfig({ primary: `${BARE}/v1` }) as any;
  config.jobs.threads.prompt = 'A thread for {{date}} {{time}}.\nJob {{job}}, kind {{kind}}, slot {{slot}}.';
  const dir = tempProject(config);
  const json = await runCli(['generate', 'threads', '--dry-run', '--json'], { cwd: dir, env: NOW });
  expect(json.exitCode, json.stderr).toBe(0);
  expect(json.json).toMatchObject({
    status: 'skipped',
    slot: '2026-12-06T17:15:00.000Z',
    prompt: {
      system: expect.stringContaining('social media threads'),
      user: 'A thread for 2026-12-06 17:15.\nJob threads, kind thread, slot 2026-12-06T17:15:00.000Z.',
    },
  });
  const human = await runCli(['generate', 'threads', '--dry-run'], { cwd: dir, env: NOW });
  expect(human.exitCode).toBe(0);
  expect(human.stdout).toContain(
    '  user:\n    A thread for 2026-12-06 17:15.\n    Job threads, kind thread, slot 2026-12-06T17:15:00.000Z.',
  );
  expect(human.stdout).toMatch(/ {2}system:\n {4}You write social media threads/);
});
