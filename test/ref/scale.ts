/**
 * Plain-TypeScript twin of assembly/scale.ts: the float64 reference for its test. Layout is
 * the Cube's band-sequential C×H×W. A constant band (or a constant cube for 'global')
 * maps to 0 and is listed in `constant`; no NaN is ever produced.
 */
export type ScaleModeRef = 'global-minmax' | 'band-minmax' | 'zscore';

export function scaleRef(data: ArrayLike<number>, bands: number, mode: ScaleModeRef): { out: Float64Array; constant: number[] } {
  const plane = data.length / bands;
  const out = new Float64Array(data.length);
  const constant: number[] = [];
  if (mode === 'global-minmax') {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) (lo = Math.min(lo, data[i])), (hi = Math.max(hi, data[i]));
    if (hi === lo) {
      for (let b = 0; b < bands; b++) constant.push(b);
      return { out, constant };
    }
    for (let i = 0; i < data.length; i++) out[i] = (data[i] - lo) / (hi - lo);
    return { out, constant };
  }
  for (let b = 0; b < bands; b++) {
    const o = b * plane;
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (let p = 0; p < plane; p++) (lo = Math.min(lo, data[o + p])), (hi = Math.max(hi, data[o + p])), (sum += data[o + p]);
    if (hi === lo) {
      constant.push(b);
      continue;
    }
    let shift = lo;
    let div = hi - lo;
    if (mode === 'zscore') {
      shift = sum / plane;
      let ss = 0;
      for (let p = 0; p < plane; p++) ss += (data[o + p] - shift) ** 2;
      div = Math.sqrt(ss / plane);
    }
    for (let p = 0; p < plane; p++) out[o + p] = (data[o + p] - shift) / div;
  }
  return { out, constant };
}
