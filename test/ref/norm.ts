/**
 * Float64 references for batch and layer normalisation (plain loops over PyTorch's definitions;
 * independent of shaders/norm.wgsl: one-pass-free textbook formulas in double precision).
 */

export interface BatchNormRefResult {
  y: Float64Array;
  /** Running statistics after the update (training), or as given (eval); null when none given. */
  runningMean: Float64Array | null;
  runningVar: Float64Array | null;
}

/** y of batch norm over x [N, C, L] (L = product of the trailing dimensions). */
export function batchNormRef(
  x: ArrayLike<number>, n: number, c: number, l: number,
  rm: ArrayLike<number> | null, rv: ArrayLike<number> | null,
  w: ArrayLike<number> | null, b: ArrayLike<number> | null,
  training: boolean, momentum = 0.1, eps = 1e-5,
): BatchNormRefResult {
  const y = new Float64Array(n * c * l);
  const newMean = rm ? Float64Array.from(rm) : null;
  const newVar = rv ? Float64Array.from(rv) : null;
  const m = n * l;
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let variance: number;
    if (training) {
      let s = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) s += x[(i * c + ch) * l + j];
      mean = s / m;
      let q = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) q += (x[(i * c + ch) * l + j] - mean) ** 2;
      variance = q / m;
      if (newMean && newVar) {
        newMean[ch] = (1 - momentum) * newMean[ch] + momentum * mean;
        newVar[ch] = (1 - momentum) * newVar[ch] + momentum * (q / (m - 1));
      }
    } else {
      mean = rm![ch];
      variance = rv![ch];
    }
    const scale = (w ? w[ch] : 1) / Math.sqrt(variance + eps);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < l; j++) {
        const at = (i * c + ch) * l + j;
        y[at] = (x[at] - mean) * scale + (b ? b[ch] : 0);
      }
    }
  }
  return { y, runningMean: newMean, runningVar: newVar };
}

/** Layer norm of `rows` rows of `d` values each. */
export function layerNormRef(x: ArrayLike<number>, rows: number, d: number, w: ArrayLike<number> | null, b: ArrayLike<number> | null, eps = 1e-5): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[r * d + k];
    const mean = s / d;
    let q = 0;
    for (let k = 0; k < d; k++) q += (x[r * d + k] - mean) ** 2;
    const inv = 1 / Math.sqrt(q / d + eps);
    for (let k = 0; k < d; k++) y[r * d + k] = (x[r * d + k] - mean) * inv * (w ? w[k] : 1) + (b ? b[k] : 0);
  }
  return y;
}
