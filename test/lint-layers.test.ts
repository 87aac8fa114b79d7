import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rule of eslint.config.js, run on fixture sources placed (by file path) in src's layers.
const eslint = new ESLint();

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'layers/no-upward-import').map((m) => m.message);
}

describe('the ESLint layer rule', () => {
  it.each([
    ['a static import', `import { columns } from '../cli/columns.js';\nexport const c = columns;\n`],
    ['a type-only import', `import type { JobContext } from '../jobs/types.js';\nexport type C = JobContext;\n`],
    ['an export from', `export { startServer } from '../serve/server.js';\n`],
    ['a dynamic import()', `export async function f() {\n  return (await import('../cli/columns.js')).columns;\n}\n`],
    ['a dynamic import() of a template string', 'export const f = () => import(`../report/write.js`);\n'],
    ['a type-level import()', `export type B = import('../api/chain.js').Chain;\n`],
    ['an import of the library entry', `export const f = () => import('../index.js');\n`],
    ['an import of the package by its own name', `export { defineConfig } from 'lucy-ops';\n`],
  ])('fails on %s from a lower layer', async (_what, code) => {
    const errors = await layerErrors('src/engine/fixture.ts', code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/imports a higher layer: src\/\S+ is in (Commands|Work|Entry), above Logic/);
  });

  it('keeps the simulator alone and the base files at the bottom', async () => {
    expect(
      await layerErrors('src/sim/fixture.ts', `import { ExitCode } from '../clock.js';\nexport { ExitCode };\n`),
    ).toEqual([
      'imports a higher layer: Tools (src/sim) imports nothing outside its own folder (see docs/architecture.md)',
    ]);
    expect(await layerErrors('src/time.ts', `export const f = () => import('./log/scrub.js');\n`)).toHaveLength(1);
    expect(
      await layerErrors('src/init/fixture.ts', `export const f = () => import('../engine/chain.js');\n`),
    ).toHaveLength(1);
  });

  it('places every file: a new folder or top-level file in no layer is an error', async () => {
    expect(await layerErrors('src/newthing/fixture.ts', `export const x = 1;\n`)).toEqual([
      'src/newthing is in no layer: place it in LAYERS (eslint.config.js) and docs/architecture.md',
    ]);
    expect(await layerErrors('src/engine/fixture.ts', `export const f = () => import('../newthing/x.js');\n`)).toEqual([
      'imports a higher layer: src/newthing is in no layer (see docs/architecture.md)',
    ]);
  });

  it('refuses what it cannot follow: a computed import() and createRequire', async () => {
    const code = [
      'import { createRequire } from "node:module";',
      'export const a = (m: string) => import(`../${m}/columns.js`);',
      "export const b = (m: string) => import('../' + m);",
      'export const c = createRequire(import.meta.url);',
    ].join('\n');
    expect(await layerErrors('src/text/fixture.ts', code + '\n')).toEqual([
      'a computed import(): its layer cannot be checked; import a string literal',
      'a computed import(): its layer cannot be checked; import a string literal',
      'createRequire: its require() escapes the layer check',
    ]);
  });

  it('lets imports go down or sideways, and leaves packages and tests alone', async () => {
    const down = [
      `import { scrubSecrets } from '../log/scrub.js';`,
      `import { ExitCode } from '../exit-codes.js';`,
      `import { analyzeLogs } from '../analysis/gaps.js';`,
      `export const a = () => import('undici');`,
      `export const c = [scrubSecrets, ExitCode, analyzeLogs];`,
    ].join('\n');
    expect(await layerErrors('src/engine/fixture.ts', down + '\n')).toEqual([]);
    expect(await layerErrors('src/cli/fixture.ts', `export const f = () => import('../sim/server.js');\n`)).toEqual([]);
    expect(await layerErrors('src/drill/fixture.ts', `export const f = () => import('../sim/server.js');\n`)).toEqual(
      [],
    );
    expect(
      await layerErrors('src/engine/fixture.test.ts', `export const f = () => import('../cli/columns.js');\n`),
    ).toEqual([]);
  });
});
