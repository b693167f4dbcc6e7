/**
 * Plain-TypeScript twin of assembly/n2v.ts, following BS3LNet's generate_mask step by step:
 * lists of masked (y, x), then of offsets, then per band a gather from the unmasked patch
 * followed by a scatter (so a repeated position keeps the last write, as numpy's does).
 */
import { Rng } from './prng.ts';

export interface N2vRef {
  input: Float32Array;
  mask: Float32Array;
  /** Per patch, the masked (y, x) and their sources (sy, sx), in draw order. */
  spots: { y: number[]; x: number[]; sy: number[]; sx: number[] }[];
}

/** Draws (y, x) on a grid until it differs from `exclude` (BS3LNet's exclude_random). */
function excludeRandom(rng: Rng, exclude: [number, number], n: number, low: number): [number, number] {
  for (;;) {
    const y = low + rng.below(n);
    const x = low + rng.below(n);
    if (y !== exclude[0] || x !== exclude[1]) return [y, x];
  }
}

export function n2vMaskRef(patches: ArrayLike<number>, count: number, channels: number, size: number, ratio: number, window: number, seed: number, ids: ArrayLike<number>): N2vRef {
  const num = Math.ceil(size * size * (1 - ratio));
  const plane = size * size;
  const input = Float32Array.from(patches);
  const mask = new Float32Array(input.length).fill(1);
  const spots: N2vRef['spots'] = [];
  const centre: [number, number] = [Math.floor(size / 2), Math.floor(size / 2)];
  for (let n = 0; n < count; n++) {
    const rng = new Rng(seed, ids[n]);
    const y = [centre[0]];
    const x = [centre[1]];
    for (let k = 1; k < num; k++) {
      const [a, b] = excludeRandom(rng, centre, size, 0);
      y.push(a);
      x.push(b);
    }
    // Python: randint(-w//2 + w%2, w//2 + w%2), i.e. w values starting at −⌊w/2⌋.
    const low = Math.floor(-window / 2) + (window % 2);
    const sy: number[] = [];
    const sx: number[] = [];
    for (let k = 0; k < num; k++) {
      const [dy, dx] = excludeRandom(rng, [0, 0], window, low);
      const ty = y[k] + dy;
      const tx = x[k] + dx;
      sy.push(ty + (ty < 0 ? size : 0) - (ty >= size ? size : 0));
      sx.push(tx + (tx < 0 ? size : 0) - (tx >= size ? size : 0));
    }
    for (let ch = 0; ch < channels; ch++) {
      const base = (n * channels + ch) * plane;
      const gathered = sy.map((v, k) => patches[base + v * size + sx[k]]);
      for (let k = 0; k < num; k++) {
        input[base + y[k] * size + x[k]] = gathered[k];
        mask[base + y[k] * size + x[k]] = 0;
      }
    }
    spots.push({ y, x, sy, sx });
  }
  return { input, mask, spots };
}
