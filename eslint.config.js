// ESLint flat config: the recommended JS and typescript-eslint rule sets, kept pragmatic (prettier
// owns formatting; these rules look for real mistakes, not style).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.bench-tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberately unused (positional parameters, rest-omit destructuring)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // ANSI escapes and NUL bytes are matched on purpose (stripping colour, checking whole files)
      'no-control-regex': 'off',
    },
  },
  // The layers (docs/architecture.md): nothing imports upward, by any kind of import.
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { layers: { rules: { 'no-upward-import': noUpwardImport() } } },
    rules: { 'layers/no-upward-import': 'error' },
  },
  {
    // tests read JSON output and log lines whose shape is the thing under test
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

/**
 * The layers of src, top to bottom (docs/architecture.md): a folder under src, or a file directly
 * in it. A file may import its own layer and the layers below it; an `alone` layer imports only
 * its own folder (the simulator stands apart so tests and the drill can trust it).
 */
const LAYERS = [
  { name: 'Entry', members: ['index.ts'] },
  { name: 'Commands', members: ['cli'] },
  { name: 'Work', members: ['jobs', 'api', 'serve', 'alerts', 'metrics', 'probe', 'drill', 'report'] },
  { name: 'Logic', members: ['engine', 'analysis'] },
  { name: 'Parts', members: ['providers', 'state', 'log', 'schedule', 'config', 'files', 'text', 'init'] },
  { name: 'Tools', members: ['sim'], alone: true },
  { name: 'Base', members: ['abort-like.ts', 'clock.ts', 'exit-codes.ts', 'time.ts'] },
];

/**
 * A tiny local rule: every import of a file in src (static, `export ... from`, dynamic `import()`
 * with a string, and the type-level `import('...')`; the package's own name is src/index.ts) may
 * not reach a higher layer, type-only imports included. A computed `import()` and createRequire
 * are errors (a layer check cannot follow them): the one place that loads a user's file says so
 * with a disable comment. A file or folder in no layer is an error too, so a new folder gets placed.
 */
function noUpwardImport() {
  const srcDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'src');
  /** The top-level member of src a path is in ('cli', 'time.ts'), or undefined outside src. */
  const memberOf = (file) => {
    const rel = path.relative(srcDir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return rel.split(path.sep)[0].replace(/\.js$/, '.ts');
  };
  const rank = (member) => LAYERS.findIndex((l) => l.members.includes(member));
  return {
    meta: { type: 'problem', schema: [], docs: { description: 'imports only its own layer and those below' } },
    create(context) {
      const from = memberOf(context.filename);
      if (from === undefined) return {};
      const fromRank = rank(from);
      const check = (node, specifier) => {
        if (fromRank < 0) {
          if (node.type === 'Program')
            context.report({
              node,
              message: `src/${from} is in no layer: place it in LAYERS (eslint.config.js) and docs/architecture.md`,
            });
          return;
        }
        if (typeof specifier !== 'string') return;
        // the package by its own name is the library entry (src/index.ts)
        const target = /^lucy-ops(\/|$)/.test(specifier) ? path.join(srcDir, 'index.ts') : specifier;
        if (!target.startsWith('.') && !path.isAbsolute(target)) return;
        const to = memberOf(path.resolve(path.dirname(context.filename), target));
        if (to === undefined || to === from) return;
        const toRank = rank(to);
        const layer = LAYERS[fromRank];
        let why;
        if (toRank < 0) why = `src/${to} is in no layer`;
        else if (layer.alone) why = `${layer.name} (src/${from}) imports nothing outside its own folder`;
        else if (toRank < fromRank) why = `src/${to} is in ${LAYERS[toRank].name}, above ${layer.name}`;
        if (why) context.report({ node, message: `imports a higher layer: ${why} (see docs/architecture.md)` });
      };
      const literal = (node) =>
        node?.type === 'Literal'
          ? node.value
          : node?.type === 'TemplateLiteral' && node.expressions.length === 0
            ? node.quasis[0].value.cooked
            : undefined;
      return {
        Program: (node) => check(node, undefined),
        ImportDeclaration: (node) => check(node, node.source.value),
        ExportAllDeclaration: (node) => check(node, node.source.value),
        ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
        ImportExpression: (node) => {
          const specifier = literal(node.source);
          if (specifier !== undefined || fromRank < 0) return check(node, specifier);
          // a computed specifier can reach any layer unseen: only where it must be (a user's file)
          context.report({
            node,
            message: 'a computed import(): its layer cannot be checked; import a string literal',
          });
        },
        // createRequire hands out a require() whose relative paths no rule can follow
        'CallExpression[callee.name="createRequire"]': (node) =>
          context.report({ node, message: 'createRequire: its require() escapes the layer check' }),
        TSImportType: (node) => check(node, literal(node.source ?? node.argument?.literal)),
      };
    },
  };
}
