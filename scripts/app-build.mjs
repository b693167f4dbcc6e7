// Builds the browser app into dist/web/ (a static site: index.html, app.js, worker.js, styles),
// with the library's esbuild settings (WGSL as text, the wasm embedded; scripts/esbuild-config.mjs).
//   node scripts/app-build.mjs        build once
// scripts/app.mjs imports appBuildOptions to serve the same build with esbuild's server.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { baseOptions, root } from './esbuild-config.mjs';

export const WEB_OUT = path.join(root, 'dist/web');

/** Copies the page and style sheets beside the bundles (they need no bundling). */
export function copyStatic() {
  mkdirSync(WEB_OUT, { recursive: true });
  for (const [from, to] of [['src/web/index.html', 'index.html'], ['src/web/app.css', 'app.css'], ['node_modules/uplot/dist/uPlot.min.css', 'uPlot.min.css']]) {
    copyFileSync(path.join(root, from), path.join(WEB_OUT, to));
  }
}

export function appBuildOptions() {
  return { ...baseOptions('browser'), entryPoints: { app: 'src/web/main.ts', worker: 'src/web/worker.ts' }, outdir: WEB_OUT };
}

export async function buildApp() {
  copyStatic();
  await esbuild.build(appBuildOptions());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  await buildApp();
  console.log(`app: dist/web in ${(performance.now() - t0).toFixed(0)} ms`);
}
