// SSCC's two-view augmentation (docs/sscc.md#augmentation, modules/transform.py), on patches
// [N, C, S, S].
// Each view applies, in this order and with these draws from the sample's stream (prng.ts):
//  1. RandomResizedCrop back to S×S, torchvision's get_params: up to 10 attempts of
//     area·U(scale) and exp(U(log ratio)), w = round(√(area·aspect)), h = round(√(area/aspect))
//     (round half to even, as Python), accepted when 0 < w, h ≤ S, then top = below(S−h+1),
//     left = below(S−w+1); else the centre fallback. Resampling is bilinear with PyTorch's
//     align_corners=False: src = max(0, (o + ½)·in/out − ½), neighbours ⌊src⌋ and ⌊src⌋+1
//     clamped to the crop, weights linear in the distance, computed in f64.
//  2. Horizontal flip when U < flipP (the column order is reversed).
//  3. One of three, chosen by below(3): 0 Gaussian blur when U < blurP, σ = (σhi−σlo)·U + σlo,
//     OpenCV's kernel exp(−(i−r)²/2σ²)/Σ and BORDER_REFLECT_101, over (band, row) as SSCC's
//     cv2 call on a C×H×W array really does (axes 0) or over (row, col) (axes 1); 1 pixel
//     masking: per pixel row-major, kept when U < 1 − pixelP, else zero in every band;
//     2 band masking: per band, kept when U < 1 − bandP, else the whole band is zero.
// The aspect's exp is computed from +, −, ×, ÷ only (detExp) so that the crop sizes, the integer
// choices, are bitwise the same in the twin; the blur kernel uses Math.exp.
import { rngBelow, rngSeed, rngUniform } from './prng';
import { MAX_VALUES } from './patch';

/** Values per view in the plan: top, left, height, width, flip, choice, applied, σ. */
export const PLAN_FIELDS: i32 = 8;

let cropTop: i32 = 0;
let cropLeft: i32 = 0;
let cropHeight: i32 = 0;
let cropWidth: i32 = 0;

// Work buffers of the running call, as raw addresses: the hot loops below touch no managed
// references, so the incremental runtime's shadow stack adds nothing to them.
let tapY0: usize = 0; // i32 × S: first source row of each output row
let tapY1: usize = 0;
let tapX0: usize = 0;
let tapX1: usize = 0;
let weightY: usize = 0; // f64 × S: weight of the second source row
let weightX: usize = 0;
let viewPtr: usize = 0; // f64 × C·S·S: the view being built
let sparePtr: usize = 0;
let kernelPtr: usize = 0; // f64 × k
let kernelSize: i32 = 0;

