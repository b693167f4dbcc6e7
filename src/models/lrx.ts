/**
 * Local dual-window RX (LRX): each pixel's Mahalanobis distance to the background inside an
 * outer window with a guard (inner) window removed, using that background's own mean and
 * covariance.
 *
 * Design: full-band local covariances cost B² per pixel to form and B³ to invert (for 205
 * bands and 10,000 pixels, ~10¹¹ flops), and with the usual windows (15×15 minus 5×5 = 200
 * pixels) they are singular anyway. So, as is common, LRX works on the leading `dims`
 * principal components of the scene (projected on the GPU with the RX covariance), where the
 * local statistics come exactly from summed-area tables of y and y yᵀ in float64: O(dims²)
 * per pixel for any window size, then a dims × dims Cholesky solve with a small ridge.
 *
 * Range: principal components, unlike RX, depend on each band's scale, so the bands cannot be
 * rescaled freely. The covariance comes from RX's scaled f32 accumulation (no overflow for any
 * finite input), the eigenvectors from its float64 form, and each component is projected as
 * (W D / c) (D⁻¹ (x − μ)) with c its largest possible value, so nothing overflows f32. The
 * float64 eigendecomposition resolves variances only to about 1e-14 of the largest, so a band
 * whose spread dwarfs the others' leaves the smaller components as noise: refused (checkResolved).
 */
import type { Gpu } from '../gpu/index.ts';
import { DataError, type Cube } from '../data/cube.ts';
import { checkFiniteCube, projectPixels, scaledCovariance, sceneStats, type RxOptions, type SceneStats } from './rx.ts';
import { symmetricEigen } from '../data/pca.ts';
import { OptionError } from '../errors.ts';
import { checkOptions, type ModelEntry } from './registry.ts';

export interface LrxOptions extends RxOptions {
  /** Outer window side (odd). */
  outer?: number;
  /** Inner (guard) window side (odd, < outer). */
  inner?: number;
  /** Principal components kept (at most the band count). */
  dims?: number;
  /** Ridge added to each local covariance, relative to its mean eigenvalue (trace / dims). */
  relRidge?: number;
}

export const LRX_DEFAULTS = { outer: 15, inner: 5, dims: 20, relRidge: 1e-6 } as const;

/** LRX scores, one per pixel (row-major rows × cols). */
export async function localRx(gpu: Gpu, cube: Cube, opts: LrxOptions = {}): Promise<Float32Array> {
  const o = { ...LRX_DEFAULTS, ...opts };
  checkWindows(o.outer, o.inner, cube);
  checkFiniteCube('lrx', cube);
  const d = Math.min(o.dims, cube.bands);
  const y = await principalScores(gpu, cube, d, opts);
  const sat = summedTables(y, d, cube.rows, cube.cols);
  const scores = new Float32Array(cube.rows * cube.cols);
  const work = new Float64Array(d * d + 2 * d);
  for (let r = 0; r < cube.rows; r++) {
    for (let c = 0; c < cube.cols; c++) scores[r * cube.cols + c] = pixelScore(sat, y, d, r, c, o, work);
  }
  return scores;
}

function checkWindows(outer: number, inner: number, cube: Cube): void {
  const odd = (n: number) => Number.isInteger(n) && n > 0 && n % 2 === 1;
  if (!odd(outer) || !odd(inner) || inner >= outer) {
    throw new OptionError('lrx', `windows: expected odd sizes with inner < outer, got outer ${outer}, inner ${inner}`);
  }
  if (outer > Math.max(cube.rows, cube.cols) * 2) {
    throw new OptionError('lrx', `outer window: expected at most twice the scene side (${cube.rows}×${cube.cols}), got ${outer}`);
  }
}

/** Eigenvalues below this fraction of the largest are float64 rounding noise (≈ bands · 2.2e-16, with margin). */
const RESOLVED = 1e-12;
const resolved = (values: Float64Array): number => values.filter((v) => v > values[0] * RESOLVED).length;

