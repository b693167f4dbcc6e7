/**
 * Synthetic hyperspectral scenes with known anomalies: the built-in input of the demo and of
 * fast tests (`hsi synth`).
 *
 * Model: each background pixel is a linear mixture of `endmembers` smooth spectra (a sloped
 * baseline plus three Gaussian bumps) with abundances that vary smoothly in space (softmax of
 * two-octave value noise); `anomalies` small targets (1×1 or 2×2 pixels) replace a fraction
 * f ∈ [0.1, 0.5] of their pixels with a distinct spectrum (sub-pixel targets); then additive
 * noise (sum of four uniforms, scaled to the requested standard deviation).
 *
 * Determinism: the same options give the same bytes on every engine. Everything is computed
 * with +, −, ×, ÷, Math.round/floor/min/max and an integer generator, which ECMAScript defines
 * exactly; Math.exp/sin/log are not exactly specified (engines differ in the last bit), so
 * exp is our own `expDet` (range reduction by ln 2 + a degree-13 Taylor polynomial).
 */
import { DataError, makeCube, type Cube, type LabelMap } from './cube.ts';
import { cubeVariable, mapVariable, writeMat, type MatVariable } from './matwrite.ts';

export interface SynthOptions {
  rows?: number;
  cols?: number;
  bands?: number;
  /** Number of implanted targets (default 10). */
  anomalies?: number;
  seed?: number;
  /** Background materials mixed per pixel (default 4). */
  endmembers?: number;
  /** Standard deviation of the additive noise, reflectance units (default 0.005). */
  noise?: number;
  /** Range of the target's share of its pixels (default [0.1, 0.5]). */
  fraction?: [number, number];
  /** Size of the coarse noise cells in pixels: larger gives smoother abundances (default 16). */
  smoothness?: number;
  /** Range of the targets' side in pixels (default [1, 2]: sub-pixel dots; e.g. [6, 8] for panels). */
  targetSize?: [number, number];
}

/** Defaults of `synthScene` (and of `hsi synth`). */
export const SYNTH_DEFAULTS: Required<SynthOptions> = {
  rows: 100, cols: 100, bands: 100, anomalies: 10, seed: 1, endmembers: 4, noise: 0.005, fraction: [0.1, 0.5], smoothness: 16, targetSize: [1, 2],
};

export interface SynthTarget {
  row: number;
  col: number;
  /** Side of the square target (in the targetSize range). */
  size: number;
  /** Share of the target spectrum in each of its pixels. */
  fraction: number;
}

export interface SynthScene {
  cube: Cube;
  /** 1 on target pixels, 0 elsewhere. */
  map: LabelMap;
  /** endmembers × bands, row-major. */
  endmembers: Float32Array;
  /** endmembers × rows × cols; they sum to 1 at each pixel. */
  abundances: Float32Array;
  anomalySpectrum: Float32Array;
  targets: SynthTarget[];
}

/** An integer generator (mulberry32) returning floats in [0, 1) with 32 random bits. */
export function synthRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LN2_HI = 0.6931471803691238; // ln 2 split so k·LN2_HI is exact for |k| < 2^20
const LN2_LO = 1.9082149292705877e-10;
const pow2View = new DataView(new ArrayBuffer(8));

/** e^x from exactly specified operations only (relative error < 1e-15; 0 below −700). */
export function expDet(x: number): number {
  if (x < -700) return 0;
  if (x > 700) return Infinity;
  const k = Math.round(x / 0.6931471805599453);
  const r = x - k * LN2_HI - k * LN2_LO; // |r| ≤ 0.35, so 13 Taylor terms reach 1e-17
  let p = 1;
  for (let n = 13; n >= 1; n--) p = 1 + (r / n) * p;
  // 2^k by writing the exponent bits (k is within the normal range here).
  pow2View.setUint32(0, (k + 1023) << 20);
  pow2View.setUint32(4, 0);
  return p * pow2View.getFloat64(0);
}

/** A smooth spectrum over t ∈ [0, 1]: baseline a + b·t plus Gaussian bumps (centre, width, height). */
function spectrum(bands: number, base: number, slope: number, bumps: number[][]): Float64Array {
  const s = new Float64Array(bands);
  for (let i = 0; i < bands; i++) {
    const t = bands > 1 ? i / (bands - 1) : 0.5;
    let v = base + slope * t;
    for (const [mu, sigma, h] of bumps) v += h * expDet((-0.5 * (t - mu) * (t - mu)) / (sigma * sigma));
    s[i] = Math.min(1, Math.max(0.02, v));
  }
  return s;
}

