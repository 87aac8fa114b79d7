/**
 * Config values that would pass a shallow check and then break every run (or crash, or leak): each
 * is exit 78 before any work, naming the field, and never echoing a credential.
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempProject } from './helpers/cli.js';

const PROVIDER = { name: 'p1', baseUrl: 'http://127.0.0.1:9/v1', model: 'm' };
const JOBS = {
  blog: { schedule: '0 * * * *', outDir: 'out', prompt: 'x' },
  sitemap: { schedule: '5 * * * *', command: ['true'] },
};

describe('config values that would break at run time: exit 78 naming the field', () => {
  it.each([
    ['alerts.webhookTimeoutMs', { alerts: { webhookTimeoutMs: 3_000_000_000 } }],
    ['breaker.cooldownMs', { breaker: { cooldownMs: 9_007_199_254_740_991 } }],
    ['providers[0].baseUrl', { providers: [{ ...PROVIDER, baseUrl: 'http://a b/v1' }] }],
    ['providers[0].baseUrl', { providers: [{ ...PROVIDER, baseUrl: 'http://[::1/v1' }] }],
    ['providers[0].headers.X-Org', { providers: [{ ...PROVIDER, headers: { 'X-Org': 'a\r\nX-Evil: 1' } }] }],
    ['providers[0].headers.X-Org', { providers: [{ ...PROVIDER, headers: { 'X-Org': 'a\nb' } }] }],
    ['alerts.webhook', { alerts: { webhook: 'https://hooks example/x' } }],
    ['state.redis', { state: { redis: 'redis://127.0.0.1:6379/abc' } }],
    ['state.redis', { state: { redis: 'redis://127.0.0.1:6379/99' } }],
  ])('%s: %j', async (fieldPath, over) => {
    const dir = tempProject({ providers: [PROVIDER], jobs: JOBS, ...over });
    for (const args of [
      ['breaker', 'status'],
      ['generate', 'blog', '--json'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(78);
      expect(r.stderr).toContain(`${fieldPath}:`);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    }
  });

  it('a bad baseUrl with user:password@ is refused without printing the credentials', async () => {
    const dir = tempProject({
      providers: [{ ...PROVIDER, baseUrl: 'http://admin:hunter2-s3cret@[::1/v1' }],
      jobs: JOBS,
    });
    const r = await runCli(['generate', 'blog', '--json'], { cwd: dir });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('providers[0].baseUrl:');
    expect(r.stderr + r.stdout).not.toContain('hunter2');
    expect(r.stderr + r.stdout).not.toContain('admin');
  });

  it('a header value is never echoed, even when it is refused', async () => {
    const dir = tempProject({
      providers: [{ ...PROVIDER, headers: { Authorization: 'Bearer sk-live-abcdef\r\n' } }],
      jobs: JOBS,
    });
    const r = await runCli(['breaker', 'status'], { cwd: dir });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toContain('providers[0].headers.Authorization:');
    expect(r.stderr).not.toContain('sk-live');
  });

  it('the largest values that do work still pass', async () => {
    const dir = tempProject({
      providers: [PROVIDER],
      jobs: JOBS,
      alerts: { webhookTimeoutMs: 2 ** 31 - 1 },
      breaker: { cooldownMs: 365 * 86_400_000 },
    });
    const r = await runCli(['breaker', 'status', '--json'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
  });
});

describe('job names are looked up as the config own keys only', () => {
  it.each([
    ['generate', 'toString'],
    ['generate', 'constructor'],
    ['run', '__proto__', '--', 'echo'],
    ['run', 'hasOwnProperty', '--', 'echo'],
  ])('%s %s is a clean "unknown job" usage error', async (...args) => {
    const dir = tempProject({ providers: [PROVIDER], jobs: JOBS });
    const r = await runCli(args, { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(64);
    expect(r.stderr).toContain(`unknown job ${JSON.stringify(args[1])}`);
    expect(r.stderr).toContain('blog, sitemap');
  });

  it('postmortem gaps and backfill --job refuse prototype names too', async () => {
    const dir = tempProject({ providers: [PROVIDER], jobs: JOBS });
    for (const args of [
      ['postmortem', 'gaps', '--since', '1h', '--job', 'toString'],
      ['backfill', '--since', '1h', '--job', '__proto__', '--dry-run'],
    ]) {
      const r = await runCli(args, { cwd: dir });
      expect(r.exitCode, r.stderr).toBe(64);
      expect(r.stderr).toContain('unknown job');
    }
  });
});
