/**
 * Plain-TypeScript twin of assembly/augment.ts, written after torchvision and OpenCV:
 * get_params with Python's round, bilinear resize (align_corners=False) as a function of one
 * output sample, a direct 2-D Gaussian convolution (the wasm code runs two 1-D passes), and the
 * masks of SSCC's transform.py. One Rng per sample (seed, id), first view then second.
 */
import { Rng } from './prng.ts';

export interface AugmentParams {
  scale: [number, number];
  ratio: [number, number];
  flip: number;
  blur: number;
  blurKernel: number;
  sigma: [number, number];
  /** 'band-row' is what SSCC's cv2 call does on a C×H×W array; 'row-col' blurs each band. */
  blurAxes: 'band-row' | 'row-col';
  pixelMask: number;
  bandMask: number;
}

export const SSCC_DEFAULTS: AugmentParams = {
  scale: [0.08, 1], ratio: [3 / 4, 4 / 3], flip: 0.5, blur: 0.5, blurKernel: 3, sigma: [0.1, 2],
  blurAxes: 'band-row', pixelMask: 0.5, bandMask: 0.5,
};

/** Python's round(): half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/** The shared deterministic e^x (|x| ≤ 20), the same operations as detExp in the wasm. */
export function detExpRef(x: number): number {
  const k = roundHalfEven(x * 1.4426950408889634);
  const r = x - k * 6.93147180369123816490e-01 - k * 1.90821492927058770002e-10;
  let p = 1.0;
  for (let i = 13; i >= 1; i--) p = 1.0 + r * p / i;
  for (let j = Math.abs(k); j > 0; j--) p *= k < 0 ? 0.5 : 2.0;
  return p;
}

export interface Crop { top: number; left: number; height: number; width: number }

/** torchvision RandomResizedCrop.get_params on a size×size image. */
export function cropParamsRef(rng: Rng, size: number, p: AugmentParams): Crop {
  const area = size * size;
  const logRatio = [Math.log(p.ratio[0]), Math.log(p.ratio[1])];
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (p.scale[0] + (p.scale[1] - p.scale[0]) * rng.uniform());
    const aspect = detExpRef(logRatio[0] + (logRatio[1] - logRatio[0]) * rng.uniform());
    const width = roundHalfEven(Math.sqrt(target * aspect));
    const height = roundHalfEven(Math.sqrt(target / aspect));
    if (width > 0 && width <= size && height > 0 && height <= size) {
      const top = rng.below(size - height + 1);
      const left = rng.below(size - width + 1);
      return { top, left, height, width };
    }
  }
  let width = size;
  let height = size;
  if (1 < p.ratio[0]) height = roundHalfEven(width / p.ratio[0]);
  else if (1 > p.ratio[1]) width = roundHalfEven(height * p.ratio[1]);
  return { top: Math.floor((size - height) / 2), left: Math.floor((size - width) / 2), height, width };
}

/** PyTorch's source coordinate for output o (align_corners=False, clamped at 0) and its taps. */
export function bilinearTaps(o: number, input: number, output: number): [number, number, number] {
  const src = Math.max(0, (o + 0.5) * (input / output) - 0.5);
  const i0 = Math.floor(src);
  return [i0, Math.min(i0 + 1, input - 1), src - i0];
}

/** The crop of one C×S×S patch resized back to S×S, flipped when asked. */
export function cropResizeRef(patch: ArrayLike<number>, channels: number, size: number, c: Crop, flip: boolean): Float64Array {
  const out = new Float64Array(channels * size * size);
  const at = (ch: number, y: number, x: number): number => patch[(ch * size + c.top + y) * size + c.left + x];
  for (let ch = 0; ch < channels; ch++) {
    for (let oy = 0; oy < size; oy++) {
      const [y0, y1, ly] = bilinearTaps(oy, c.height, size);
      for (let ox = 0; ox < size; ox++) {
        const [x0, x1, lx] = bilinearTaps(flip ? size - 1 - ox : ox, c.width, size);
        const top = (1 - lx) * at(ch, y0, x0) + lx * at(ch, y0, x1);
        const bottom = (1 - lx) * at(ch, y1, x0) + lx * at(ch, y1, x1);
        out[(ch * size + oy) * size + ox] = (1 - ly) * top + ly * bottom;
      }
    }
  }
  return out;
}

