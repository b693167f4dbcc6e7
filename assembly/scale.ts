// Scaling of a band-sequential cube (C×H×W: band b is the plane data[b*plane .. (b+1)*plane)).
// Split in two pure steps so the caller can report which bands were constant:
//   scaleParams → per band (shift, divisor), divisor 0 for a constant band, and a count of
//                 NaN/Inf values (the caller reports them; the parameters are then meaningless);
//   scaleApply  → out = (x − shift) / divisor, and 0 where the divisor is 0 (never NaN).
// Sums run in f64 and z-scores take two passes, so large offsets keep their precision. The
// loops read raw memory: typed-array indexing spills to the GC shadow stack on every access.

/** Modes, shared with src/data/scale.ts: 0 global min–max, 1 per-band min–max, 2 per-band z-score. */
const GLOBAL_MINMAX = 0;
const BAND_MINMAX = 1;
const ZSCORE = 2;

function checkShape(fn: string, n: i32, bands: i32): void {
  if (bands <= 0) throw new Error(fn + ': bands: expected a positive count, got ' + bands.toString());
  if (n == 0 || n % bands != 0) {
    throw new Error(fn + ': cube length: expected a positive multiple of ' + bands.toString() + ' bands, got ' + n.toString());
  }
}

/**
 * One pass over a band at `x` (n f32): writes min, max, sum to out[0..2] and returns how many
 * values were NaN/Inf (they are left out of all three).
 */
function bandStats(x: usize, n: i32, out: usize): i32 {
  let lo = Infinity;
  let hi = -Infinity;
  let sum = 0.0;
  let bad = 0;
  for (let p = 0; p < n; p++) {
    const v = <f64>load<f32>(x + (<usize>p << 2));
    if (v - v != 0) { // NaN or ±Inf
      bad++;
      continue;
    }
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    sum += v;
  }
  store<f64>(out, lo);
  store<f64>(out, hi, 8);
  store<f64>(out, sum, 16);
  return bad;
}

/** Population standard deviation of a band around `mean` (the second pass). */
function bandStd(x: usize, n: i32, mean: f64): f64 {
  let ss = 0.0;
  for (let p = 0; p < n; p++) {
    const d = <f64>load<f32>(x + (<usize>p << 2)) - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / <f64>n);
}

/**
 * [shift_0, divisor_0, …, shift_{C−1}, divisor_{C−1}, nonFinite] for `mode` (0 global min–max,
 * 1 per-band min–max, 2 per-band z-score). A divisor of 0 marks a constant band (for the global
 * mode: a constant cube). Aborts on a bad shape or mode.
 */
export function scaleParams(data: Float32Array, bands: i32, mode: i32): Float64Array {
  checkShape('scaleParams', data.length, bands);
  if (mode < GLOBAL_MINMAX || mode > ZSCORE) throw new Error('scaleParams: mode: expected 0, 1 or 2, got ' + mode.toString());
  const plane = data.length / bands;
  const out = new Float64Array(2 * bands + 1);
  const st = new Float64Array(3 * bands);
  let bad = 0;
  for (let b = 0; b < bands; b++) bad += bandStats(data.dataStart + (<usize>(b * plane) << 2), plane, st.dataStart + (<usize>(3 * b) << 3));
  unchecked(out[2 * bands] = <f64>bad);
  if (bad > 0) return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (let b = 0; b < bands; b++) {
    lo = Math.min(lo, unchecked(st[3 * b]));
    hi = Math.max(hi, unchecked(st[3 * b + 1]));
  }
  for (let b = 0; b < bands; b++) {
    if (mode == GLOBAL_MINMAX) {
      unchecked(out[2 * b] = lo);
      unchecked(out[2 * b + 1] = hi - lo);
      continue;
    }
    const blo = unchecked(st[3 * b]);
    const bhi = unchecked(st[3 * b + 1]);
    if (bhi == blo) continue; // constant: shift 0, divisor 0
    if (mode == BAND_MINMAX) {
      unchecked(out[2 * b] = blo);
      unchecked(out[2 * b + 1] = bhi - blo);
    } else {
      const mean = unchecked(st[3 * b + 2]) / <f64>plane;
      unchecked(out[2 * b] = mean);
      unchecked(out[2 * b + 1] = bandStd(data.dataStart + (<usize>(b * plane) << 2), plane, mean));
    }
  }
  return out;
}

/** out = (x − shift_b) / divisor_b per band, 0 where divisor_b is 0; f32 out, f64 arithmetic. */
export function scaleApply(data: Float32Array, bands: i32, params: Float64Array): Float32Array {
  checkShape('scaleApply', data.length, bands);
  if (params.length < 2 * bands) {
    throw new Error('scaleApply: params: expected ' + (2 * bands).toString() + ' values, got ' + params.length.toString());
  }
  const plane = data.length / bands;
  const out = new Float32Array(data.length);
  for (let b = 0; b < bands; b++) {
    const div = unchecked(params[2 * b + 1]);
    if (div == 0) continue;
    const o = <usize>(b * plane) << 2;
    affine(data.dataStart + o, out.dataStart + o, plane, unchecked(params[2 * b]), div);
  }
  return out;
}

/**
 * y[p] = (x[p] − shift) / div over n f32 values at raw addresses, in f64. One division, then
 * multiplies (a division per value costs more than the rest of the loop): the f64 result is
 * within an ulp of the quotient, far below the f32 rounding of the output.
 */
function affine(x: usize, y: usize, n: i32, shift: f64, div: f64): void {
  const inv = 1.0 / div;
  for (let p = 0; p < n; p++) {
    const o = <usize>p << 2;
    store<f32>(y + o, <f32>((<f64>load<f32>(x + o) - shift) * inv));
  }
}
