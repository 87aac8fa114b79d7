/**
 * cosmiconfig, imported statically here so that `load.ts` can import this module lazily: the CLI's
 * bundle (esbuild, code splitting) keeps a CommonJS package's named exports only through a static
 * import; a dynamic `import('cosmiconfig')` there would see its default export alone.
 */
export { cosmiconfig, defaultLoaders } from 'cosmiconfig';
