/** Float64 reference for shaders/selfcheck.wgsl, written independently of the kernel. */

/** y[r] = Σ_k x[r·cols + k]·w[k] + bias, accumulated in float64. */
export function rowDot(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, cols: number, bias: number): Float64Array {
  const y = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += x[r * cols + k] * w[k];
    y[r] = s + bias;
  }
  return y;
}

/**
 * Tolerance for an f32 sum of `cols` products of magnitude ≤ `scale`: each of the cols+2
 * roundings errs by at most 2^-24 of the running sum, whose size stays within a few `scale`
 * for inputs of random sign (the factor 4). The worst case, cols²·2^-24·scale, is far looser.
 */
export function rowDotTolerance(cols: number, scale = 1): { atol: number; rtol: number } {
  return { atol: (cols + 2) * 2 ** -24 * scale * 4, rtol: 1e-6 };
}
