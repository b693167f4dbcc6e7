/**
 * Plain-TypeScript twins of assembly/patch.ts, written from the definitions (numpy 'reflect'
 * indexing, one patch per centre) rather than from the wasm code's row copies.
 */

/** numpy 'reflect' index of i into [0, n) (edge not repeated); defined for −n < i < 2n − 1. */
export function reflectIndex(i: number, n: number): number {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

/** C×H×W → C×(H+2·pad)×(W+2·pad) with reflection. */
export function reflectPadRef(data: ArrayLike<number>, channels: number, rows: number, cols: number, pad: number): Float32Array {
  const outRows = rows + 2 * pad;
  const outCols = cols + 2 * pad;
  const out = new Float32Array(channels * outRows * outCols);
  for (let ch = 0; ch < channels; ch++) {
    for (let y = 0; y < outRows; y++) {
      for (let x = 0; x < outCols; x++) {
        const sy = reflectIndex(y - pad, rows);
        const sx = reflectIndex(x - pad, cols);
        out[(ch * outRows + y) * outCols + x] = data[(ch * rows + sy) * cols + sx];
      }
    }
  }
  return out;
}

/** [N, C, p, p] patches centred on `centres` (row·cols + col), cut from the padded cube. */
export function extractPatchesRef(data: ArrayLike<number>, channels: number, rows: number, cols: number, size: number, centres: ArrayLike<number>): Float32Array {
  const half = Math.floor(size / 2);
  const padded = reflectPadRef(data, channels, rows, cols, half);
  const pr = rows + 2 * half;
  const pc = cols + 2 * half;
  const out = new Float32Array(centres.length * channels * size * size);
  let o = 0;
  for (let n = 0; n < centres.length; n++) {
    const r = Math.floor(centres[n] / cols);
    const c = centres[n] % cols;
    // Pixel (r, c) sits at (r + half, c + half) in the padded cube: the window starts at (r, c).
    for (let ch = 0; ch < channels; ch++) {
      for (let dy = 0; dy < size; dy++) {
        for (let dx = 0; dx < size; dx++) out[o++] = padded[(ch * pr + r + dy) * pc + c + dx];
      }
    }
  }
  return out;
}
