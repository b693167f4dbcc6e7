/**
 * SSCC's data pipeline (docs/sscc.md#preprocessing), batch by batch: per-band z-score of the
 * scene, PCA to a few components fitted on every pixel, 11×11 patches reflected at the borders
 * (the code pads by 5 and crops: the same values), a z-score of each of the patch's
 * position × component features across the training patches, and two augmented views per patch
 * (data/augment.ts). No step materialises every patch: the feature statistics are float64 sums
 * over batches, and each batch's patches are cut from the component cube when it is drawn.
 *
 * Training pixels: the paper's code trains (and evaluates) on the labelled pixels only, i.e. it
 * uses the ground truth to choose its data; `trainOn: 'all'` (our default) draws from the whole
 * scene and the ground truth is used for nothing but the metrics.
 */
import { OptionError } from '../errors.ts';
import type { Cube, LabelMap } from '../data/cube.ts';
import { scaleCube } from '../data/scale.ts';
import { pca } from '../data/pca.ts';
import { extractPatches, labelledCentres } from '../data/patch.ts';
import { ssccAugment } from '../data/augment.ts';
import { synthRng } from '../data/synth.ts';

/** The scene as SSCC's network sees it: component cube, training pixels and feature statistics. */
export interface SsccData {
  /** Per-band z-scored, PCA-projected scene (components as bands). */
  components: Cube;
  patch: number;
  /** Training patch centres (pixel indices), row-major. */
  centres: Int32Array;
  /** Per-feature mean and 1/std over the training patches (a zero std divides by 1, as sklearn). */
  mean: Float64Array;
  invStd: Float64Array;
}

/** Patches (flattened features) of `centres`, standardised with the training statistics. */
export async function standardPatches(d: SsccData, centres: ArrayLike<number>): Promise<Float32Array> {
  const p = await extractPatches(d.components, d.patch, centres);
  const f = d.mean.length;
  for (let n = 0; n < p.count; n++) {
    for (let j = 0; j < f; j++) p.data[n * f + j] = (p.data[n * f + j] - d.mean[j]) * d.invStd[j];
  }
  return p.data;
}

/** Prepares the scene: scaling, PCA, training centres and the feature statistics (batches of 4096). */
export async function ssccData(cube: Cube, o: { components: number; patch: number; trainOn: 'all' | 'labelled'; gt?: LabelMap; maxPixels?: number; seed?: number }): Promise<SsccData> {
  const op = 'trainSscc';
  if (o.trainOn === 'labelled' && !o.gt) throw new OptionError(op, "trainOn: expected 'all' without a ground truth, got 'labelled' (pass the labels, or train on all pixels)");
  const scaled = (await scaleCube(cube, 'zscore')).cube;
  const components = (await pca(scaled, Math.min(o.components, cube.bands))).cube;
  const all = o.trainOn === 'labelled' ? labelledCentres(o.gt!) : Int32Array.from({ length: cube.rows * cube.cols }, (_, i) => i);
  const centres = o.maxPixels ? samplePixels(all, o.maxPixels, o.seed ?? 1) : all;
  if (centres.length === 0) throw new OptionError(op, 'ground truth: expected labelled pixels (labels other than 0), got none');
  const f = components.bands * o.patch * o.patch;
  const sum = new Float64Array(f);
  const sq = new Float64Array(f);
  for (let start = 0; start < centres.length; start += 4096) {
    const p = await extractPatches(components, o.patch, centres.subarray(start, start + 4096));
    for (let n = 0; n < p.count; n++) for (let j = 0; j < f; j++) sum[j] += p.data[n * f + j];
  }
  const mean = sum.map((s) => s / centres.length);
  for (let start = 0; start < centres.length; start += 4096) {
    const p = await extractPatches(components, o.patch, centres.subarray(start, start + 4096));
    for (let n = 0; n < p.count; n++) for (let j = 0; j < f; j++) sq[j] += (p.data[n * f + j] - mean[j]) ** 2;
  }
  const invStd = sq.map((s) => (s > 0 ? 1 / Math.sqrt(s / centres.length) : 1));
  return { components, patch: o.patch, centres, mean, invStd };
}

/**
 * At most `max` of `centres`, drawn without replacement (seeded) and kept in row-major order: the
 * training set of a large scene, so that an epoch's time does not grow with the scene.
 */
export function samplePixels(centres: Int32Array, max: number, seed: number): Int32Array {
  if (centres.length <= max) return centres;
  const rand = synthRng((seed * 15485863 + 7) >>> 0);
  const pool = Int32Array.from(centres);
  // A partial Fisher–Yates shuffle: the first `max` entries are a uniform sample.
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, max).sort();
}

/** One training batch: two augmented views [N, C, P, P] of the patches at `centres`. */
export async function ssccViews(d: SsccData, centres: Int32Array, seed: number, scale?: [number, number]): Promise<{ first: Float32Array; second: Float32Array }> {
  const data = await standardPatches(d, centres);
  const v = await ssccAugment({ count: centres.length, bands: d.components.bands, size: d.patch, data, centres }, { seed, scale });
  return { first: v.first, second: v.second };
}

/** The epoch's batches: the training centres shuffled (seeded), full batches only (the code drops the last). */
export function epochBatches(centres: Int32Array, batch: number, epoch: number, seed: number): Int32Array[] {
  const rand = synthRng((seed * 7919 + epoch * 104729) >>> 0);
  const order = Int32Array.from(centres);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const full = Math.floor(order.length / batch);
  return Array.from({ length: full }, (_, b) => order.subarray(b * batch, (b + 1) * batch));
}