function endmemberSpectrum(bands: number, next: () => number): Float64Array {
  const bumps = [0, 1, 2].map(() => [next(), 0.05 + 0.2 * next(), -0.25 + 0.6 * next()]);
  return spectrum(bands, 0.1 + 0.3 * next(), -0.2 + 0.4 * next(), bumps);
}

/** Cosine of the angle between two spectra. */
function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) (ab += a[i] * b[i]), (aa += a[i] * a[i]), (bb += b[i] * b[i]);
  return (ab * ab) / (aa * bb); // squared: avoids sqrt, compared with a squared threshold
}

/** A target spectrum with narrow features, redrawn until it is far from every endmember. */
function anomalySpectrum(bands: number, ems: Float64Array[], next: () => number): Float64Array {
  for (let attempt = 0; attempt < 100; attempt++) {
    const bumps = [0, 1].map(() => [0.1 + 0.8 * next(), 0.02 + 0.05 * next(), 0.3 + 0.3 * next()]);
    const s = spectrum(bands, 0.15 + 0.2 * next(), 0.3 * next() - 0.15, bumps);
    if (bands < 3 || ems.every((e) => cosine(s, e) < 0.98)) return s; // angle > ~8°
  }
  throw new DataError('synth', 'anomaly spectrum: expected one distinct from the endmembers, found none in 100 draws', 'use another seed or more bands');
}

/** Smooth noise in [0, 1]: values on a coarse grid, smoothstep-interpolated, two octaves. */
function valueNoise(rows: number, cols: number, cell: number, next: () => number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (const [step, weight] of [[cell, 2 / 3], [Math.max(2, cell / 2), 1 / 3]]) {
    const gh = Math.floor(rows / step) + 2, gw = Math.floor(cols / step) + 2;
    const grid = Float64Array.from({ length: gh * gw }, () => next());
    for (let r = 0; r < rows; r++) {
      const y = r / step, y0 = Math.floor(y), fy = y - y0, sy = fy * fy * (3 - 2 * fy);
      for (let c = 0; c < cols; c++) {
        const x = c / step, x0 = Math.floor(x), fx = x - x0, sx = fx * fx * (3 - 2 * fx);
        const g = (i: number, j: number): number => grid[(y0 + i) * gw + x0 + j];
        const top = g(0, 0) + sx * (g(0, 1) - g(0, 0));
        const bottom = g(1, 0) + sx * (g(1, 1) - g(1, 0));
        out[r * cols + c] += weight * (top + sy * (bottom - top));
      }
    }
  }
  return out;
}

/** Abundances (k × rows × cols) as a softmax of k smooth fields: patches of mostly one material. */
function abundanceMaps(rows: number, cols: number, k: number, cell: number, next: () => number): Float64Array {
  const plane = rows * cols;
  const fields = Array.from({ length: k }, () => valueNoise(rows, cols, cell, next));
  const out = new Float64Array(k * plane);
  for (let p = 0; p < plane; p++) {
    let sum = 0;
    for (let e = 0; e < k; e++) sum += out[e * plane + p] = expDet(8 * fields[e][p]);
    for (let e = 0; e < k; e++) out[e * plane + p] /= sum;
  }
  return out;
}

/** Places `n` square targets with a clear pixel between any two and from the border. */
function placeTargets(rows: number, cols: number, n: number, fraction: [number, number], sizes: [number, number], next: () => number): SynthTarget[] {
  const taken = new Uint8Array(rows * cols);
  const targets: SynthTarget[] = [];
  for (let tries = 0; targets.length < n && tries < 1000 * n; tries++) {
    // One draw per size, as before the option existed ([1, 2]: 1 below one half, else 2).
    const size = sizes[0] + Math.floor(next() * (sizes[1] - sizes[0] + 1));
    const row = 1 + Math.floor(next() * (rows - size - 1));
    const col = 1 + Math.floor(next() * (cols - size - 1));
    if (row + size >= rows || col + size >= cols) continue;
    let free = true;
    for (let r = row - 1; r <= row + size && free; r++) for (let c = col - 1; c <= col + size; c++) if (taken[r * cols + c]) free = false;
    if (!free) continue;
    for (let r = row; r < row + size; r++) for (let c = col; c < col + size; c++) taken[r * cols + c] = 1;
    targets.push({ row, col, size, fraction: fraction[0] + (fraction[1] - fraction[0]) * next() });
  }
  if (targets.length < n) {
    throw new DataError('synth', `anomalies: expected room for ${n} separated targets in ${rows}×${cols}, placed ${targets.length}`, 'ask for fewer anomalies or a larger scene');
  }
  return targets;
}

