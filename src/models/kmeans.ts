/**
 * k-means, the clustering baseline (the role RX plays for detection): Lloyd's algorithm (Lloyd,
 * IEEE Trans. Inf. Theory 1982) from k-means++ seeds (Arthur & Vassilvitskii, SODA 2007), several
 * restarts keeping the lowest inertia, as scikit-learn's `KMeans(algorithm='lloyd')` runs it
 * (sklearn/cluster/_kmeans.py), on per-band z-scored spectra (optionally PCA).
 *
 * - Seeding: scikit-learn's greedy k-means++ (2 + ⌊ln k⌋ candidates per centre, the one that
 *   lowers the potential most is kept), in float64 on the host from one mulberry32 stream
 *   (data/synth.ts synthRng) seeded by `seed` and shared by the restarts in order. Host work is
 *   O(n·d·k·(2 + ln k)) per restart, small next to the Lloyd iterations.
 * - Assignment on the GPU, in blocks of `block` pixels so any scene fits the binding limits:
 *   argmin over j of ‖c_j‖² − 2 x·c_j (one matmul with −2C, exact in f32, and a broadcast add);
 *   first index on ties. Centroid sums are onehot(labels)ᵀ · x (indexSelect of the identity, one
 *   matmul: a fixed summation order, no atomics); counts Σ onehot. Each point's distance is
 *   ‖x‖² + min_j(‖c_j‖² − 2 x·c_j), clamped at 0 (‖x‖² computed once per resident block: the
 *   exact ‖x − c_label‖² from gathered centroids cost four [rows, d] elementwise passes, as much
 *   as the two matmuls, on lavapipe; f32 cancellation leaves an error of about 1e-7·‖x‖² per
 *   point), summed per block on the GPU.
 *   The host adds the blocks' sums, counts and inertias in float64 and forms the new centroids.
 * - Blocks stay on the GPU when all of them fit `residentBytes`; beyond it (a Pavia-Centre-sized
 *   scene) each pass uploads them again, so GPU memory is bounded by a few blocks.
 * - Tolerance as scikit-learn's: stop when Σ_j ‖c_j′ − c_j‖² ≤ tol · mean per-feature variance
 *   of the data; then one more assignment gives labels and inertia for the final centroids
 *   (skipped when the shift is exactly 0: the labels cannot change).
 * - Empty clusters (scikit-learn's `_relocate_empty_clusters`): the points farthest from their
 *   centroid (descending distance, lower index on ties) become the empty clusters' centroids,
 *   in ascending cluster order, and leave their old cluster's sum and count.
 */
import type { Gpu } from '../gpu/index.ts';
import { DataError, type Cube } from '../data/cube.ts';
import { scaleCube } from '../data/scale.ts';
import { pca as pcaCube } from '../data/pca.ts';
import { synthRng } from '../data/synth.ts';
import { OptionError } from '../errors.ts';
import { tensor } from '../ops/fill.ts';
import { matmul } from '../ops/matmul.ts';
import { add, maximum } from '../ops/binary.ts';
import { square } from '../ops/unary.ts';
import { argmin, min, sum } from '../ops/reduce.ts';
import { concat, reshape } from '../ops/shape.ts';
import { indexSelect } from '../ops/gather.ts';
import { keep, scope, type Tensor } from '../tensor/index.ts';
import { checkOptions, type ModelEntry } from './registry.ts';

export interface KmeansOptions {
  k: number;
  /** k-means++ restarts; the lowest inertia wins (default 10). */
  restarts?: number;
  /** Lloyd iterations per restart at most (default 300). */
  maxIter?: number;
  /** Relative tolerance on the squared centre shift (default 1e-4, see the file comment). */
  tol?: number;
  /** Seed of the host generator behind the k-means++ draws (default 1). */
  seed?: number;
  /** kmeansCube only: PCA components after the z-score (null or 0: none). */
  pca?: number | null;
  /** Points per GPU block (default 65536, fewer when a block would pass the binding limit). */
  block?: number;
  /** Blocks stay on the GPU while they take at most this many bytes (default 128 MiB). */
  residentBytes?: number;
  /** Checked between iterations: a stop returns the best restart so far with `aborted` set. */
  signal?: AbortSignal;
}

