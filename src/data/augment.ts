/**
 * SSCC's augmentation (WebAssembly, assembly/augment.ts; docs/sscc.md#augmentation): two
 * independent views of each patch, each a RandomResizedCrop back to the patch size (bilinear,
 * align_corners=False), a horizontal flip, then one of Gaussian blur, pixel masking or band
 * masking chosen uniformly.
 * Each patch draws from its own stream (seed, id): a new seed per epoch gives new views.
 */
import { DataError } from './cube.ts';
import { checkPatches, checkSeed, checkSize, streamIds, type Patches } from './patch.ts';
import { withWasm } from './wasm.ts';

export interface SsccAugmentOptions {
  /** Generator seed, an integer in [0, 2^32); default 0. */
  seed?: number;
  /** Stream of each patch; default the patch centres, else 0..N−1. */
  ids?: ArrayLike<number>;
  /** Crop area as a fraction of the patch; default [0.08, 1] (torchvision). */
  scale?: [number, number];
  /** Crop aspect ratio w/h, sampled log-uniformly; default [3/4, 4/3]. */
  ratio?: [number, number];
  /** Horizontal flip probability; default 0.5. */
  flip?: number;
  /** Probability that the blur, when chosen, is applied; default 0.5. */
  blur?: number;
  /** Odd blur kernel size; default 3. */
  blurKernel?: number;
  /** Blur σ range, uniform; default [0.1, 2]. */
  sigma?: [number, number];
  /**
   * 'band-row' (default) is what SSCC's cv2.GaussianBlur does to a C×H×W array: it blurs over
   * (band, row); 'row-col' blurs each band spatially. Borders are OpenCV's BORDER_REFLECT_101.
   */
  blurAxes?: 'band-row' | 'row-col';
  /** Probability that a pixel (all bands) is zeroed when pixel masking is chosen; default 0.5. */
  pixelMask?: number;
  /** Probability that a band is zeroed when band masking is chosen; default 0.5. */
  bandMask?: number;
}

/** What happened to one view. */
export interface ViewPlan {
  crop: { top: number; left: number; height: number; width: number };
  flip: boolean;
  /** The RandomChoice pick: 0 blur, 1 pixel masking, 2 band masking. */
  choice: number;
  /** Blur: 1 when applied, else 0; masks: the number of pixels or bands zeroed. */
  applied: number;
  /** The blur σ (float32-rounded), 0 without blur. */
  sigma: number;
}

/** Two views [N, C, S, S] and their plans (plans[v·N + n] for view v of patch n). */
export interface SsccViews {
  first: Float32Array;
  second: Float32Array;
  plans: ViewPlan[];
}

const pair = (op: string, what: string, v: [number, number], lo: number, hi: number): void => {
  if (!(v.length === 2 && v[0] > lo && v[0] <= v[1] && v[1] <= hi)) {
    throw new DataError(op, `${what}: expected [a, b] with ${lo} < a ≤ b ≤ ${hi}, got [${v.join(', ')}]`);
  }
};
const probability = (op: string, what: string, p: number): void => {
  if (!(p >= 0 && p <= 1)) throw new DataError(op, `${what}: expected a probability in [0, 1], got ${p}`);
};

/** Two SSCC views of every patch; deterministic by (seed, ids). */
export async function ssccAugment(patches: Patches, options: SsccAugmentOptions = {}): Promise<SsccViews> {
  const op = 'ssccAugment';
  const { seed = 0, scale = [0.08, 1], ratio = [3 / 4, 4 / 3], flip = 0.5, blur = 0.5, blurKernel = 3 } = options;
  const { sigma = [0.1, 2], blurAxes = 'band-row', pixelMask = 0.5, bandMask = 0.5 } = options;
  checkPatches(op, patches);
  checkSeed(op, seed);
  pair(op, 'scale', scale, 0, Number.MAX_VALUE);
  // detExp in the wasm is exact for |log ratio| ≤ 20.
  pair(op, 'ratio', ratio, Math.exp(-20), Math.exp(20));
  pair(op, 'sigma', sigma, 0, Number.MAX_VALUE);
  for (const [what, p] of [['flip', flip], ['blur', blur], ['pixelMask', pixelMask], ['bandMask', bandMask]] as const) probability(op, what, p);
  if (!Number.isInteger(blurKernel) || blurKernel < 1 || blurKernel % 2 === 0 || blurKernel > 31) {
    throw new DataError(op, `blurKernel: expected an odd integer in [1, 31], got ${blurKernel}`, 'SSCC uses 3');
  }
  if (blurAxes !== 'band-row' && blurAxes !== 'row-col') {
    throw new DataError(op, `blurAxes: expected 'band-row' or 'row-col', got ${String(blurAxes)}`);
  }
  const ids = streamIds(op, patches, options.ids);
  checkSize(op, 2 * patches.data.length, 'augment the patches in batches');
  const { count, bands, size, data } = patches;
  const out = await withWasm((w) => w.ssccAugment(data, count, bands, size, seed, ids, scale[0], scale[1], ratio[0], ratio[1],
    Math.log(ratio[0]), Math.log(ratio[1]), flip, blur, blurKernel, sigma[0], sigma[1], blurAxes === 'band-row' ? 0 : 1, pixelMask, bandMask));
  const n = data.length;
  return { first: out.subarray(0, n), second: out.subarray(n, 2 * n), plans: readPlans(out.subarray(2 * n), 2 * count) };
}

/** Plans as the wasm writes them: top, left, height, width, flip, choice, applied, σ per view. */
function readPlans(raw: Float32Array, views: number): ViewPlan[] {
  const fields = raw.length / views;
  return Array.from({ length: views }, (_, v) => {
    const f = raw.subarray(v * fields, (v + 1) * fields);
    return { crop: { top: f[0], left: f[1], height: f[2], width: f[3] }, flip: f[4] === 1, choice: f[5], applied: f[6], sigma: f[7] };
  });
}
