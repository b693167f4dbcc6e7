// What the benchmark runners share (scripts/bench.mjs for Node, scripts/bench-browser.mjs for
// headless Chromium): the command line, which files run, the BENCH_* settings handed to each
// benchmark, reading the tagged records out of its output, and writing bench/results/.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './esbuild-config.mjs';
import { fromLegacy } from './bench-results.mjs';

/** The runners' options: [names…] [--filter X] [--quick] [--json] [--runs N] [--no-write]. */
export function parseArgs(args) {
  const opt = { filters: [], quick: false, json: false, runs: null, write: true };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick') opt.quick = true;
    else if (a === '--json') opt.json = true;
    else if (a === '--no-write') opt.write = false;
    else if (a === '--filter') opt.filters.push(args[++i]);
    else if (a.startsWith('--filter=')) opt.filters.push(a.slice(9));
    else if (a === '--runs') opt.runs = Number(args[++i]);
    else if (a.startsWith('--')) throw new Error(`bench: option: expected one of --quick, --filter, --runs, --json, --no-write, got ${a}`);
    else opt.filters.push(a);
  }
  return opt;
}

/**
 * The benchmark files to run, among those `eligible` keeps, ceiling first (every later case is
 * reported as a fraction of it). A filter that names no file selects cases by name inside every
 * file: that is `caseFilter`.
 */
export function selectFiles(opt, eligible = () => true) {
  const all = readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.bench.ts') && eligible(f))
    .sort((a, b) => Number(b.startsWith('ceiling')) - Number(a.startsWith('ceiling')) || a.localeCompare(b));
  const byFile = all.filter((f) => opt.filters.length === 0 || opt.filters.some((x) => f.includes(x)));
  const caseFilter = byFile.length === 0 && opt.filters.length === 1 ? opt.filters[0] : '';
  const files = byFile.length ? byFile : caseFilter ? all : [];
  if (files.length === 0) throw new Error(`bench: filter: expected a benchmark matching ${opt.filters.join(', ')}, got none`);
  return { files, caseFilter };
}

/** The settings bench/harness.ts reads: process.env in Node, a page global in Chromium. */
export function benchEnv(opt, caseFilter) {
  const env = { BENCH_QUICK: opt.quick ? '1' : '0', BENCH_FILTER: caseFilter };
  if (opt.runs) env.BENCH_RUNS = String(opt.runs);
  return env;
}

/**
 * Takes one benchmark's records out of its standard output into `run` ({ records, adapter }):
 * `@@bench-record` and `@@bench-adapter` lines, or else one JSON document from an older benchmark.
 */
export function collect(run, bench, stdout, caseFilter) {
  const rest = [];
  let tagged = 0;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@bench-record ')) run.records.push(JSON.parse(line.slice(15))), tagged++;
    else if (line.startsWith('@@bench-adapter ')) run.adapter ??= JSON.parse(line.slice(16));
    else rest.push(line);
  }
  const text = rest.join('\n').trim();
  if (tagged || !text) return;
  try {
    const doc = JSON.parse(text);
    run.adapter ??= doc.adapter ?? null;
    run.records.push(...fromLegacy(bench, doc).filter((r) => !caseFilter || r.name.includes(caseFilter)));
  } catch {
    console.error(`bench: ${bench}: output: expected JSON or tagged records, got other text; no records taken`);
  }
}

/**
 * Runs one benchmark file through `exec` (resolves with its standard output) and files its
 * records, its seconds or its failure in `run`; a failure is reported and the suite goes on.
 */
export async function runFile(run, file, caseFilter, exec) {
  const bench = file.replace(/\.bench\.ts$/, '');
  const t0 = Date.now();
  try {
    collect(run, bench, await exec(), caseFilter);
  } catch (e) {
    run.failures.push({ bench, error: e.message });
    console.error(e.message);
    return;
  }
  run.fileSeconds[bench] = +((Date.now() - t0) / 1000).toFixed(1);
  console.error(`   ${file}: ${run.fileSeconds[bench]} s`);
}

/** Each case's fraction of the adapter's FMA or copy roof (bench/ceiling.bench.ts), when that ran. */
export function applyCeilings(records) {
  const roof = (re, key) => records.find((r) => r.bench === 'ceiling' && re.test(r.name))?.hsi[key];
  const [fmaRoof, copyRoof] = [roof(/^FMA/, 'gflops'), roof(/^copy/, 'gbps')];
  // The WebAssembly preprocessing benchmarks run on the CPU, not the adapter: no GPU roof applies.
  const cpuBenches = new Set(['ceiling', 'preprocess', 'augment']);
  for (const r of records) {
    if (cpuBenches.has(r.bench)) continue;
    if (r.hsi.estimate) continue;
    if (fmaRoof && r.hsi.gflops != null) r.ceiling = +(r.hsi.gflops / fmaRoof).toFixed(3);
    else if (copyRoof && r.hsi.gbps != null) r.ceiling = +(r.hsi.gbps / copyRoof).toFixed(3);
  }
}

/** The result document both runners write; `extra` adds runner-specific fields (e.g. the browser). */
export function resultDoc(opt, run, started, extra = {}) {
  return {
    date: new Date().toISOString(), adapter: run.adapter, node: process.version, ...extra,
    cpus: `${os.cpus()[0]?.model} × ${os.cpus().length}`, loadavg: os.loadavg().map((v) => +v.toFixed(2)),
    quick: opt.quick, runs: opt.runs ?? Math.max(10, Number(process.env.BENCH_RUNS ?? 10)),
    wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
    fileSeconds: run.fileSeconds, files: run.files, failures: run.failures, records: run.records,
  };
}

/** Writes bench/results/<date>-<adapter><suffix>[-quick].{json,md}; returns the base name. */
export function writeResults(result, md, suffix = '') {
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const name = `${result.date.slice(0, 10)}-${slug(result.adapter)}${suffix}${result.quick ? '-quick' : ''}`;
  writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 1)}\n`);
  writeFileSync(path.join(dir, `${name}.md`), md);
  console.error(`bench: wrote bench/results/${name}.json and .md`);
  return name;
}

function slug(a) {
  const words = a ? [a.vendor, a.architecture, a.device || a.description].filter(Boolean).join('-') : 'unknown-adapter';
  return words.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'adapter';
}