/** The target share of each pixel (0 off target). */
function targetShare(targets: SynthTarget[], rows: number, cols: number): Float64Array {
  const share = new Float64Array(rows * cols);
  for (const t of targets) for (let r = t.row; r < t.row + t.size; r++) share.fill(t.fraction, r * cols + t.col, r * cols + t.col + t.size);
  return share;
}

function checkOptions(o: Required<SynthOptions>): void {
  for (const key of ['rows', 'cols', 'bands', 'endmembers', 'anomalies', 'seed'] as const) {
    const min = key === 'anomalies' || key === 'seed' ? 0 : key === 'rows' || key === 'cols' ? 3 : 1;
    if (!Number.isSafeInteger(o[key]) || o[key] < min) throw new DataError('synth', `${key}: expected an integer ≥ ${min}, got ${o[key]}`);
  }
  const [lo, hi] = o.fraction;
  if (!(lo >= 0 && hi <= 1 && lo <= hi)) throw new DataError('synth', `fraction: expected 0 ≤ lo ≤ hi ≤ 1, got [${lo}, ${hi}]`);
  const [s0, s1] = o.targetSize;
  if (!Number.isInteger(s0) || !Number.isInteger(s1) || s0 < 1 || s1 < s0 || s1 > Math.min(o.rows, o.cols) - 2) {
    throw new DataError('synth', `targetSize: expected integers 1 ≤ lo ≤ hi ≤ ${Math.min(o.rows, o.cols) - 2}, got [${s0}, ${s1}]`);
  }
  if (!(o.noise >= 0) || !(o.smoothness >= 2)) throw new DataError('synth', `noise ≥ 0 and smoothness ≥ 2: got ${o.noise} and ${o.smoothness}`);
}

/** A synthetic scene: cube, anomaly map and the parts it was made from. Same options, same bytes. */
export function synthScene(options: SynthOptions = {}): SynthScene {
  const o = { ...SYNTH_DEFAULTS, ...options };
  checkOptions(o);
  const { rows, cols, bands } = o;
  const next = synthRng(o.seed);
  const ems = Array.from({ length: o.endmembers }, () => endmemberSpectrum(bands, next));
  const anomaly = anomalySpectrum(bands, ems, next);
  const ab = abundanceMaps(rows, cols, o.endmembers, o.smoothness, next);
  const targets = placeTargets(rows, cols, o.anomalies, o.fraction, o.targetSize, next);
  const plane = rows * cols;
  const share = targetShare(targets, rows, cols);
  const data = new Float32Array(bands * plane);
  const noiseScale = o.noise * 1.7320508075688772; // sum of 4 uniforms − 2 has variance 1/3
  for (let p = 0; p < plane; p++) {
    for (let b = 0; b < bands; b++) {
      let v = 0;
      for (let e = 0; e < o.endmembers; e++) v += ab[e * plane + p] * ems[e][b];
      v = (1 - share[p]) * v + share[p] * anomaly[b];
      data[b * plane + p] = v + noiseScale * (next() + next() + next() + next() - 2);
    }
  }
  const wavelengths = Array.from({ length: bands }, (_, b) => (bands > 1 ? 400 + Math.round((2100 * b) / (bands - 1)) : 1000));
  const name = `synth(${rows}x${cols}x${bands}, seed ${o.seed})`;
  return {
    cube: makeCube(name, rows, cols, bands, data, { wavelengths }),
    map: { rows, cols, data: Int32Array.from(share, (s) => (s > 0 ? 1 : 0)), name: `${name}:map` },
    endmembers: Float32Array.from(ems.flatMap((e) => Array.from(e))),
    abundances: Float32Array.from(ab),
    anomalySpectrum: Float32Array.from(anomaly),
    targets,
  };
}

/**
 * The scene as a level-5 `.mat` file laid out like the ABU scenes: `data` (rows × cols ×
 * bands, single), `map` (rows × cols, double 0/1), plus `fraction` (rows × cols, the target
 * share per pixel) and `wavelength` (1 × bands, nm).
 */
export function synthMat(scene: SynthScene, opts: { compress?: boolean } = {}): Uint8Array<ArrayBuffer> {
  const { rows, cols } = scene.map;
  const share = targetShare(scene.targets, rows, cols);
  const vars: MatVariable[] = [
    cubeVariable('data', scene.cube),
    mapVariable('map', scene.map),
    { name: 'fraction', dims: [rows, cols], data: share },
    { name: 'wavelength', dims: [1, scene.cube.bands], data: Float64Array.from(scene.cube.wavelengths ?? []) },
  ];
  return writeMat(vars, { compress: opts.compress ?? true, description: `synthetic scene, ${scene.cube.name}` });
}
