import type { UserConfig } from './types.js';

/** Identity at run time; gives editors the config's types. */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
