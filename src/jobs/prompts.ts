import type { GenerateJob, ResolvedJob } from '../config/types.js';
import type { ChatRequest } from '../providers/types.js';
import { PLACEHOLDER_PATTERN, type Placeholder } from '../config/placeholders.js';

const SYSTEM: Record<string, string> = {
  blog: 'You write blog posts in Markdown. Start with a single "# " title line, then the post.',
  thread: 'You write social media threads in Markdown. Start with a single "# " title line, then numbered posts.',
  story: 'You write short stories in Markdown. Start with a single "# " title line, then the story.',
};

/** Placeholders: {{job}} {{kind}} {{slot}} (ISO) {{date}} (YYYY-MM-DD) {{time}} (HH:MM), in UTC. */
export function renderPrompt(template: string, job: ResolvedJob, slot: string): string {
  const values: Record<Placeholder, string> = {
    job: job.name,
    kind: job.kind ?? '',
    slot,
    date: slot.slice(0, 10),
    time: slot.slice(11, 16),
  };
  // validation refuses unknown placeholders; an in-memory config that skipped it keeps them as written
  return template.replace(PLACEHOLDER_PATTERN, (m, k: string) => values[k as Placeholder] ?? m);
}

export function buildRequest(job: GenerateJob, slot: string): ChatRequest {
  const system = job.system ?? SYSTEM[job.kind ?? 'blog'];
  return {
    messages: [
      { role: 'system', content: renderPrompt(system, job, slot) },
      { role: 'user', content: renderPrompt(job.prompt, job, slot) },
    ],
    ...(job.maxTokens ? { max_tokens: job.maxTokens } : {}),
  };
}
