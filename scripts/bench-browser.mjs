// Runs the GPU benchmarks (bench/*.bench.ts) in headless Chromium (WebGPU on SwiftShader), one
// page per file, and writes bench/results/<date>-<adapter>-browser[-quick].{json,md}: the same
// records as scripts/bench.mjs, plus a Node-vs-Chromium table when a Node result of the same
// date and mode is there (the parity view). Same options as scripts/bench.mjs:
//   node scripts/bench-browser.mjs [names…] [--filter X] [--quick] [--json] [--runs N] [--no-write]
// The TF.js peers stay in Node (bench/peers.browser.ts replaces bench/peers.ts here), so the
// browser rows have hsi-gpu alone. Never downloads a browser: /usr/bin/chromium (scripts/setup.sh).
import http from 'node:http';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { baseOptions, root } from './esbuild-config.mjs';
import { markdown } from './bench-results.mjs';
import { applyCeilings, benchEnv, collect, parseArgs, resultDoc, runFile, selectFiles, writeResults } from './bench-run.mjs';
import { CHROMIUM, CHROMIUM_FLAGS } from './chromium.mjs';

// The WebAssembly CPU benchmarks (preprocess, augment) import node:fs and node:os and time no
// kernel; the whole-model training runs (bs3lnet, train) are not kernel cases: all stay Node-only.
const NODE_ONLY = new Set(['preprocess', 'augment', 'bs3lnet', 'train']);
const PER_FILE_MS = 20 * 60_000;
const outDir = path.join(root, 'dist/bench-browser');

// Swaps bench/peers.ts (TF.js on Dawn and wasm files on disk) for its browser stub.
const browserPeers = {
  name: 'hsi-bench-browser-peers',
  setup(build) {
    build.onResolve({ filter: /^\.\/peers\.ts$/ }, (a) =>
      a.importer.startsWith(path.join(root, 'bench')) ? { path: path.join(root, 'bench/peers.browser.ts') } : undefined);
  },
};

/** Bundles one benchmark for the page; process.env and process.exit become page globals. */
async function bundle(file) {
  const outfile = path.join(outDir, file.replace(/\.ts$/, '.js'));
  await esbuild.build({
    ...baseOptions('browser'),
    entryPoints: [path.join(root, 'bench', file)],
    outfile,
    plugins: [browserPeers],
    define: { ...baseOptions('browser').define, 'process.env': 'globalThis.__hsiBenchEnv', 'process.exit': 'globalThis.__hsiBenchExit' },
  });
  return outfile;
}

// The page sets the BENCH_* globals, imports the bundle and leaves how it ended on window:
// a dynamic import resolves once the module's top-level awaits are done.
const page = (env) => `<!doctype html><meta charset="utf-8"><title>hsi-gpu benchmark</title>
<script>globalThis.__hsiBenchEnv = ${JSON.stringify(env)}; globalThis.__hsiBenchExit = (code) => { globalThis.__hsiBenchCode ??= code; };</script>
<script type="module">
try { await import('/bench.js'); globalThis.__hsiBenchDone = { code: globalThis.__hsiBenchCode ?? 0 }; }
catch (e) { globalThis.__hsiBenchDone = { error: String(e?.stack ?? e) }; }
</script>`;

// Cross-origin isolation gives performance.now() 5 µs resolution instead of 100 µs.
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

