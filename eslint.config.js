// ESLint flat config: the recommended JS and typescript-eslint rule sets, kept pragmatic (prettier
// owns formatting; these rules look for real mistakes, not style).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

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
  // The layers (docs/architecture.md): nothing imports upward. Type-only imports count too.
  ...layerRules([
    {
      layer: ['src/jobs', 'src/api', 'src/serve', 'src/alerts', 'src/metrics', 'src/probe', 'src/drill', 'src/report'],
      above: ['cli'],
    },
    {
      layer: ['src/engine', 'src/analysis'],
      above: ['cli', 'jobs', 'api', 'serve', 'alerts', 'metrics', 'probe', 'drill', 'report'],
    },
    {
      layer: ['src/providers', 'src/state', 'src/log', 'src/schedule', 'src/config', 'src/files'],
      above: ['cli', 'jobs', 'api', 'serve', 'alerts', 'metrics', 'probe', 'drill', 'report', 'engine', 'analysis'],
    },
  ]),
  {
    // tests read JSON output and log lines whose shape is the thing under test
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

/** One no-restricted-imports rule per layer: its (non-test) files may not import the folders above it. */
function layerRules(layers) {
  return layers.map(({ layer, above }) => ({
    files: layer.map((dir) => `${dir}/**/*.ts`),
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: above.map((dir) => `**/${dir}/*`), message: 'imports a higher layer (see docs/architecture.md)' },
          ],
        },
      ],
    },
  }));
}