/**
 * Refuses a PCA that float64 cannot resolve: fewer of the `d` components asked stand above the
 * rounding noise than the same bands, each scaled to unit spread, would give. That happens when
 * one band's spread dwarfs the others' (a no-data fill, a unit error); a scene of lower rank (a
 * duplicated band) loses as many components either way and is left alone.
 */
async function checkResolved(cube: Cube, stats: SceneStats, values: Float64Array, d: number): Promise<void> {
  const kept = resolved(values);
  if (kept >= d) return;
  const scaled = resolved((await symmetricEigen(scaledCovariance(stats), stats.bands)).values);
  if (scaled <= kept) return;
  const { scale } = stats;
  const hi = scale.indexOf(Math.max(...scale));
  const spread = (b: number) => scale[b].toPrecision(3);
  const others = Array.from(scale, (_, b) => b).filter((b) => b !== hi).sort((a, b) => scale[b] - scale[a]);
  throw new DataError(cube.name ?? 'cube', `lrx: band ${hi + 1}: expected a spread PCA can resolve beside the other bands, got max |x − mean| ${spread(hi)} against ${others.length ? spread(others[0]) : '-'} at most elsewhere: float64 resolves ${kept} of the ${d} components asked (a no-data fill or a unit error?)`,
    'leave the band out (hsi detect --bands) or rescale it; global RX (--model rx) is scale-invariant and handles it');
}

/** The scene projected on its top-d principal axes: d × pixels, float64. */
async function principalScores(gpu: Gpu, cube: Cube, d: number, opts: RxOptions): Promise<Float64Array> {
  const stats = await sceneStats(gpu, cube, opts);
  const { scale } = stats;
  const nb = cube.bands;
  const p = cube.rows * cube.cols;
  // Rows of `vectors` are the eigenvectors, by descending eigenvalue: the first d are the top axes.
  const { values, vectors } = await symmetricEigen(stats.cov, nb);
  await checkResolved(cube, stats, values, d);
  // Row r of W D divided by c_r = Σ_b |W_rb| scale_b: every projected value lies in [−1, 1].
  const vt = new Float32Array(d * nb);
  const c = new Float64Array(d);
  for (let r = 0; r < d; r++) {
    for (let b = 0; b < nb; b++) c[r] += Math.abs(vectors[r * nb + b]) * scale[b];
    for (let b = 0; b < nb; b++) vt[r * nb + b] = (vectors[r * nb + b] * scale[b]) / c[r];
  }
  const y = Float64Array.from(await projectPixels(gpu, cube, stats.mean, vt, d, opts.scoreBlock ?? 65536, false, scale));
  for (let r = 0; r < d; r++) for (let q = r * p, end = q + p; q < end; q++) y[q] *= c[r];
  return y;
}

/** Summed-area tables (rows+1)×(cols+1): one per component and one per component pair. */
interface Tables {
  w: number;
  count: (r0: number, c0: number, r1: number, c1: number) => number;
  first: Float64Array[];
  second: Float64Array[];
}

function summedTables(y: Float64Array, d: number, rows: number, cols: number): Tables {
  const w = cols + 1;
  const p = rows * cols;
  const table = (f: (q: number) => number): Float64Array => {
    const t = new Float64Array((rows + 1) * w);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) t[(r + 1) * w + c + 1] = f(r * cols + c) + t[r * w + c + 1] + t[(r + 1) * w + c] - t[r * w + c];
    }
    return t;
  };
  const first = Array.from({ length: d }, (_, i) => table((q) => y[i * p + q]));
  const second: Float64Array[] = [];
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) second.push(table((q) => y[i * p + q] * y[j * p + q]));
  return { w, first, second, count: (r0, c0, r1, c1) => (r1 - r0) * (c1 - c0) };
}

