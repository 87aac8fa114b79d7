// The real example from the contract: three providers on Together, as in the seed's chat route,
// and the three background jobs that went silent on 2026-04-19. Keys come from the environment.
import { defineConfig } from 'lucy-ops';

export default defineConfig({
  stateDir: '.lucy-ops', // breaker state, locks, alert memory
  log: 'logs/jobs.jsonl', // the structured job log (JSONL, appended)
  providers: [
    // the failover chain, in order; name is the breaker key
    {
      name: 'deepseek-v3',
      baseUrl: 'https://api.together.xyz/v1',
      model: 'deepseek-ai/DeepSeek-V3',
      apiKeyEnv: 'TOGETHER_API_KEY',
      timeoutMs: 30000,
    },
    {
      name: 'llama-3.3-70b',
      baseUrl: 'https://api.together.xyz/v1',
      model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
      apiKeyEnv: 'TOGETHER_API_KEY',
    },
    {
      name: 'qwen-72b',
      baseUrl: 'https://api.together.xyz/v1',
      model: 'Qwen/Qwen2.5-72B-Instruct-Turbo',
      apiKeyEnv: 'TOGETHER_API_KEY',
    },
  ],
  retry: { attempts: 3, baseDelayMs: 500, maxDelayMs: 8000 }, // per provider, full jitter
  breaker: { failureThreshold: 3, cooldownMs: 300000 }, // 5 minutes, as in the seed
  deadlineMs: 120000, // one budget for a whole run: all retries and fallbacks
  jobs: {
    blog: {
      schedule: '0 * * * *',
      tz: 'UTC',
      kind: 'blog',
      outDir: 'content/blog',
      prompt: 'Write a blog post for {{date}} about something new in AI tooling.',
    },
    threads: {
      schedule: '*/15 * * * *',
      tz: 'UTC',
      kind: 'thread',
      outDir: 'content/threads',
      prompt: 'Write a short thread for {{date}} {{time}} UTC with one practical engineering tip.',
    },
    stories: {
      schedule: '*/30 * * * *',
      tz: 'UTC',
      kind: 'story',
      outDir: 'content/stories',
      prompt: 'Write a 300-word story set at {{time}} on {{date}}.',
    },
    sitemap: { schedule: '5 * * * *', command: ['npm', 'run', 'sitemap'] }, // for `lucy-ops run`
  },
  alerts: { afterConsecutiveFailures: 3 }, // add webhook: 'https://hooks.slack.com/...' to be paged
});