export interface KmeansResult {
  labels: Int32Array;
  /** k × d, row-major. */
  centroids: Float32Array;
  /** Σ ‖x − c_label‖² over all points (float64 sum of f32 block sums). */
  inertia: number;
  /** Lloyd iterations of the winning restart. */
  iterations: number;
  /** Index of the winning restart. */
  restart: number;
  /** Set when the signal stopped the run (after `restart` restarts). */
  aborted?: boolean;
}

export const KMEANS_DEFAULTS = { restarts: 10, maxIter: 300, tol: 1e-4, seed: 1, block: 65536, residentBytes: 128 * 2 ** 20 } as const;

/** What one assignment pass over every block gives (labels and distances stay on the GPU). */
interface Pass {
  sums: Float64Array;
  counts: Float64Array;
  inertia: number;
  labels: Tensor[];
  dists: Tensor[];
}

/** The points cut into blocks of rows, uploaded once (resident) or again for every pass. */
class Blocks {
  readonly count: number;
  private readonly cache: (Tensor | null)[];
  private readonly normCache: (Tensor | null)[];

  constructor(readonly gpu: Gpu, readonly points: Float32Array, readonly n: number, readonly d: number, readonly rows: number, readonly resident: boolean) {
    this.count = Math.ceil(n / rows);
    this.cache = new Array<Tensor | null>(this.count).fill(null);
    this.normCache = new Array<Tensor | null>(this.count).fill(null);
  }

  /** Block i as [rows, d]; owned by the blocks when resident, else by the caller's scope. */
  get(i: number): Tensor {
    const cached = this.cache[i];
    if (cached) return cached;
    const start = i * this.rows;
    const rows = Math.min(this.rows, this.n - start);
    const t = tensor(this.gpu, this.points.subarray(start * this.d, (start + rows) * this.d), [rows, this.d]);
    if (this.resident) this.cache[i] = keep(t);
    return t;
  }

  /** ‖x‖² of each row of block i ([rows]), `x` being that block; cached like the block. */
  norms(i: number, x: Tensor): Tensor {
    const cached = this.normCache[i];
    if (cached) return cached;
    const t = sum(square(x), 1);
    if (this.resident) this.normCache[i] = keep(t);
    return t;
  }

  dispose(): void {
    for (const t of [...this.cache, ...this.normCache]) t?.dispose();
    this.cache.fill(null);
    this.normCache.fill(null);
  }
}

/** Rows per block: the option, capped so a block [rows, d] fits one storage binding. */
function blockRows(gpu: Gpu, n: number, d: number, k: number, block: number): number {
  const limit = Math.floor(gpu.limits.maxStorageBufferBindingSize / (4 * Math.max(d, k)));
  return Math.max(1, Math.min(n, block, limit));
}

/**
 * One assignment pass: labels and squared distances per block (kept on the GPU for the caller
 * to read or dispose), and the float64 totals of the centroid sums, counts and inertia.
 */
