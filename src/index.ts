/** The library API of lucy-ops: everything public is listed here. */
export type * from './config/types.js';
export { defineConfig } from './config/define.js';
