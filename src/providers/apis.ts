/**
 * The provider APIs lucy-ops speaks, by the name a config gives in `providers[i].api`. Kept apart
 * from the clients so config validation can name them without loading any client code.
 */
export const PROVIDER_APIS = ['openai'] as const;

export type ProviderApi = (typeof PROVIDER_APIS)[number];

/** The API of a provider whose config leaves `api` out: OpenAI-compatible chat completions. */
export const DEFAULT_PROVIDER_API: ProviderApi = 'openai';
