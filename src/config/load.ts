/**
 * Finds and loads the config: `--config <path>`, or cosmiconfig's search from the working
 * directory upward for the SEARCH_PLACES below (the one list: messages and loaders derive from it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, resolveConfig } from './validate.js';
import type { ResolvedConfig } from './types.js';

export { ConfigError } from './validate.js';

export const SEARCH_PLACES = [
  'lucy-ops.config.ts',
  'lucy-ops.config.mjs',
  'lucy-ops.config.js',
  'lucy-ops.config.json',
  'lucy-ops.config.yaml',
  'lucy-ops.config.yml',
  '.lucy-opsrc.json',
] as const;
/** The extensions of SEARCH_PLACES: `.ts`, `.mjs`, …, each once. */
const EXTENSIONS = [...new Set(SEARCH_PLACES.map((p) => path.extname(p)))];

export interface LoadOptions {
  cwd?: string;
}

export async function loadConfig(explicitPath?: string, opts: LoadOptions = {}): Promise<ResolvedConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const { raw, filepath } = explicitPath ? await loadFile(path.resolve(cwd, explicitPath)) : await search(cwd);
  const { validateSchedule } = await import('../schedule/slots.js');
  return resolveConfig(raw, filepath, validateSchedule);
}

async function loaderFor(filepath: string) {
  const ext = path.extname(filepath).toLowerCase();
  if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
    const { loadTsConfig } = await import('./load-ts.js');
    return (file: string, content: string) => loadTsConfig(file, content);
  }
  if (ext === '.mjs' || ext === '.js') {
    return async (file: string) => {
      const { pathToFileURL } = await import('node:url');
      // the user's config file, not a module of src
      // eslint-disable-next-line layers/no-upward-import
      const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
      return 'default' in mod ? mod.default : mod;
    };
  }
  if (ext === '.json' || path.basename(filepath).startsWith('.lucy-opsrc')) {
    return async (file: string, content: string) => parseJson(content);
  }
  if (ext === '.yaml' || ext === '.yml') {
    const { defaultLoaders } = await import('./cosmiconfig.js');
    return async (file: string, content: string) => defaultLoaders['.yaml'](file, content);
  }
  throw new ConfigError(`${filepath}: unsupported config file type (use ${EXTENSIONS.join(', ')})`);
}

async function loadFile(filepath: string): Promise<{ raw: unknown; filepath: string }> {
  let content: string;
  try {
    content = fs.readFileSync(filepath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`config file not found: ${filepath}`);
    if (code === 'EISDIR') throw new ConfigError(folderGiven(filepath));
    throw new ConfigError(
      `cannot read config ${filepath}: ${code === 'EACCES' ? 'permission denied (EACCES)' : (code ?? err)}`,
    );
  }
  return { raw: await parseFile(filepath, content), filepath };
}

/** A config file's text → its raw config; a ConfigError naming the file when it cannot be loaded. */
async function parseFile(filepath: string, content: string): Promise<unknown> {
  const load = await loaderFor(filepath);
  try {
    return await load(filepath, content);
  } catch (err) {
    throw new ConfigError(`cannot load config ${filepath}: ${firstReason((err as Error).message ?? String(err))}`);
  }
}

/** `--config <folder>`: say so, and name the config file in it when there is one. */
function folderGiven(folder: string): string {
  const inside = SEARCH_PLACES.find((name) => fs.existsSync(path.join(folder, name))) ?? SEARCH_PLACES[0];
  return `config ${folder} is a folder: --config takes the config file itself, e.g. --config ${path.join(folder, inside)}`;
}

/**
 * cosmiconfig's search order and stop rule ("project": stop at the folder with package.json),
 * but its loaders are only pulled in on a hit, so a cron run doesn't pay for YAML and TypeScript
 * support it doesn't use.
 */
async function search(cwd: string): Promise<{ raw: unknown; filepath: string }> {
  // The usual case, a config in the working directory itself (a crontab line cds there first), is
  // the first place cosmiconfig looks: load it without cosmiconfig's start-up cost (~25 ms)
  const here = await configInCwd(cwd);
  if (here) return here;
  const { cosmiconfig } = await import('./cosmiconfig.js');
  const explorer = cosmiconfig('lucy-ops', {
    searchPlaces: [...SEARCH_PLACES],
    searchStrategy: 'project',
    cache: false,
    // every format through our loaders (on the text cosmiconfig read): one error style, and TypeScript without a compiler
    loaders: Object.fromEntries(EXTENSIONS.map((ext) => [ext, parseFile])),
  });
  let result;
  try {
    result = await explorer.search(cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot load config: ${(err as Error).message.split('\n')[0]}`);
  }
  if (!result || result.isEmpty) {
    throw new ConfigError(
      `no lucy-ops config found from ${cwd} upward (looked for ${SEARCH_PLACES.join(', ')}); pass --config <path> or run \`lucy-ops init\``,
    );
  }
  return { raw: result.config, filepath: result.filepath };
}

/**
 * The config file cosmiconfig would find in `cwd` itself: the first SEARCH_PLACES file there with
 * content (it skips empty ones). Undefined when there is none, or when it loads as nothing: the
 * full search decides those.
 */
async function configInCwd(cwd: string): Promise<{ raw: unknown; filepath: string } | undefined> {
  for (const place of SEARCH_PLACES) {
    const filepath = path.join(cwd, place);
    let content: string;
    try {
      content = fs.readFileSync(filepath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      return undefined; // unreadable, a folder: the full search says what it makes of it
    }
    if (content.trim() === '') continue;
    const raw = await parseFile(filepath, content);
    return raw === undefined || raw === null ? undefined : { raw, filepath };
  }
  return undefined;
}

/** The line that says what is wrong: YAML's message starts with a "YAML Error in <file>:" line. */
function firstReason(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : (lines[0] ?? message);
}

/** JSON.parse, with the line and column of a syntax error (Node 20 only gives the offset). */
function parseJson(content: string): unknown {
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    const at = /at position (\d+)/.exec((err as Error).message);
    if (!at) throw err;
    const before = content.slice(0, Number(at[1])).split('\n');
    throw new Error(
      `${(err as Error).message} (line ${before.length}, column ${before[before.length - 1].length + 1})`,
    );
  }
}
