// Shared esbuild settings for the library, the CLI, the test bundles and the benchmarks.
// One place decides how WGSL and wasm are embedded, so every bundle runs the same bytes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** @param {'node' | 'browser'} target */
export function baseOptions(target) {
  return {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: target === 'node' ? 'node' : 'browser',
    target: target === 'node' ? 'node20' : 'es2022',
    // The `#platform` import map in package.json picks node.ts or browser.ts by condition.
    conditions: target === 'node' ? ['node'] : ['browser'],
    // wgsl_reflect's "main" is a CommonJS build; its ESM build is the one to bundle.
    mainFields: ['module', 'main'],
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    define: { __HSI_VERSION__: JSON.stringify(pkg.version) },
    // Dawn is a native addon: it is loaded from node_modules at run time, never bundled.
    external: target === 'node' ? ['webgpu', 'playwright-core'] : [],
    sourcemap: 'linked',
    logLevel: 'warning',
    // ESM bundles for Node need require() for the few CommonJS dependencies.
    banner: target === 'node'
      ? { js: "import { createRequire as __hsiCreateRequire } from 'node:module'; const require = __hsiCreateRequire(import.meta.url);" }
      : {},
  };
}
