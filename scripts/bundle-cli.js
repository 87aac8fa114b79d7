#!/usr/bin/env node
/**
 * Bundles the CLI's start-up path into dist/bundle/ (run by `npm run build`, after tsc): one file
 * for main.js and the code every command shares, plus a chunk per lazily imported module, so a
 * crontab line reads a handful of files instead of ~80 and keeps loading each command on demand.
 * commander, chalk, croner and cosmiconfig (all on the start-up path) are bundled; the other
 * dependencies are heavy and loaded only by the commands that use them, so they stay external.
 * dist/bundle sits at the same depth as dist/cli, so paths relative to a module (../index.js,
 * ../../package.json) mean the same in both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = new Set(['commander', 'chalk', 'croner', 'cosmiconfig']);
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !BUNDLED.has(name));
const outdir = path.join(ROOT, 'dist/bundle');

fs.rmSync(outdir, { recursive: true, force: true });
const result = await build({
  // the gap analysis's worker thread is a file of its own (new URL('./gap-worker.js', import.meta.url))
  entryPoints: {
    main: path.join(ROOT, 'dist/cli/main.js'),
    'gap-worker': path.join(ROOT, 'dist/analysis/gap-worker.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: [...external, 'typescript', 'openai'],
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  fs.mkdirSync(path.dirname(file.path), { recursive: true });
  fs.writeFileSync(file.path, withRequire(file.text));
}

/**
 * Bundled CommonJS (commander, cosmiconfig) calls require() for Node's own modules, so a file
 * that names `require` gets one made for it; the others do not: a createRequire() costs each
 * module loaded at start-up ~0.4 ms (a resolved path, a Module object), and most chunks never
 * call it.
 */
function withRequire(text) {
  if (!/\brequire\b/.test(text)) return text;
  return `import { createRequire as __lucyCreateRequire } from 'node:module'; const require = __lucyCreateRequire(import.meta.url);\n${text}`;
}
