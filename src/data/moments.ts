/**
 * Per-band mean and variance of a hyperspectral cube, computed in WebAssembly in float64.
 */
import { OptionError } from '../errors.ts';
import { withWasm } from './wasm.ts';

export interface BandMoments {
  mean: Float64Array;
  /** Population (biased) variance. */
  variance: Float64Array;
}

/**
 * Statistics of a band-interleaved-by-pixel cube: `cube[p * bands + b]`.
 * Throws `bandMoments: …` on a length that is not a multiple of `bands` or a NaN/Inf value.
 */
export async function bandMoments(cube: Float32Array, bands: number): Promise<BandMoments> {
  if (!Number.isInteger(bands) || bands <= 0 || bands > 0x7fffffff) {
    throw new OptionError('bandMoments', `bands: expected a positive integer, got ${bands}`);
  }
  const out = await withWasm((w) => w.bandMoments(cube, bands));
  return { mean: out.slice(0, bands), variance: out.slice(bands) };
}