async function assign(blocks: Blocks, centroids: Float64Array, k: number): Promise<Pass> {
  const { gpu, d } = blocks;
  const c32 = Float32Array.from(centroids);
  // ‖c_j‖² of the f32 centroids the GPU sees, and −2C (exact in f32).
  const cNorm = Float32Array.from({ length: k }, (_, j) => c32.subarray(j * d, (j + 1) * d).reduce((s, v) => s + v * v, 0));
  const eye = Float32Array.from({ length: k * k }, (_, i) => (i % (k + 1) === 0 ? 1 : 0));
  const out = scope(() => {
    const cm2 = tensor(gpu, c32.map((v) => -2 * v), [k, d]);
    const cn = tensor(gpu, cNorm, [1, k]);
    const id = tensor(gpu, eye, [k, k]);
    const parts: Tensor[] = [];
    const labels: Tensor[] = [];
    const dists: Tensor[] = [];
    for (let b = 0; b < blocks.count; b++) {
      // One block's work in its own scope, so a streamed block and its [rows, k] scores are freed.
      const r = scope(() => {
        const x = blocks.get(b);
        const score = add(matmul(x, cm2, { transposeB: true }), cn);
        const lab = argmin(score, 1);
        const onehot = indexSelect(id, 0, lab);
        const sums = matmul(onehot, x, { transposeA: true });
        const dist = maximum(add(min(score, 1), blocks.norms(b, x)), 0);
        const part = concat([reshape(sums, [k * d]), sum(onehot, 0), sum(dist, 0, true)], 0);
        return { lab, dist, part };
      });
      parts.push(r.part);
      labels.push(r.lab);
      dists.push(r.dist);
    }
    return { all: concat(parts, 0), labels, dists };
  });
  keep(out.all);
  out.labels.forEach((t) => keep(t));
  out.dists.forEach((t) => keep(t));
  const host = (await out.all.data()) as Float32Array;
  out.all.dispose();
  return { ...totals(host, blocks.count, k, d), labels: out.labels, dists: out.dists };
}

/** Float64 totals of the blocks' [sums (k·d) | counts (k) | inertia (1)] records. */
function totals(host: Float32Array, count: number, k: number, d: number): { sums: Float64Array; counts: Float64Array; inertia: number } {
  const stride = k * d + k + 1;
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let inertia = 0;
  for (let b = 0; b < count; b++) {
    const o = b * stride;
    for (let i = 0; i < k * d; i++) sums[i] += host[o + i];
    for (let j = 0; j < k; j++) counts[j] += host[o + k * d + j];
    inertia += host[o + stride - 1];
  }
  return { sums, counts, inertia };
}

function disposePass(p: Pass): void {
  for (const t of [...p.labels, ...p.dists]) t.dispose();
}

/** Reads a pass's per-block tensors into one host array. */
async function readBlocks<T extends Float32Array | Int32Array>(ts: Tensor[], n: number, make: (n: number) => T): Promise<T> {
  const out = make(n);
  let o = 0;
  for (const t of ts) {
    const v = (await t.data()) as T;
    out.set(v, o);
    o += v.length;
  }
  return out;
}

/**
 * Empty clusters take the points farthest from their centroid (scikit-learn's relocation):
 * descending distance, lower index first on ties; the points leave their old cluster's sums.
 */
async function relocate(pass: Pass, points: Float32Array, n: number, d: number, k: number): Promise<void> {
  const empty: number[] = [];
  for (let j = 0; j < k; j++) if (pass.counts[j] === 0) empty.push(j);
  if (empty.length === 0) return;
  const dist = await readBlocks(pass.dists, n, (m) => new Float32Array(m));
  const labels = await readBlocks(pass.labels, n, (m) => new Int32Array(m));
  const far = farthest(dist, empty.length);
  empty.forEach((j, i) => {
    const p = far[i];
    const old = labels[p];
    for (let f = 0; f < d; f++) {
      pass.sums[old * d + f] -= points[p * d + f];
      pass.sums[j * d + f] = points[p * d + f];
    }
    pass.counts[old] -= 1;
    pass.counts[j] = 1;
  });
}

/** Indices of the m largest values, descending, lower index first on ties. */
export function farthest(dist: ArrayLike<number>, m: number): number[] {
  const top: number[] = [];
  for (let p = 0; p < dist.length; p++) {
    if (top.length === m && !(dist[p] > dist[top[m - 1]])) continue;
    if (top.length < m) top.push(p);
    else top[m - 1] = p;
    for (let i = top.length - 1; i > 0 && dist[top[i - 1]] < dist[top[i]]; i--) [top[i - 1], top[i]] = [top[i], top[i - 1]];
  }
  return top;
}

/** Mean over features of the population variance of the points (scikit-learn's tolerance scale). */
export function meanVariance(points: Float32Array, n: number, d: number): number {
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let p = 0; p < n; p++) for (let f = 0; f < d; f++) mean[f] += points[p * d + f];
  for (let f = 0; f < d; f++) mean[f] /= n;
  for (let p = 0; p < n; p++) for (let f = 0; f < d; f++) sq[f] += (points[p * d + f] - mean[f]) ** 2;
  let s = 0;
  for (let f = 0; f < d; f++) s += sq[f] / n;
  return s / d;
}

