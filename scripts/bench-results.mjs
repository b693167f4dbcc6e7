// The benchmark result records (bench/harness.ts CaseRecord) from older per-file JSON, and the
// Markdown table scripts/bench.mjs and scripts/bench-browser.mjs write next to the JSON.

const ENGINE = /^(hsi|engine)/i;
const IMPL = /^(hsi|engine|tfjs|wasm|twin|raw|js|ref)/i;

/** Every timing leaf ({ medianMs, … }) of `node`, with the case path and implementation above it. */
function leaves(node, ctx, out) {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) {
    for (const v of node) leaves(v, ctx, out);
    return out;
  }
  if (typeof node.medianMs === 'number') {
    out.push({ ...ctx, t: node });
    return out;
  }
  const here = { ...ctx, parts: [...ctx.parts] };
  if (typeof node.case === 'string') here.parts.push(node.case);
  if (typeof node.name === 'string') here.parts.push(node.name);
  if (typeof node.impl === 'string') here.impl = node.impl;
  if (typeof node.gflop === 'number') here.flops = node.gflop * 1e9;
  for (const key of ['bytes', 'bytesPerOp']) if (typeof node[key] === 'number') here.bytes = node[key];
  for (const [k, v] of Object.entries(node)) {
    if (!v || typeof v !== 'object') continue;
    if (IMPL.test(k)) leaves(v, { ...here, impl: k }, out);
    else if (k === 'rows' || k === 'results') leaves(v, here, out);
    else leaves(v, { ...here, parts: [...here.parts, k] }, out);
  }
  return out;
}

const measured = (l) => {
  const t = l.t;
  const m = { medianMs: t.medianMs, minMs: t.minMs ?? null, maxMs: t.maxMs ?? null, q1Ms: t.q1Ms ?? null, q3Ms: t.q3Ms ?? null, runs: t.runs ?? null };
  const gf = t.gflops ?? (l.flops ? +(l.flops / t.medianMs / 1e6).toFixed(2) : undefined);
  const gb = t.GBps ?? t.gbps ?? t.gbs ?? (l.bytes ? +(l.bytes / t.medianMs / 1e6).toFixed(2) : undefined);
  if (gf !== undefined) m.gflops = gf;
  if (gb !== undefined) m.gbps = gb;
  return m;
};

/** Uniform records from one benchmark's JSON document: one per case and engine variant. */
export function fromLegacy(bench, doc) {
  const groups = new Map();
  for (const l of leaves(doc, { parts: [], impl: null }, [])) {
    const name = l.parts.join(' · ') || bench;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(l);
  }
  const records = [];
  for (const [name, ls] of groups) {
    const impl = (l) => l.impl ?? 'hsi';
    let mine = ls.filter((l) => ENGINE.test(impl(l)));
    if (mine.length === 0) mine = [ls[0]];
    const peers = Object.fromEntries(ls.filter((l) => !mine.includes(l)).map((l) => [impl(l), measured(l)]));
    for (const m of mine) {
      const hsi = measured(m);
      const label = mine.length > 1 || !ENGINE.test(impl(m)) ? `${name} [${impl(m)}]` : name;
      records.push({
        bench, name: label, unit: 'ms', hsi, peers,
        ratios: Object.fromEntries(Object.entries(peers).map(([k, p]) => [k, +(p.medianMs / hsi.medianMs).toFixed(2)])),
      });
    }
  }
  return records;
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));
const spread = (m) => (m.q1Ms != null && m.q3Ms != null ? ` (${fmt(m.q1Ms)}–${fmt(m.q3Ms)})` : m.minMs != null ? ` (min ${fmt(m.minMs)})` : '');
const rate = (m) => [m.gflops != null ? `${m.gflops} GFLOP/s` : '', m.gbps != null ? `${m.gbps} GB/s` : ''].filter(Boolean).join(', ');
const peerCell = (r, key) => (r.peers[key] ? `${fmt(r.peers[key].medianMs)} (${r.ratios[key]}×)` : '–');

/** The result as a Markdown document: a header with the machine, then one table row per case. */
export function markdown(result) {
  const a = result.adapter;
  const adapter = a ? [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') : 'unknown';
  const lines = [
    `# hsi-gpu benchmarks, ${result.date}`, '',
    `Adapter: ${adapter}. CPU: ${result.cpus}; load average at the end ${result.loadavg.join(', ')}; Node ${result.node}.`,
    `${result.quick ? 'Quick suite' : 'Full suite'}, ${result.runs} timed runs per case after warm-up, each ending in a GPU sync; wall time ${result.wallSeconds} s.`,
    'Times are medians in ms with the interquartile range; a ratio is peer time / hsi time (above 1: hsi-gpu is faster).', '',
    '| bench | case | hsi-gpu ms (IQR) | rate | ceiling | TF.js WebGPU ms (ratio) | TF.js wasm ms (ratio) | other peers |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of result.records) {
    const others = Object.keys(r.peers).filter((k) => k !== 'tfjs webgpu' && k !== 'tfjs wasm').map((k) => `${k} ${peerCell(r, k)}`).join('; ');
    const ceiling = r.ceiling != null ? `${(100 * r.ceiling).toFixed(1)} %` : '';
    lines.push(`| ${r.bench} | ${r.name.replaceAll('|', '\\|')} | ${fmt(r.hsi.medianMs)}${spread(r.hsi)} | ${rate(r.hsi)} | ${ceiling} | ${peerCell(r, 'tfjs webgpu')} | ${peerCell(r, 'tfjs wasm')} | ${others} |`);
  }
  for (const f of result.failures ?? []) lines.push('', `Failed: ${f.bench}: ${f.error}`);
  return `${lines.join('\n')}\n`;
}
