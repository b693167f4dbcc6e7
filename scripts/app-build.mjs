// Builds the browser app into dist/web/ (a static site: index.html, app.js, worker.js, styles),
// with the library's esbuild settings (WGSL as text, the wasm embedded; scripts/esbuild-config.mjs).
//   node scripts/app-build.mjs                 build once
//   node scripts/app-build.mjs --out DIR       into DIR instead (the tests: runs side by side stay apart)
//   node scripts/app-build.mjs --example DIR   bundle the README's embedding example written to DIR
//                                              (main.ts, rx-worker.ts) into DIR, with 'hsi-gpu' this
//                                              checkout's sources (test/web/embed.node.test.ts)
// scripts/app.mjs imports appBuildOptions to serve the same build with esbuild's server.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { baseOptions, root } from './esbuild-config.mjs';

export const WEB_OUT = path.join(root, 'dist/web');

/** Copies the page and style sheets beside the bundles (they need no bundling). */
export function copyStatic(out = WEB_OUT) {
  mkdirSync(out, { recursive: true });
  for (const [from, to] of [['src/web/index.html', 'index.html'], ['src/web/app.css', 'app.css'], ['node_modules/uplot/dist/uPlot.min.css', 'uPlot.min.css']]) {
    copyFileSync(path.join(root, from), path.join(out, to));
  }
}

/** Minified for a static host, names kept (errors and stack traces still read), with source maps. */
export function appBuildOptions(out = WEB_OUT) {
  return { ...baseOptions('browser'), entryPoints: { app: 'src/web/main.ts', worker: 'src/web/worker.ts' }, outdir: out, minify: true, keepNames: true };
}

export async function buildApp(out = WEB_OUT) {
  copyStatic(out);
  await esbuild.build(appBuildOptions(out));
}

/** The README's `esbuild main.ts rx-worker.ts --bundle --format=esm`, run on this checkout. */
export async function buildExample(dir) {
  await esbuild.build({
    ...baseOptions('browser'), entryPoints: [path.join(dir, 'main.ts'), path.join(dir, 'rx-worker.ts')], outdir: dir,
    alias: { 'hsi-gpu': path.join(root, 'src/index.ts') },
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  const arg = (flag) => (process.argv.includes(flag) ? path.resolve(process.argv[process.argv.indexOf(flag) + 1]) : null);
  const example = arg('--example');
  const out = arg('--out') ?? WEB_OUT;
  if (example) await buildExample(example);
  else await buildApp(out);
  console.log(`app: ${path.relative(root, example ?? out)} in ${(performance.now() - t0).toFixed(0)} ms`);
}
