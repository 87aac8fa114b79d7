/**
 * The configured secrets' values, apart from the job context so that every command that loads a
 * config (not only a job run) can register them with the scrubber at no extra start-up cost.
 */
import type { ResolvedConfig } from '../config/types.js';
import { urlSecrets } from '../log/scrub.js';

/** Values that must never reach output or the log: API keys and the serve token (as given and in base64), the Redis URL and its credentials. */
export function secretValues(config: ResolvedConfig, env: NodeJS.ProcessEnv): string[] {
  // (optional chaining: library callers may hand in a config without serve or state)
  const names = [...config.providers.map((p) => p.apiKeyEnv), config.serve?.tokenEnv, config.state?.redisEnv];
  const values = names.map((n) => (n ? env[n] : undefined));
  // a script that prints a key often prints it encoded too (an Authorization header it built):
  // each key's base64 is blanked as the key is
  for (const v of [...values]) if (v) values.push(Buffer.from(v).toString('base64'));
  for (const url of [config.state?.redis, config.state?.redisEnv ? env[config.state.redisEnv] : undefined]) {
    if (!url) continue;
    values.push(url, ...urlSecrets(url));
  }
  // a webhook URL is a credential in itself (Slack's token is its path): the URL, its path, and its
  // last segment, so an echo of any of them is blanked
  const webhook = config.alerts?.webhook;
  if (webhook) {
    values.push(webhook, ...urlSecrets(webhook));
    try {
      const { pathname } = new URL(webhook);
      const last = pathname.split('/').filter(Boolean).at(-1);
      if (pathname.length >= 16) values.push(pathname);
      if (last && last.length >= 16) values.push(last);
    } catch {
      // not a URL: the whole value is blanked above
    }
  }
  return [...new Set(values.filter((v): v is string => Boolean(v)))];
}