@inline function getF64(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
@inline function setF64(p: usize, i: i32, v: f64): void { store<f64>(p + (<usize>i << 3), v); }
@inline function getI32(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
@inline function setI32(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }
@inline function getF32(p: usize, i: i32): f64 { return <f64>load<f32>(p + (<usize>i << 2)); }

/** e^x for |x| ≤ 21 (the crop's log ratios) from +, −, ×, ÷ only: x = k·ln2 + r, a degree-13 Taylor sum of e^r, × 2^k. */
export function detExp(x: f64): f64 {
  const k = nearest<f64>(x * 1.4426950408889634);
  const r = x - k * 6.93147180369123816490e-01 - k * 1.90821492927058770002e-10;
  let p = 1.0;
  for (let i = 13; i >= 1; i--) p = 1.0 + r * p / <f64>i;
  const step = k < 0 ? 0.5 : 2.0;
  for (let j = <i32>abs<f64>(k); j > 0; j--) p *= step;
  return p;
}

/** torchvision RandomResizedCrop.get_params for an S×S image; sets the crop globals. */
function drawCrop(size: i32, scaleLo: f64, scaleHi: f64, ratioLo: f64, ratioHi: f64, logLo: f64, logHi: f64): void {
  const area = <f64>(size * size);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * (scaleLo + (scaleHi - scaleLo) * rngUniform());
    const aspect = detExp(logLo + (logHi - logLo) * rngUniform());
    const w = <i32>nearest<f64>(Math.sqrt(target * aspect));
    const h = <i32>nearest<f64>(Math.sqrt(target / aspect));
    if (w > 0 && w <= size && h > 0 && h <= size) {
      cropTop = <i32>rngBelow(<u32>(size - h + 1));
      cropLeft = <i32>rngBelow(<u32>(size - w + 1));
      cropHeight = h;
      cropWidth = w;
      return;
    }
  }
  // The centre fallback for a square image (width / height = 1).
  cropHeight = size;
  cropWidth = size;
  if (1.0 < ratioLo) cropHeight = <i32>nearest<f64>(<f64>size / ratioLo);
  else if (1.0 > ratioHi) cropWidth = <i32>nearest<f64>(<f64>size * ratioHi);
  cropTop = (size - cropHeight) / 2;
  cropLeft = (size - cropWidth) / 2;
}

/** Bilinear taps (align_corners=False) from `input` samples to `output`: i0, i1 and weight of i1. */
function taps(input: i32, output: i32, i0: usize, i1: usize, w1: usize): void {
  const scale = <f64>input / <f64>output;
  for (let o = 0; o < output; o++) {
    let src = (<f64>o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    const lo = <i32>src;
    setI32(i0, o, lo);
    setI32(i1, o, lo < input - 1 ? lo + 1 : lo);
    setF64(w1, o, src - <f64>lo);
  }
}

/** Crops the current box out of the patch at `patch` (C×S×S f32), resizes it to S×S, flips. */
function cropResize(patch: usize, channels: i32, size: i32, flip: bool): void {
  taps(cropHeight, size, tapY0, tapY1, weightY);
  taps(cropWidth, size, tapX0, tapX1, weightX);
  const plane = size * size;
  for (let ch = 0; ch < channels; ch++) {
    const inBase = ch * plane + cropTop * size + cropLeft;
    for (let oy = 0; oy < size; oy++) {
      const ly = getF64(weightY, oy);
      const r0 = inBase + getI32(tapY0, oy) * size;
      const r1 = inBase + getI32(tapY1, oy) * size;
      const outRow = ch * plane + oy * size;
      for (let ox = 0; ox < size; ox++) {
        const sx = flip ? size - 1 - ox : ox;
        const lx = getF64(weightX, sx);
        const c0 = getI32(tapX0, sx);
        const c1 = getI32(tapX1, sx);
        const top = (1 - lx) * getF32(patch, r0 + c0) + lx * getF32(patch, r0 + c1);
        const bottom = (1 - lx) * getF32(patch, r1 + c0) + lx * getF32(patch, r1 + c1);
        setF64(viewPtr, outRow + ox, (1 - ly) * top + ly * bottom);
      }
    }
  }
}

// OpenCV borderInterpolate for BORDER_REFLECT_101 (…, x2, x1 | x0, x1, …), any distance.
@inline function reflect101(p: i32, n: i32): i32 {
  if (n == 1) return 0;
  while (p < 0 || p >= n) p = p < 0 ? -p : 2 * n - 2 - p;
  return p;
}

/** One 1-D pass of the kernel along an axis of length `len` and element stride `stride`. */
function blurPass(src: usize, dst: usize, values: i32, len: i32, stride: i32): void {
  const radius = kernelSize >> 1;
  for (let e = 0; e < values; e++) {
    const a = (e / stride) % len;
    let sum = 0.0;
    for (let t = 0; t < kernelSize; t++) {
      sum += getF64(kernelPtr, t) * getF64(src, e + (reflect101(a + t - radius, len) - a) * stride);
    }
    setF64(dst, e, sum);
  }
}

/** Gaussian blur of the view (C×S×S) in place: over (band, row) for axes 0, (row, col) for 1. */
function blur(channels: i32, size: i32, sigma: f64, axes: i32): void {
  const scale = -0.5 / (sigma * sigma);
  const centre = <f64>(kernelSize - 1) * 0.5;
  let sum = 0.0;
  for (let i = 0; i < kernelSize; i++) {
    const x = <f64>i - centre;
    const w = Math.exp(scale * x * x);
    setF64(kernelPtr, i, w);
    sum += w;
  }
  for (let i = 0; i < kernelSize; i++) setF64(kernelPtr, i, getF64(kernelPtr, i) / sum);
  const values = channels * size * size;
  if (axes == 0) {
    blurPass(viewPtr, sparePtr, values, size, size); // rows: cv2's x axis
    blurPass(sparePtr, viewPtr, values, channels, size * size); // bands: cv2's y axis
  } else {
    blurPass(viewPtr, sparePtr, values, size, 1); // cols
    blurPass(sparePtr, viewPtr, values, size, size); // rows
  }
}

/** The third step: blur, pixel masking or band masking; returns applied (see PLAN_FIELDS). */
function choose(channels: i32, size: i32, choice: i32, blurP: f64, sigmaLo: f64, sigmaHi: f64, axes: i32, pixelP: f64, bandP: f64): i32 {
  const plane = size * size;
  let applied = 0;
  lastSigma = 0;
  if (choice == 0) {
    if (rngUniform() < blurP) {
      lastSigma = (sigmaHi - sigmaLo) * rngUniform() + sigmaLo;
      blur(channels, size, lastSigma, axes);
      applied = 1;
    }
  } else if (choice == 1) {
    const keep = 1 - pixelP;
    for (let px = 0; px < plane; px++) {
      if (rngUniform() < keep) continue;
      applied++;
      for (let ch = 0; ch < channels; ch++) setF64(viewPtr, ch * plane + px, 0);
    }
  } else {
    const keep = 1 - bandP;
    for (let ch = 0; ch < channels; ch++) {
      if (rngUniform() < keep) continue;
      applied++;
      memory.fill(viewPtr + (<usize>(ch * plane) << 3), 0, <usize>plane << 3);
    }
  }
  return applied;
}

let lastSigma: f64 = 0;

/**
 * Two SSCC views of every patch [N, C, S, S]. Returns 2·N·C·S·S values (all first views, then all
 * second views) followed by the plan, 2·N·PLAN_FIELDS values in the same view order.
 */
export function ssccAugment(
  patches: Float32Array, count: i32, channels: i32, size: i32, seed: u32, ids: Int32Array,
  scaleLo: f64, scaleHi: f64, ratioLo: f64, ratioHi: f64, logRatioLo: f64, logRatioHi: f64,
  flipP: f64, blurP: f64, blurKernel: i32, sigmaLo: f64, sigmaHi: f64, blurAxes: i32, pixelP: f64, bandP: f64,
): Float32Array {
  checkAugment(patches.length, count, channels, size, ids.length, blurKernel, blurAxes);
  if (!(abs<f64>(logRatioLo) <= 21 && abs<f64>(logRatioHi) <= 21 && logRatioLo <= logRatioHi)) {
    throw new Error('ssccAugment: log ratio: expected −21 ≤ lo ≤ hi ≤ 21, got ' + logRatioLo.toString() + ', ' + logRatioHi.toString());
  }
  const values = channels * size * size;
  const total = count * values;
  const out = new Float32Array(2 * total + 2 * count * PLAN_FIELDS);
  const ints = new Int32Array(4 * size);
  const reals = new Float64Array(2 * size + 2 * values + blurKernel);
  tapY0 = ints.dataStart;
  tapY1 = tapY0 + (<usize>size << 2);
  tapX0 = tapY1 + (<usize>size << 2);
  tapX1 = tapX0 + (<usize>size << 2);
  weightY = reals.dataStart;
  weightX = weightY + (<usize>size << 3);
  viewPtr = weightX + (<usize>size << 3);
  sparePtr = viewPtr + (<usize>values << 3);
  kernelPtr = sparePtr + (<usize>values << 3);
  kernelSize = blurKernel;
  const src = patches.dataStart;
  const dst = out.dataStart;
  const plan = dst + (<usize>(2 * total) << 2);
  for (let n = 0; n < count; n++) {
    rngSeed(seed, <u32>unchecked(ids[n]));
    for (let v = 0; v < 2; v++) {
      drawCrop(size, scaleLo, scaleHi, ratioLo, ratioHi, logRatioLo, logRatioHi);
      const flip = rngUniform() < flipP;
      cropResize(src + (<usize>(n * values) << 2), channels, size, flip);
      const choice = <i32>rngBelow(3);
      const applied = choose(channels, size, choice, blurP, sigmaLo, sigmaHi, blurAxes, pixelP, bandP);
      writePlan(plan + (<usize>((v * count + n) * PLAN_FIELDS) << 2), flip, choice, applied);
      const o = dst + (<usize>(v * total + n * values) << 2);
      for (let i = 0; i < values; i++) store<f32>(o + (<usize>i << 2), <f32>getF64(viewPtr, i));
    }
  }
  return out;
}

function writePlan(p: usize, flip: bool, choice: i32, applied: i32): void {
  store<f32>(p, <f32>cropTop);
  store<f32>(p, <f32>cropLeft, 4);
  store<f32>(p, <f32>cropHeight, 8);
  store<f32>(p, <f32>cropWidth, 12);
  store<f32>(p, flip ? 1 : 0, 16);
  store<f32>(p, <f32>choice, 20);
  store<f32>(p, <f32>applied, 24);
  store<f32>(p, <f32>lastSigma, 28);
}

function checkAugment(length: i32, count: i32, channels: i32, size: i32, ids: i32, kernel: i32, axes: i32): void {
  if (count <= 0 || channels <= 0 || size <= 0) {
    throw new Error('ssccAugment: shape: expected positive count, channels, size, got ' + count.toString() + '×' + channels.toString() + '×' + size.toString());
  }
  if (<i64>count * channels * size * size != <i64>length) {
    throw new Error('ssccAugment: patches length: expected ' + count.toString() + '×' + channels.toString() + '×' + size.toString() + '×' + size.toString() + ', got ' + length.toString());
  }
  if (<i64>length * 2 > MAX_VALUES) throw new Error('ssccAugment: count: expected at most ' + (MAX_VALUES / 2).toString() + ' values per call, got ' + length.toString() + '; augment in batches');
  if (ids != count) throw new Error('ssccAugment: ids: expected one per patch (' + count.toString() + '), got ' + ids.toString());
  if (kernel < 1 || (kernel & 1) == 0) throw new Error('ssccAugment: blurKernel: expected an odd size ≥ 1, got ' + kernel.toString());
  if (axes != 0 && axes != 1) throw new Error('ssccAugment: blurAxes: expected 0 (band, row) or 1 (row, col), got ' + axes.toString());
}
