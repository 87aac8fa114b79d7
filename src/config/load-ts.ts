/**
 * Loads a TypeScript config without paying for a TypeScript compiler on every cron run.
 *
 * First load of a given source: jiti transpiles it to CommonJS and the result is cached under a
 * hash of the source. Later loads read the cache and evaluate it with a `require` rooted at the
 * config's folder (so `import { defineConfig } from 'lucy-ops'` resolves as it would for the
 * user). Configs that import other local files go through jiti itself, which follows them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../files/atomic-write.js';

const CACHE_VERSION = '1';

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir() || os.tmpdir(), '.cache');
  return path.join(base, 'lucy-ops', 'config');
}

export async function loadTsConfig(filepath: string, source: string): Promise<unknown> {
  const hash = createHash('sha256')
    .update(CACHE_VERSION)
    .update(filepath)
    .update('\0')
    .update(source)
    .digest('hex')
    .slice(0, 32);
  const cached = path.join(cacheDir(), `${hash}.cjs`);
  let code: string | undefined;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = undefined;
  }
  if (code === undefined) {
    const { createJiti } = await import('jiti');
    const jiti = createJiti(filepath, { fsCache: false, moduleCache: false, alias: { 'lucy-ops': SELF_PATH } });
    code = jiti.transform({ source, filename: filepath, ts: true });
    throwIfSyntaxError(code);
    if (importsLocalFiles(code)) {
      // jiti follows nested .ts imports; the cache below would not (so such code is never cached)
      return unwrapDefault(await jiti.import(filepath));
    }
    writeCache(cached, code);
  } else {
    throwIfSyntaxError(code); // a cache written before this check existed
  }
  // a config's `import 'lucy-ops'` is the library entry itself, the one import from below it
  // eslint-disable-next-line layers/no-upward-import
  return unwrapDefault(evaluateCjs(code, filepath, await import('../index.js')));
}

/**
 * `import ... from 'lucy-ops'` in a config always means the lucy-ops that is running it, so a
 * config works even where the package is not installed next to it (a global or npx install).
 */
const SELF_PATH = fileURLToPath(new URL('../index.js', import.meta.url));

/** jiti does not throw on a syntax error: it returns code that exports `__JITI_ERROR__`. */
function throwIfSyntaxError(code: string): void {
  const m = /^exports\.__JITI_ERROR__ = (.*)$/s.exec(code.trim());
  if (!m) return;
  const e = JSON.parse(m[1]) as { line?: number; column?: number; message?: string };
  throw new Error(
    `syntax error at line ${e.line ?? '?'}, column ${e.column ?? '?'}: ${(e.message ?? '').trim() || 'cannot parse'}`,
  );
}

function importsLocalFiles(code: string): boolean {
  return /require\(\s*["']\.{1,2}\//.test(code);
}

function evaluateCjs(code: string, filepath: string, self: unknown): unknown {
  const module = { exports: {} as Record<string, unknown> };
  // the user's config requires from its own folder, not from src
  // eslint-disable-next-line layers/no-upward-import
  const requireFromConfig = createRequire(filepath);
  const req = Object.assign((id: string) => (id === 'lucy-ops' ? self : requireFromConfig(id)), requireFromConfig);
  const fn = new Function('exports', 'require', 'module', '__filename', '__dirname', code);
  fn(module.exports, req, module, filepath, path.dirname(filepath));
  return module.exports;
}

function unwrapDefault(mod: unknown): unknown {
  const m = mod as { default?: unknown; __esModule?: boolean } | null;
  return m && typeof m === 'object' && 'default' in m ? m.default : m;
}

function writeCache(file: string, code: string): void {
  try {
    writeFileAtomic(file, code); // a concurrent loader reads the old cache entry or this one, whole
  } catch {
    // a read-only home only costs speed, never correctness
  }
}
