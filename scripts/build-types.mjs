// Declarations for the package's users (`npm run build:types`, also run by `npm run build`):
// tsc emits dist/types from the library's sources (tsconfig.types.json; incremental, so a build
// with unchanged sources costs a few seconds), then two fixes make them resolve in any project:
//  - relative specifiers end in `.ts` in the sources (allowImportingTsExtensions); tsc keeps
//    them in .d.ts output (rewriteRelativeImportExtensions only rewrites JS), so they become `.js`,
//    which every moduleResolution maps to the .d.ts beside it;
//  - the WebGPU types (GPUDevice, …) come from @webgpu/types, a dependency that no tsconfig picks
//    up by itself, so the two entry declarations reference it.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { root } from './esbuild-config.mjs';

const out = path.join(root, 'dist/types');
const relativeTs = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;
const files = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.d.ts') ? [path.join(dir, e.name)] : []));

export async function buildTypes() {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.types.json')], { cwd: root });
  } catch (e) {
    throw new Error(`build:types: tsc failed:\n${e.stdout}${e.stderr}`);
  }
  for (const f of files(out)) {
    const text = readFileSync(f, 'utf8');
    let fixed = text.replace(relativeTs, '$1$2$3.js$2');
    const entry = path.dirname(f) === out && /^index(\.node)?\.d\.ts$/.test(path.basename(f));
    if (entry && !fixed.startsWith('/// <reference types="@webgpu/types" />')) fixed = `/// <reference types="@webgpu/types" />\n${fixed}`;
    if (fixed !== text) writeFileSync(f, fixed);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildTypes();
  console.log(`build:types: dist/types in ${(performance.now() - t0).toFixed(0)} ms`);
}