/**
 * scikit-learn's greedy k-means++ in float64: the first centre uniformly, then for each next one
 * 2 + ⌊ln k⌋ candidates drawn with probability ∝ D² (searchsorted in the cumulative D²), keeping
 * the candidate that leaves the lowest potential Σ D². Returns k × d centroids.
 */
export function kmeansPlusPlus(points: Float32Array, n: number, d: number, k: number, rng: () => number): Float64Array {
  const trials = 2 + Math.floor(Math.log(k));
  const centres = new Float64Array(k * d);
  const take = (j: number, p: number): void => {
    for (let f = 0; f < d; f++) centres[j * d + f] = points[p * d + f];
  };
  const toPoint = (q: number, prev: Float64Array | null): { dist: Float64Array; pot: number } => {
    const dist = new Float64Array(n);
    let pot = 0;
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += (points[p * d + f] - points[q * d + f]) ** 2;
      dist[p] = prev && prev[p] < s ? prev[p] : s;
      pot += dist[p];
    }
    return { dist, pot };
  };
  const first = Math.min(n - 1, Math.floor(rng() * n));
  take(0, first);
  let { dist: closest, pot } = toPoint(first, null);
  const cum = new Float64Array(n);
  for (let j = 1; j < k; j++) {
    let acc = 0;
    for (let p = 0; p < n; p++) cum[p] = acc += closest[p];
    const draws = Array.from({ length: trials }, () => rng() * pot);
    let best: { id: number; dist: Float64Array; pot: number } | null = null;
    for (const r of draws) {
      const id = Math.min(n - 1, searchLeft(cum, r));
      const cand = toPoint(id, closest);
      if (!best || cand.pot < best.pot) best = { id, ...cand };
    }
    take(j, best!.id);
    closest = best!.dist;
    pot = best!.pot;
  }
  return centres;
}

/** The first index i with a[i] ≥ v (a ascending), a.length when none: numpy's searchsorted 'left'. */
function searchLeft(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface LloydRun {
  /** The assignment to the final centroids (its labels and distances still on the GPU). */
  pass: Pass;
  centroids: Float64Array;
  iterations: number;
  aborted: boolean;
}

/** Lloyd iterations from `init` until the squared centre shift is ≤ tolScaled or maxIter. */
async function runLloyd(blocks: Blocks, init: ArrayLike<number>, k: number, maxIter: number, tolScaled: number, signal?: AbortSignal): Promise<LloydRun> {
  const { points, n, d } = blocks;
  let c = Float64Array.from(init);
  let pass = await assign(blocks, c, k);
  let it = 0;
  try {
    while (it < maxIter) {
      if (signal?.aborted) return { pass, centroids: c, iterations: it, aborted: true };
      await relocate(pass, points, n, d, k);
      const next = new Float64Array(k * d);
      let shift = 0;
      for (let j = 0; j < k; j++) {
        for (let f = 0; f < d; f++) {
          const i = j * d + f;
          next[i] = pass.counts[j] > 0 ? pass.sums[i] / pass.counts[j] : c[i];
          shift += (next[i] - c[i]) ** 2;
        }
      }
      c = next;
      it++;
      // An unchanged centre set keeps its labels: the last assignment is already final.
      if (shift === 0) break;
      const old = pass;
      pass = await assign(blocks, c, k);
      disposePass(old);
      if (shift <= tolScaled) break;
    }
  } catch (e) {
    disposePass(pass);
    throw e;
  }
  return { pass, centroids: c, iterations: it, aborted: false };
}

/** Checked options with their defaults. */
function resolve(opts: KmeansOptions, n: number, d: number, points: Float32Array): Required<Omit<KmeansOptions, 'pca' | 'signal'>> {
  const op = 'kmeans';
  const int = (name: string, v: number, lo: number, hi: number): number => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new OptionError(op, `${name}: expected an integer in [${lo}, ${hi}], got ${String(v)}`);
    return v;
  };
  int('n', n, 1, 2 ** 31 - 1);
  int('d', d, 1, 2 ** 31 - 1);
  if (points.length !== n * d) throw new OptionError(op, `points: expected n × d = ${n} × ${d} = ${n * d} values, got ${points.length}`);
  const bad = points.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new DataError(op, `points[${bad}]: expected finite values, got ${points[bad]}`, "fill them first (handleNonFinite(cube, 'zero' | 'band-mean'))");
  const tol = opts.tol ?? KMEANS_DEFAULTS.tol;
  if (!(tol >= 0 && Number.isFinite(tol))) throw new OptionError(op, `tol: expected a finite number ≥ 0, got ${String(tol)}`);
  return {
    k: int('k', opts.k, 1, n),
    restarts: int('restarts', opts.restarts ?? KMEANS_DEFAULTS.restarts, 1, 10000),
    maxIter: int('maxIter', opts.maxIter ?? KMEANS_DEFAULTS.maxIter, 1, 1e6),
    tol,
    seed: int('seed', opts.seed ?? KMEANS_DEFAULTS.seed, 0, 2 ** 32 - 1),
    block: int('block', opts.block ?? KMEANS_DEFAULTS.block, 1, 2 ** 31 - 1),
    residentBytes: opts.residentBytes ?? KMEANS_DEFAULTS.residentBytes,
  };
}

