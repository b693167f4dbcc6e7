// Runs bench/*.bench.ts in Node, one at a time, and writes the uniform results to
// bench/results/<date>-<adapter>.json and .md (bench/results/README.md explains the files).
//   node scripts/bench.mjs [names…] [--filter X] [--quick] [--json] [--runs N] [--no-write]
// names / --filter: substrings of a benchmark file name (or of a case name, for the cases in
// the files that match none by name). --quick: smaller cases (whole suite in minutes).
// --json: print the JSON result instead of the Markdown table.
// scripts/bench-browser.mjs runs the GPU benchmarks in headless Chromium with the same options.
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { baseOptions, root } from './esbuild-config.mjs';
import { markdown } from './bench-results.mjs';
import { applyCeilings, benchEnv, collect, parseArgs, resultDoc, runFile, selectFiles, writeResults } from './bench-run.mjs';

const opt = parseArgs(process.argv.slice(2));
const { files, caseFilter } = selectFiles(opt);

/** Runs one bundle; resolves with its stdout (stderr streams through for progress). */
function runBundle(file) {
  const env = { ...process.env, ...benchEnv(opt, caseFilter) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench: ${file} exited with ${code}`))));
  });
}

const started = Date.now();
const run = { records: [], failures: [], fileSeconds: {}, adapter: null, files };
for (const f of files) {
  const out = path.join(root, 'dist/bench', f.replace(/\.ts$/, '.mjs'));
  await esbuild.build({ ...baseOptions('node'), entryPoints: [path.join(root, 'bench', f)], outfile: out });
  console.error(`== ${f}`);
  await runFile(run, f, caseFilter, () => runBundle(out));
}

applyCeilings(run.records);
const result = resultDoc(opt, run, started);
const md = markdown(result);
if (opt.write) writeResults(result, md);
console.log(opt.json ? JSON.stringify(result, null, 1) : md);
if (run.failures.length) process.exitCode = 1;
