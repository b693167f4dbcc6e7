// The test command: type-check, build, run every test file on Node/Dawn, then the same GPU
// test files bundled for headless Chromium (WebGPU on SwiftShader). Ends with one line
// `N passed, N failed, N skipped` summed over both environments; exits non-zero on any failure.
// Skips follow test/harness/skip.ts: an adapter lacking a feature is an expected skip; absent
// ../shared/data fails unless HSI_ALLOW_MISSING_DATA=1; test.only / test.skip always fail.
//   node scripts/test.mjs [filter…]   only test files whose path contains a filter
//   --node-only / --browser-only, --no-typecheck, --no-build (the bundles read src/ and shaders/
//   directly; only the CLI tests need dist/ current)
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { baseOptions, root } from './esbuild-config.mjs';
import { runInChromium } from './chromium.mjs';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const filters = args.filter((a) => !a.startsWith('--'));
// HSI_TEST_OUT lets concurrent runs (parallel work trees, helpers) keep their bundles apart.
const outDir = path.resolve(root, process.env.HSI_TEST_OUT ?? 'dist/test');

function testFiles() {
  const found = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.ts')) found.push(path.relative(path.join(root, 'test'), p));
    }
  };
  walk(path.join(root, 'test'));
  return found.sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x.replace(/^test\//, ''))));
}

// A virtual entry that queues each file's suites under its own name (uvu's deferred mode).
function entryPlugin(files, mainModule) {
  return {
    name: 'hsi-test-entry',
    setup(build) {
      build.onResolve({ filter: /^hsi-test:/ }, (a) => ({ path: a.path, namespace: 'hsi-test' }));
      // Test files get uvu's suite wrapped so skips are counted per test (test/harness/uvu.ts).
      const shim = path.join(root, 'test/harness/uvu.ts');
      build.onResolve({ filter: /^uvu$/ }, (a) => (a.importer === shim ? undefined : { path: shim }));
      build.onLoad({ filter: /.*/, namespace: 'hsi-test' }, (a) => {
        if (a.path === 'hsi-test:entry') {
          const lines = ["import 'hsi-test:defer';"];
          files.forEach((f, i) => lines.push(`import 'hsi-test:slot:${i}';`, `import ${JSON.stringify(path.join(root, 'test', f))};`));
          lines.push(`import { main } from ${JSON.stringify(path.join(root, 'test/harness', mainModule))};`, 'main();');
          return { contents: lines.join('\n'), resolveDir: root, loader: 'js' };
        }
        if (a.path === 'hsi-test:defer') return { contents: 'globalThis.UVU_DEFER = 1; globalThis.UVU_QUEUE = [];', loader: 'js' };
        const i = Number(a.path.split(':')[2]);
        return { contents: `globalThis.UVU_INDEX = ${i}; globalThis.UVU_QUEUE[${i}] = [${JSON.stringify(files[i])}];`, loader: 'js' };
      });
    },
  };
}

async function bundle(target, files, outfile) {
  await esbuild.build({
    ...baseOptions(target),
    entryPoints: ['hsi-test:entry'],
    outfile,
    plugins: [entryPlugin(files, target === 'node' ? 'node-main.ts' : 'browser-main.ts')],
  });
}

function runNode(outfile, parityFile) {
  // The counts come back in a file, not on stdout, so test output can never garble them.
  const resultFile = path.join(path.dirname(outfile), 'node-result.json');
  rmSync(resultFile, { force: true });
  rmSync(parityFile, { force: true });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', outfile], {
      cwd: root, env: { ...process.env, HSI_PARITY_FILE: parityFile, HSI_RESULT_FILE: resultFile }, stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('close', (code, signal) => {
      const result = readJson(resultFile);
      if (result && result.running === undefined) return resolve(result);
      // The signal tells a native crash (SIGSEGV, SIGABRT in Dawn or the Vulkan driver) from the
      // OOM killer (SIGKILL); the counts before the crash stand, and the crash is one failure.
      const sofar = result ?? { passed: 0, failed: 0, skipped: 0, files: 0, skips: [] };
      const where = result ? `while running ${result.running}` : 'before its first test file';
      const maps = result?.mappings === undefined ? '' : `; ${result.mappings} memory mappings when that file started, of vm.max_map_count ${maxMapCount()}`;
      const crash = `node: the test process died ${where} (exit code ${code}, signal ${signal ?? 'none'}${maps}); the files after it did not run (a crash counts as a failure)`;
      console.error(crash);
      resolve({ ...sofar, failed: sofar.failed + 1, crash });
    });
  });
}

function maxMapCount() {
  try {
    return readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** A JSON file the Node run wrote, or null when it left none (or died while writing it). */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

function summary(env, r) {
  const empty = r.passed + r.failed === 0;
  console.log(`${env}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${r.files} files${empty ? ' — NO TESTS RAN (counted as a failure)' : ''}`);
  // Repeated beside the totals: a CI log is often read from its tail only.
  if (r.crash) console.log(r.crash);
  // The margin to lavapipe's crash (docs/engine.md#bind-groups), sampled between test files.
  if (r.peakMappings) console.log(`${env}: at most ${r.peakMappings} memory mappings between test files, of vm.max_map_count ${maxMapCount()}`);
  const byReason = new Map();
  for (const s of r.skips ?? []) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
  for (const [reason, list] of byReason) {
    const why = { adapter: 'expected: the adapter lacks the feature', host: 'expected: the host lacks the API' }[reason] ?? 'allowed by HSI_ALLOW_MISSING_DATA=1';
    console.log(`${env}: ${list.length} skip(s) for ${reason} (${why}):`);
    for (const s of list) console.log(`  ${s.test}: ${s.what}`);
  }
  return empty ? { ...r, failed: r.failed + 1 } : r;
}

const files = testFiles();
if (files.length === 0) {
  console.error(`test: filter: expected at least one test file matching ${filters.join(' ')}, got none`);
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const totals = [];
if (!flags.has('--no-typecheck')) {
  console.log('typecheck: tsc --noEmit');
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
    totals.push({ passed: 1, failed: 0, skipped: 0 });
  } catch {
    console.error('typecheck: FAILED (errors above); the tests still run');
    totals.push({ passed: 0, failed: 1, skipped: 0 });
  }
}
if (!flags.has('--no-build')) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });

const parityFile = path.join(outDir, 'parity.json');
if (!flags.has('--browser-only')) {
  console.log(`\n== Node (Dawn): ${files.length} test files`);
  await bundle('node', files, path.join(outDir, 'node.mjs'));
  totals.push(summary('node', await runNode(path.join(outDir, 'node.mjs'), parityFile)));
}
const browserFiles = files.filter((f) => !f.endsWith('.node.test.ts'));
if (!flags.has('--node-only') && browserFiles.length > 0) {
  console.log(`\n== Chromium (headless, WebGPU): ${browserFiles.length} test files`);
  await bundle('browser', browserFiles, path.join(outDir, 'browser.js'));
  const nodeParity = readJson(parityFile) ?? {};
  totals.push(summary('chromium', await runInChromium(path.join(outDir, 'browser.js'), nodeParity)));
}
const count = (key) => totals.reduce((s, r) => s + (r[key] ?? 0), 0);
const [passed, failed, skipped] = [count('passed'), count('failed'), count('skipped')];
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