function makeBlocks(gpu: Gpu, points: Float32Array, n: number, d: number, o: { k: number; block: number; residentBytes: number }): Blocks {
  return new Blocks(gpu, points, n, d, blockRows(gpu, n, d, o.k, o.block), n * d * 4 <= o.residentBytes);
}

/**
 * Lloyd's iterations on the GPU from given initial centroids (k × d), to the tolerance; the
 * building block of `kmeans` (one restart without the seeding).
 */
export async function lloyd(gpu: Gpu, points: Float32Array, n: number, d: number, init: ArrayLike<number>, opts: Omit<KmeansOptions, 'restarts' | 'seed' | 'pca'>): Promise<KmeansResult> {
  const o = resolve(opts, n, d, points);
  if (init.length !== o.k * d) throw new OptionError('kmeans', `init: expected k × d = ${o.k * d} values, got ${init.length}`);
  const blocks = makeBlocks(gpu, points, n, d, o);
  try {
    const run = await runLloyd(blocks, init, o.k, o.maxIter, o.tol * meanVariance(points, n, d), opts.signal);
    try {
      const labels = await readBlocks(run.pass.labels, n, (m) => new Int32Array(m));
      return { labels, centroids: Float32Array.from(run.centroids), inertia: run.pass.inertia, iterations: run.iterations, restart: 0, aborted: run.aborted || undefined };
    } finally {
      disposePass(run.pass);
    }
  } finally {
    blocks.dispose();
  }
}

/** Lloyd's k-means of n points of d features (row-major n × d) on the GPU. */
export async function kmeans(gpu: Gpu, points: Float32Array, n: number, d: number, opts: KmeansOptions): Promise<KmeansResult> {
  const o = resolve(opts, n, d, points);
  const rng = synthRng(o.seed);
  const tolScaled = o.tol * meanVariance(points, n, d);
  const blocks = makeBlocks(gpu, points, n, d, o);
  let best: KmeansResult | null = null;
  try {
    for (let r = 0; r < o.restarts; r++) {
      if (best && opts.signal?.aborted) return { ...best, aborted: true };
      const run = await runLloyd(blocks, kmeansPlusPlus(points, n, d, o.k, rng), o.k, o.maxIter, tolScaled, opts.signal);
      try {
        // Strictly lower: on equal inertia the earlier restart stays.
        if (!best || run.pass.inertia < best.inertia) {
          const labels = await readBlocks(run.pass.labels, n, (m) => new Int32Array(m));
          best = { labels, centroids: Float32Array.from(run.centroids), inertia: run.pass.inertia, iterations: run.iterations, restart: r };
        }
      } finally {
        disposePass(run.pass);
      }
      if (run.aborted) return { ...best, aborted: true };
    }
  } finally {
    blocks.dispose();
  }
  return best!;
}

