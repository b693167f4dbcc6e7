/**
 * The package's Node entry (package.json `exports["."].default`): the whole library of
 * index.ts plus the readers that open files through node:fs, which the browser bundle must
 * not pull in.
 */
export * from './index.ts';
export { readEnviFile, findEnviRaw } from './data/envi.node.ts';
