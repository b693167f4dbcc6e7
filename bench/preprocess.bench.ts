/**
 * CPU preprocessing: the AssemblyScript/wasm kernels (src/data/{scale,pca,slic}.ts) against
 * their plain-TypeScript twins (test/ref/) on real scenes: ABU airport-2 (100×100×205) and the
 * Indian Pines subset (85×70×200) from ../shared/data, or seeded cubes of the same sizes where
 * that folder is absent. Each case checks wasm against the twin before timing; the wasm time
 * includes copying the cube into and out of wasm memory. Prints one JSON object.
 * BENCH_RUNS (default 5) timed runs per case after one warm-up; medians reported.
 */
import { existsSync } from 'node:fs';
import { makeCube, type Cube } from '../src/data/cube.ts';
import { readMatFile } from '../src/data/mat.ts';
import { pca } from '../src/data/pca.ts';
import { scaleCube } from '../src/data/scale.ts';
import { slic, superAdSlic } from '../src/data/slic.ts';
import { covarianceRef, jacobiEigenRef, projectRef } from '../test/ref/pca.ts';
import { scaleRef } from '../test/ref/scale.ts';
import { slicLabRef, slicRef } from '../test/ref/slic.ts';
import { emit, QUICK, RUNS, time, values, type Timing } from './harness.ts';

const SCENES: [string, string, number, number, number][] = [
  ['abu-airport-2 100x100x205', '../shared/data/had/abu-airport-2.mat', 100, 100, 205],
  ['indian-pines-subset 85x70x200', '../shared/data/clust/Indian_pines_subset85x70.mat', 85, 70, 200],
];

async function load([name, path, rows, cols, bands]: (typeof SCENES)[number]): Promise<Cube> {
  if (existsSync(path)) return (await readMatFile(path)).cube;
  const data = values(rows * cols * bands, rows).map((v, i) => 1000 + 500 * v + (i % 97));
  return makeCube(`${name} (seeded)`, rows, cols, bands, data);
}

const timed = (fn: () => unknown): Promise<Timing> => time(async () => void (await fn()));

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench preprocess: ${what}: wasm and twin disagree, not timing`);
}

async function benchScene(cube: Cube) {
  const out: Record<string, unknown>[] = [];
  for (const mode of ['global-minmax', 'band-minmax', 'zscore'] as const) {
    const d = maxDiff((await scaleCube(cube, mode)).cube.data, scaleRef(cube.data, cube.bands, mode).out);
    check(d < 1e-5, `scale ${mode} (max diff ${d})`);
    const wasmMs = await timed(() => scaleCube(cube, mode));
    const twinMs = await timed(() => scaleRef(cube.data, cube.bands, mode));
    out.push({ op: `scale ${mode}`, maxAbsDiff: d, wasmMs, twinMs });
  }
  const k = 10;
  const twinPca = () => {
    const { mean, cov } = covarianceRef(cube.data, cube.bands);
    const eig = jacobiEigenRef(cov, cube.bands);
    return { eig, proj: projectRef(cube.data, cube.bands, mean, eig.vectors.slice(0, k)) };
  };
  const got = await pca(cube, k);
  const want = twinPca();
  const dc = maxDiff(got.components, want.eig.vectors.slice(0, k).flat());
  check(dc < 1e-4, `pca components (max diff ${dc})`);
  // Quick mode checks PCA and SLIC against their twins but times only the wasm (the twins take ~25 s).
  out.push({ op: `pca k=${k}`, maxAbsDiffComponents: dc, wasmMs: await timed(() => pca(cube, k)), twinMs: QUICK ? null : await timed(twinPca) });
  const o = { ...superAdSlic, bands: [54, 34, 14] as [number, number, number] };
  const twinSlic = () => slicRef(slicLabRef(cube.data, cube.rows, cube.cols, o.bands), cube.rows, cube.cols, o);
  const twinLabels = twinSlic();
  const same = (await slic(cube)).data.every((v, i) => v === twinLabels[i]);
  check(same, 'slic labels');
  out.push({ op: 'slic Super-AD (n 100, compactness 0.01, 1000 rounds)', identicalLabels: same, wasmMs: await timed(() => slic(cube)), twinMs: QUICK ? null : await timed(twinSlic) });
  return out;
}

const results: Record<string, unknown> = {};
// Quick mode: the smaller scene only.
for (const s of QUICK ? SCENES.slice(1) : SCENES) {
  const cube = await load(s);
  const rows = await benchScene(cube);
  results[cube.name ?? s[0]] = rows;
  // The engine here is the wasm path; its peer the plain-TypeScript twin.
  for (const r of rows) emit('preprocess', `${r.op} · ${cube.name ?? s[0]}`, r.wasmMs as Timing, r.twinMs ? { 'plain TS twin': r.twinMs as Timing } : {});
}
console.error(JSON.stringify({ bench: 'preprocess', runs: RUNS, node: process.version, results }));