/** Pixels of a band-sequential cube as row-major points [rows·cols, bands]. */
export function cubePoints(cube: Cube): Float32Array {
  const n = cube.rows * cube.cols;
  const d = cube.bands;
  const out = new Float32Array(n * d);
  for (let f = 0; f < d; f++) {
    const band = cube.data.subarray(f * n, (f + 1) * n);
    for (let p = 0; p < n; p++) out[p * d + f] = band[p];
  }
  return out;
}

/** Clusters every pixel of a cube: per-band z-score (data/scale.ts 'zscore'), optional PCA (data/pca.ts), then kmeans. */
export async function kmeansCube(gpu: Gpu, cube: Cube, opts: KmeansOptions): Promise<KmeansResult> {
  let x = (await scaleCube(cube, 'zscore')).cube;
  if (opts.pca) x = (await pcaCube(x, opts.pca)).cube;
  return kmeans(gpu, cubePoints(x), cube.rows * cube.cols, x.bands, opts);
}

/** k-means in the model registry (models/index.ts). */
export const kmeansModel: ModelEntry<'cluster'> = {
  name: 'kmeans',
  task: 'cluster',
  summary: "k-means (Lloyd; scikit-learn's greedy k-means++ seeds, restarts keeping the lowest inertia) on per-band z-scored spectra",
  options: {
    k: { type: 'int', min: 1, max: 256, defaultText: 'the number of ground-truth classes; required without one', help: 'number of clusters' },
    restarts: { type: 'int', min: 1, max: 1000, default: KMEANS_DEFAULTS.restarts, help: 'k-means++ restarts; the one with the lowest inertia is kept' },
    pca: { type: 'int', min: 0, max: 10000, default: 0, help: 'principal components kept after the z-score (0: every band)' },
    maxIter: { type: 'int', min: 1, max: 100000, default: KMEANS_DEFAULTS.maxIter, help: 'Lloyd iterations per restart at most' },
    seed: { type: 'int', min: 0, max: 2 ** 32 - 1, default: KMEANS_DEFAULTS.seed, help: 'seed of the k-means++ draws (same seed, same labels)' },
  },
  settings: (o) => ({
    preprocessing: 'per-band z-score (population std), then PCA when pca > 0',
    init: "greedy k-means++ (scikit-learn's, 2 + ⌊ln k⌋ candidates per centre)",
    tol: KMEANS_DEFAULTS.tol,
    tolMeaning: 'squared centre shift ≤ tol · mean per-band variance (scikit-learn)',
    ...checkOptions(kmeansModel, o),
  }),
  async run(gpu, cube, o, ctx = {}) {
    const s = kmeansModel.settings(o);
    const k = s.k as number | undefined;
    if (k === undefined) throw new OptionError('kmeans', 'k: expected the number of clusters (--k K, or a ground truth to take it from), got none');
    const pca = s.pca as number;
    if (pca > cube.bands) throw new OptionError('kmeans', `pca: expected at most the cube's ${cube.bands} bands, got ${pca}`);
    if (k > cube.rows * cube.cols) throw new OptionError('kmeans', `k: expected at most the cube's ${cube.rows * cube.cols} pixels, got ${k}`);
    const t0 = performance.now();
    const restarts = s.restarts as number;
    const r = await kmeansCube(gpu, cube, { k, restarts, maxIter: s.maxIter as number, seed: s.seed as number, pca: pca || null, signal: ctx.signal });
    const trainSeconds = (performance.now() - t0) / 1000;
    if (r.aborted) return { labels: new Int32Array(0), settings: s, trainSeconds, aborted: { step: r.restart + 1, steps: restarts } };
    return { labels: r.labels, settings: { ...s, inertia: r.inertia, restart: r.restart, iterations: r.iterations }, trainSeconds };
  },
};
