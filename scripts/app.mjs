// `npm run app`: the browser app on http://127.0.0.1:<port>/ (docs/app.md). Installs the npm
// dependencies and builds the AssemblyScript module when they are missing (the parts of
// scripts/setup.sh the app needs: no Vulkan driver or Chromium, the browser brings its own
// WebGPU), then serves dist/web/ with esbuild's server, rebuilding on each reload.
//   npm run app [-- --port 8080]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

// Same stamp as scripts/setup.sh: node_modules matches this package-lock.json.
const stamp = path.join(root, 'node_modules/.hsi-lock');
const lockSum = createHash('sha256').update(readFileSync(path.join(root, 'package-lock.json'))).digest('hex');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== lockSum) {
  console.log('app: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stamp, `${lockSum}\n`);
}
if (!existsSync(path.join(root, 'build/hsi.wasm'))) {
  console.log('app: building the AssemblyScript module');
  run('npx', ['--no-install', 'asc', '--config', 'asconfig.json', '--target', 'release']);
}

const { context } = await import('esbuild');
const { appBuildOptions, copyStatic, WEB_OUT } = await import('./app-build.mjs');
const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
copyStatic();
const ctx = await context(appBuildOptions());
await ctx.rebuild();
const { hosts, port: bound } = await ctx.serve({ host: '127.0.0.1', port, servedir: WEB_OUT });
console.log(`app: serving ${path.relative(root, WEB_OUT)}/ at http://${hosts[0]}:${bound}/ (Ctrl-C stops)`);
console.log('app: open it in a browser with WebGPU (Chrome/Edge 113+; on Linux: chromium --enable-unsafe-webgpu)');
