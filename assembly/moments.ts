// Per-band statistics of a hyperspectral cube, the basis of per-band normalisation.
// Layout: band-interleaved-by-pixel (BIP), cube[p * bands + b] for pixel p and band b.
// Two passes in f64 (mean, then squared deviations) so long bands of large values keep
// their precision; validation happens once here, then the loops run unchecked.

/**
 * Returns [mean_0..mean_{B-1}, var_0..var_{B-1}] with the population (biased) variance.
 * Aborts on a length that is not a multiple of `bands` and on NaN or Inf values.
 */
export function bandMoments(cube: Float32Array, bands: i32): Float64Array {
  if (bands <= 0) throw new Error('bandMoments: bands: expected a positive count, got ' + bands.toString());
  const n = cube.length;
  if (n == 0 || n % bands != 0) {
    throw new Error('bandMoments: cube length: expected a positive multiple of ' + bands.toString() + ' bands, got ' + n.toString());
  }
  const pixels = n / bands;
  const out = new Float64Array(2 * bands);
  for (let i = 0; i < n; i++) {
    const v = unchecked(cube[i]);
    if (!isFinite(v)) {
      throw new Error('bandMoments: value at pixel ' + (i / bands).toString() + ', band ' + (i % bands).toString() + ': expected a finite number, got ' + v.toString());
    }
    unchecked(out[i % bands] += <f64>v);
  }
  for (let b = 0; b < bands; b++) unchecked(out[b] /= <f64>pixels);
  for (let p = 0; p < pixels; p++) {
    const base = p * bands;
    for (let b = 0; b < bands; b++) {
      const d = <f64>unchecked(cube[base + b]) - unchecked(out[b]);
      unchecked(out[bands + b] += d * d);
    }
  }
  for (let b = 0; b < bands; b++) unchecked(out[bands + b] /= <f64>pixels);
  return out;
}