/** OpenCV getGaussianKernel(k, σ). */
export function gaussianKernelRef(k: number, sigma: number): number[] {
  const w = Array.from({ length: k }, (_, i) => Math.exp((-0.5 / (sigma * sigma)) * (i - (k - 1) / 2) ** 2));
  const sum = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / sum);
}

/** OpenCV BORDER_REFLECT_101 index. */
export function reflect101(p: number, n: number): number {
  if (n === 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * n - 2 - p;
  return p;
}

/** Direct 2-D Gaussian blur of a C×S×S view over (band, row) or (row, col). */
export function gaussianBlurRef(view: Float64Array, channels: number, size: number, k: number, sigma: number, axes: AugmentParams['blurAxes']): Float64Array {
  const w = gaussianKernelRef(k, sigma);
  const r = (k - 1) / 2;
  const out = new Float64Array(view.length);
  const at = (ch: number, y: number, x: number): number => view[(ch * size + y) * size + x];
  for (let ch = 0; ch < channels; ch++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let sum = 0;
        for (let i = 0; i < k; i++) {
          for (let j = 0; j < k; j++) {
            sum += axes === 'band-row'
              ? w[i] * w[j] * at(reflect101(ch + i - r, channels), reflect101(y + j - r, size), x)
              : w[i] * w[j] * at(ch, reflect101(y + i - r, size), reflect101(x + j - r, size));
          }
        }
        out[(ch * size + y) * size + x] = sum;
      }
    }
  }
  return out;
}

export interface ViewPlan {
  crop: Crop;
  flip: boolean;
  /** 0 blur, 1 pixel masking, 2 band masking (RandomChoice). */
  choice: number;
  /** Blur: 1 when applied; masks: how many pixels or bands were zeroed. */
  applied: number;
  sigma: number;
}

/** The RandomChoice step on a view, in place; returns [applied, σ]. */
function chooseRef(rng: Rng, view: Float64Array, channels: number, size: number, choice: number, p: AugmentParams): [Float64Array, number, number] {
  const plane = size * size;
  if (choice === 0) {
    if (!(rng.uniform() < p.blur)) return [view, 0, 0];
    const sigma = (p.sigma[1] - p.sigma[0]) * rng.uniform() + p.sigma[0];
    return [gaussianBlurRef(view, channels, size, p.blurKernel, sigma, p.blurAxes), 1, sigma];
  }
  let applied = 0;
  if (choice === 1) {
    const keep = Array.from({ length: plane }, () => rng.uniform() < 1 - p.pixelMask);
    view.forEach((_, i) => { if (!keep[i % plane]) view[i] = 0; });
    applied = keep.filter((k) => !k).length;
  } else {
    const keep = Array.from({ length: channels }, () => rng.uniform() < 1 - p.bandMask);
    view.forEach((_, i) => { if (!keep[Math.floor(i / plane)]) view[i] = 0; });
    applied = keep.filter((k) => !k).length;
  }
  return [view, applied, 0];
}

/** Two views of every patch [N, C, S, S] and the plan of each (index v·N + n). */
export function ssccAugmentRef(patches: ArrayLike<number>, count: number, channels: number, size: number, seed: number, ids: ArrayLike<number>, p: AugmentParams = SSCC_DEFAULTS): { first: Float32Array; second: Float32Array; plans: ViewPlan[] } {
  const values = channels * size * size;
  const views = [new Float32Array(count * values), new Float32Array(count * values)];
  const plans: ViewPlan[] = [];
  for (let n = 0; n < count; n++) {
    const rng = new Rng(seed, ids[n]);
    const patch = Array.prototype.slice.call(patches, n * values, (n + 1) * values) as number[];
    for (let v = 0; v < 2; v++) {
      const crop = cropParamsRef(rng, size, p);
      const flip = rng.uniform() < p.flip;
      const choice = rng.below(3);
      const [view, applied, sigma] = chooseRef(rng, cropResizeRef(patch, channels, size, crop, flip), channels, size, choice, p);
      views[v].set(view, n * values);
      plans[v * count + n] = { crop, flip, choice, applied, sigma };
    }
  }
  return { first: views[0], second: views[1], plans };
}