function serve(state) {
  const server = http.createServer((req, res) => {
    const file = { '/bench.js': state.bundle, '/bench.js.map': `${state.bundle}.map` }[req.url ?? '/'];
    if (req.url === '/') return res.writeHead(200, { ...ISOLATED, 'content-type': 'text/html' }).end(page(state.env));
    if (!file) return res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
    res.writeHead(200, { ...ISOLATED, 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Loads the served bundle in a fresh context; resolves with its console.log text (its stdout). */
async function runPage(browser, url) {
  const context = await browser.newContext();
  const lines = [];
  try {
    const p = await context.newPage();
    // console.log is the benchmark's stdout (records); error and warn are its progress on stderr.
    p.on('console', (m) => (m.type() === 'log' ? lines.push(m.text()) : console.error(m.text())));
    p.on('pageerror', (e) => console.error(`chromium: uncaught page error: ${e.stack ?? e}`));
    await p.goto(url);
    await p.waitForFunction(() => globalThis.__hsiBenchDone !== undefined, null, { timeout: PER_FILE_MS, polling: 250 });
    const done = await p.evaluate(() => globalThis.__hsiBenchDone);
    if (done.error) throw new Error(`bench: chromium: ${done.error}`);
    if (done.code !== 0) throw new Error(`bench: chromium: exit code: expected 0, got ${done.code}`);
    return lines.join('\n');
  } finally {
    await context.close();
  }
}

/** The newest Node result (not a browser one) of the same day and mode, if any. */
function nodeResult(result) {
  const dir = path.join(root, 'bench/results');
  if (!existsSync(dir)) return null;
  const mode = result.quick ? /-quick\.json$/ : /^(?!.*-quick\.json$).*\.json$/;
  const found = readdirSync(dir).filter((f) => f.startsWith(result.date.slice(0, 10)) && mode.test(f) && !f.includes('-browser'))
    .sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs);
  return found.length ? { file: found[0], doc: JSON.parse(readFileSync(path.join(dir, found[0]), 'utf8')) } : null;
}

// A case name may end in the kernel variant the adapter picked: "512³ (subgroup)", or in older
// results "512³ [hsi tiled]". `variant` splits it off: [case, variant].
const variant = (name) => {
  const m = /^(.*?)\s*(?:\(([^)]*)\)|\[([^\]]*)\])$/.exec(name);
  return m ? [m[1], m[2] ?? m[3]] : [name, ''];
};
const ms3 = (v) => +v.toFixed(3);

/**
 * Per case run in both: hsi-gpu's median in Node and in Chromium, and Chromium / Node. A case
 * matches by name, or else by name without its variant, the same variant first (`nodeName`
 * then names the Node case).
 */
function parity(result, node) {
  const key = (r, name) => `${r.bench}\n${name}`;
  const exact = new Map(node.doc.records.map((r) => [key(r, r.name), r]));
  const loose = new Map();
  for (const n of node.doc.records) {
    const k = key(n, variant(n.name)[0]);
    loose.set(k, [...(loose.get(k) ?? []), n]);
  }
  return result.records.flatMap((r) => {
    const [base, v] = variant(r.name);
    const near = loose.get(key(r, base)) ?? [];
    const n = exact.get(key(r, r.name)) ?? near.find((c) => v && variant(c.name)[1].includes(v)) ?? near[0];
    if (!n) return [];
    const row = { bench: r.bench, name: r.name, nodeMs: ms3(n.hsi.medianMs), browserMs: ms3(r.hsi.medianMs), ratio: +(r.hsi.medianMs / n.hsi.medianMs).toFixed(2) };
    return [n.name === r.name ? row : { ...row, nodeName: n.name }];
  });
}

/** The parity rows as a Markdown section appended to the browser result's table. */
function parityMarkdown(node, rows) {
  const a = node.doc.adapter;
  const lines = [
    '', `## Node vs Chromium (hsi-gpu medians; Node run ${node.file}, adapter ${a ? [a.vendor, a.architecture, a.device].filter(Boolean).join(' / ') : 'unknown'})`, '',
    'The ratio is Chromium time / Node time (above 1: slower in Chromium). Different adapters can pick different kernel variants.', '',
    '| bench | case | Node ms | Chromium ms | ratio |', '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const name = (r.nodeName ? `${r.name}; Node: ${r.nodeName}` : r.name).replaceAll('|', '\\|');
    lines.push(`| ${r.bench} | ${name} | ${r.nodeMs} | ${r.browserMs} | ${r.ratio}× |`);
  }
  return `${lines.join('\n')}\n`;
}

const opt = parseArgs(process.argv.slice(2));
const { files, caseFilter } = selectFiles(opt, (f) => !NODE_ONLY.has(f.replace(/\.bench\.ts$/, '')));
const state = { bundle: '', env: benchEnv(opt, caseFilter) };
const server = await serve(state);
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
const version = browser.version();
const started = Date.now();
const run = { records: [], failures: [], fileSeconds: {}, adapter: null, files };
try {
  for (const f of files) {
    state.bundle = await bundle(f);
    console.error(`== ${f} (chromium)`);
    await runFile(run, f, caseFilter, () => runPage(browser, `http://127.0.0.1:${server.address().port}/`));
  }
} finally {
  await browser.close();
  server.close();
}

applyCeilings(run.records);
const result = resultDoc(opt, run, started, { browser: `Chromium ${version}` });
const node = nodeResult(result);
if (node) Object.assign(result, { nodeResult: node.file, parity: parity(result, node) });
const md = markdown(result).replace(/^# hsi-gpu benchmarks,/, `# hsi-gpu benchmarks in ${result.browser},`) + (node ? parityMarkdown(node, result.parity) : '');
if (opt.write) writeResults(result, md, '-browser');
console.log(opt.json ? JSON.stringify(result, null, 1) : md);
if (run.failures.length) process.exitCode = 1;