/** Sum over rows [r0, r1) × cols [c0, c1) of a table. */
const boxSum = (t: Float64Array, w: number, r0: number, c0: number, r1: number, c1: number): number =>
  t[r1 * w + c1] - t[r0 * w + c1] - t[r1 * w + c0] + t[r0 * w + c0];

/** The dual-window score of pixel (r, c): outer box minus inner box, clipped to the image. */
function pixelScore(s: Tables, y: Float64Array, d: number, r: number, c: number, o: { outer: number; inner: number; relRidge: number }, work: Float64Array): number {
  const rows = s.first[0].length / s.w - 1;
  const cols = s.w - 1;
  const box = (half: number) => [Math.max(0, r - half), Math.max(0, c - half), Math.min(rows, r + half + 1), Math.min(cols, c + half + 1)] as const;
  const ob = box(o.outer >> 1);
  const ib = box(o.inner >> 1);
  const n = s.count(...ob) - s.count(...ib);
  if (n < 2) return 0;
  const cov = work.subarray(0, d * d);
  const mu = work.subarray(d * d, d * d + d);
  const z = work.subarray(d * d + d);
  for (let i = 0; i < d; i++) mu[i] = (boxSum(s.first[i], s.w, ...ob) - boxSum(s.first[i], s.w, ...ib)) / n;
  let trace = 0;
  for (let i = 0, k = 0; i < d; i++) {
    for (let j = 0; j <= i; j++, k++) {
      const sxy = boxSum(s.second[k], s.w, ...ob) - boxSum(s.second[k], s.w, ...ib);
      cov[i * d + j] = cov[j * d + i] = (sxy - n * mu[i] * mu[j]) / (n - 1);
    }
    trace += cov[i * d + i];
  }
  const ridge = Math.max(o.relRidge * trace / d, 1e-300);
  for (let i = 0; i < d; i++) cov[i * d + i] += ridge;
  const p = rows * cols;
  for (let i = 0; i < d; i++) z[i] = y[i * p + r * cols + c] - mu[i];
  return choleskyQuadratic(cov, z, d);
}

/** zᵀ A⁻¹ z for symmetric positive definite A (overwritten by its Cholesky factor). */
function choleskyQuadratic(a: Float64Array, z: Float64Array, d: number): number {
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) s -= a[j * d + k] ** 2;
    const l = Math.sqrt(Math.max(s, 1e-300));
    a[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / l;
    }
  }
  let q = 0;
  for (let i = 0; i < d; i++) {
    let t = z[i];
    for (let k = 0; k < i; k++) t -= a[i * d + k] * z[k];
    z[i] = t / a[i * d + i];
    q += z[i] * z[i];
  }
  return q;
}

/** Local RX in the model registry (models/index.ts). */
export const lrxModel: ModelEntry<'detect'> = {
  name: 'lrx',
  task: 'detect',
  summary: 'local dual-window RX on the leading principal components',
  options: {
    outer: { type: 'int', min: 3, max: 999, default: LRX_DEFAULTS.outer, help: 'outer window side (odd)' },
    inner: { type: 'int', min: 1, max: 997, default: LRX_DEFAULTS.inner, help: 'inner (guard) window side (odd, below outer)' },
    dims: { type: 'int', min: 1, max: 10000, default: LRX_DEFAULTS.dims, help: 'principal components kept (at most the band count)' },
  },
  settings(o) {
    const s = { ...LRX_DEFAULTS, ...checkOptions(lrxModel, o) } as typeof LRX_DEFAULTS;
    if (s.outer % 2 === 0 || s.inner % 2 === 0 || s.inner >= s.outer) throw new OptionError('lrx', `windows: expected odd sizes with inner < outer, got outer ${s.outer}, inner ${s.inner}`);
    return { ...s };
  },
  async run(gpu, cube, o) {
    const settings = lrxModel.settings(o) as typeof LRX_DEFAULTS;
    return { scores: await localRx(gpu, cube, settings), settings: { ...settings } };
  },
};
