// Runs bench/*.bench.ts (or those matching the arguments) in Node, one at a time.
// Benchmarks never run as tests; they print JSON with the adapter and medians.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { baseOptions, root } from './esbuild-config.mjs';

const filters = process.argv.slice(2);
const files = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).sort();
for (const f of files) {
  const out = path.join(root, 'dist/bench', f.replace(/\.ts$/, '.mjs'));
  await esbuild.build({ ...baseOptions('node'), entryPoints: [path.join(root, 'bench', f)], outfile: out });
  console.log(`== ${f}`);
  execFileSync(process.execPath, [out], { cwd: root, stdio: 'inherit' });
}
