// Builds the Node bundles (library + `hsi` CLI) and the browser ESM bundle from the same sources,
// and the declarations (dist/types, scripts/build-types.mjs) beside them. The Node library's
// entry is src/index.node.ts (index.ts plus the node:fs readers); the browser's is src/index.ts.
import * as esbuild from 'esbuild';
import { chmodSync } from 'node:fs';
import { baseOptions, root } from './esbuild-config.mjs';
import { buildTypes } from './build-types.mjs';

const t0 = performance.now();
await Promise.all([
  esbuild.build({ ...baseOptions('node'), entryPoints: { index: 'src/index.node.ts' }, outdir: 'dist/node' }),
  esbuild.build({
    ...baseOptions('node'),
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist/node',
    banner: { js: '#!/usr/bin/env node\n' + baseOptions('node').banner.js },
  }),
  esbuild.build({ ...baseOptions('browser'), entryPoints: { index: 'src/index.ts' }, outdir: 'dist/browser' }),
  buildTypes(),
]);
chmodSync(`${root}/dist/node/cli.js`, 0o755);
console.log(`build: dist/node, dist/browser and dist/types in ${(performance.now() - t0).toFixed(0)} ms`);
