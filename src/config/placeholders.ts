/**
 * The placeholders a job's prompt and system text may use. Validation refuses any other (a typo
 * such as {{dat}} would otherwise reach the model literally); src/jobs/prompts.ts fills them.
 */
export const PLACEHOLDERS = ['job', 'kind', 'slot', 'date', 'time'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** `{{name}}` or `{{ name }}`: what the renderer replaces. */
export const PLACEHOLDER_PATTERN = /\{\{\s*(\w+)\s*\}\}/g;

/** The placeholders in `text` that are not known, each once, as written (`{{dat}}`). */
export function unknownPlaceholders(text: string): string[] {
  const known: readonly string[] = PLACEHOLDERS;
  const unknown = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_PATTERN)) if (!known.includes(m[1])) unknown.add(m[0]);
  return [...unknown];
}
