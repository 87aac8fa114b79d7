/** What `lucy-ops init` writes: a commented config and a crontab for it. */

export function configTemplate(): string {
  return `// lucy-ops config: the failover chain, the jobs, and where state and logs live.
// Reference: node_modules/lucy-ops/docs/configuration.md. Validate with: npx lucy-ops breaker status
import { defineConfig } from 'lucy-ops';

export default defineConfig({
  stateDir: '.lucy-ops', // breaker state, job/slot locks, alert memory (relative to this file)
  log: 'logs/jobs.jsonl', // the structured job log that \`postmortem gaps\` reads

  // The failover chain, in order. \`name\` is the breaker key. Keys come from the environment:
  // never write a key in this file.
  providers: [
    { name: 'deepseek-v3', baseUrl: 'https://api.together.xyz/v1', model: 'deepseek-ai/DeepSeek-V3', apiKeyEnv: 'TOGETHER_API_KEY', timeoutMs: 30000 },
    { name: 'llama-3.3-70b', baseUrl: 'https://api.together.xyz/v1', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', apiKeyEnv: 'TOGETHER_API_KEY' },
    { name: 'qwen-72b', baseUrl: 'https://api.together.xyz/v1', model: 'Qwen/Qwen2.5-72B-Instruct-Turbo', apiKeyEnv: 'TOGETHER_API_KEY' },
  ],

  retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 }, // per provider, exponential, full jitter
  breaker: { failureThreshold: 3, cooldownMs: 300000 }, // skip a failing provider for 5 minutes
  deadlineMs: 120000, // one budget per run: every retry and fallback included

  // Each job: a cron schedule (its slots are those the system cron daemon runs, DST included;
  // top-level cron: 'croner' when systemd or Kubernetes starts the jobs instead), a time zone, and
  // a prompt + outDir (for \`generate\`) or a command (for \`run\`). Prompt placeholders: {{date}} {{time}} {{slot}}.
  jobs: {
    blog: { schedule: '0 * * * *', tz: 'UTC', kind: 'blog', outDir: 'content/blog', prompt: 'Write a blog post for {{date}}.' },
    threads: { schedule: '*/15 * * * *', tz: 'UTC', kind: 'thread', outDir: 'content/threads', prompt: 'Write a thread for {{date}} {{time}} UTC.' },
    stories: { schedule: '*/30 * * * *', tz: 'UTC', kind: 'story', outDir: 'content/stories', prompt: 'Write a short story set at {{time}}.' },
    // sitemap: { schedule: '5 * * * *', command: ['npm', 'run', 'sitemap'] }, // run with: lucy-ops run sitemap
  },

  // Alert after 3 consecutive failed runs of a job (once), and again on recovery (once).
  // Without a webhook, alerts are one line on stderr, which crontab mails to MAILTO.
  alerts: {
    afterConsecutiveFailures: 3,
    // webhook: 'https://hooks.slack.com/services/...',
  },
});
`;
}

/**
 * `npx --no-install`: where lucy-ops is not installed in the project, a bare `npx lucy-ops` would
 * fetch whatever package of that name the registry has and run it; this fails loudly instead.
 */
export function crontabTemplate(projectDir: string, bin = 'npx --no-install lucy-ops'): string {
  // keys live in .lucy-ops.env beside the config, never in the crontab (see examples/crontab)
  const cd = `cd ${shellQuote(projectDir)} && . ./.lucy-ops.env &&`;
  return `# lucy-ops crontab for ${projectDir}
# Install with: crontab -l | cat - lucy-ops.crontab | crontab -
# stdout is dropped; stderr (failures and alerts, one line each) is mailed to MAILTO.
MAILTO=oncall@example.com
PATH=/usr/local/bin:/usr/bin:/bin
# Keys: keep them out of the crontab. Put \`export TOGETHER_API_KEY=...\` (or your providers'
# variables) in ${projectDir}/.lucy-ops.env, readable by this user only (chmod 600): every
# line below sources it, and fails loudly (cron mails "can't open") while it is missing.

0 * * * *     ${cd} ${bin} generate blog    >/dev/null
*/15 * * * *  ${cd} ${bin} generate threads >/dev/null
*/30 * * * *  ${cd} ${bin} generate stories >/dev/null

# the watchdog: a slot that never ran, or failed, in the last 2 hours exits 1 with one stderr line
*/30 * * * *  ${cd} ${bin} postmortem gaps --since 2h --fail-on-gap >/dev/null

# smoke check every morning: --strict exits 1 when any provider fails (a dead fallback too),
# with one stderr line per failed provider (mailed); 78 when an API key variable is missing
0 7 * * *     ${cd} ${bin} probe providers --strict >/dev/null

# a wrapped non-LLM job: same lock, log records and alerts (uncomment the sitemap job in the
# config first); --timeout bounds it, since command jobs have no deadline
# 5 * * * *   ${cd} ${bin} run sitemap --timeout 10m -- npm run sitemap >/dev/null
`;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
