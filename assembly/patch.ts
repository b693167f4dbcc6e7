// Reflect padding and patch extraction on band-sequential cubes (C×H×W, row-major per band).
// Reflection follows numpy's 'reflect' mode and torch's ReflectionPad2d: the edge sample is not
// repeated (…, x2, x1 | x0, x1, x2, … | …), which is only defined while pad < size; larger pads
// are refused instead of being folded again as numpy would.
// Patches are [N, C, p, p] for odd p, patch n centred on pixel centres[n] (= row·W + col), read
// through the reflection without building the padded cube: rows that need no reflection are
// copied with memory.copy, which is where the time goes for p = 11 or 19.

/** Largest array an export returns (1 GiB of f32): beyond it callers work in batches. */
export const MAX_VALUES: i64 = 1 << 28;

// Reflected index of i ∈ [−(n−1), 2n−2] into [0, n).
@inline function reflect(i: i32, n: i32): i32 {
  return i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
}

function checkCube(op: string, length: i32, channels: i32, rows: i32, cols: i32): void {
  if (channels <= 0 || rows <= 0 || cols <= 0) {
    throw new Error(op + ': shape: expected positive channels, rows, cols, got ' + channels.toString() + '×' + rows.toString() + '×' + cols.toString());
  }
  if (<i64>channels * rows * cols != <i64>length) {
    throw new Error(op + ': data length: expected ' + channels.toString() + '×' + rows.toString() + '×' + cols.toString() + ', got ' + length.toString());
  }
}

/** Pads every band by `pad` on each side with reflection; returns C×(H+2·pad)×(W+2·pad). */
export function reflectPad(data: Float32Array, channels: i32, rows: i32, cols: i32, pad: i32): Float32Array {
  checkCube('reflectPad', data.length, channels, rows, cols);
  if (pad < 0 || pad >= rows || pad >= cols) {
    throw new Error('reflectPad: pad: expected 0 ≤ pad < min(rows, cols) = ' + min(rows, cols).toString() + ', got ' + pad.toString());
  }
  const outRows = rows + 2 * pad;
  const outCols = cols + 2 * pad;
  if (<i64>channels * outRows * outCols > MAX_VALUES) {
    throw new Error('reflectPad: output: expected at most ' + MAX_VALUES.toString() + ' values, got ' + (<i64>channels * outRows * outCols).toString());
  }
  const out = new Float32Array(channels * outRows * outCols);
  const src = data.dataStart;
  let dst = out.dataStart;
  for (let ch = 0; ch < channels; ch++) {
    for (let y = 0; y < outRows; y++) {
      const row = src + ((<usize>(ch * rows + reflect(y - pad, rows)) * cols) << 2);
      for (let x = 0; x < pad; x++) store<f32>(dst + (<usize>x << 2), load<f32>(row + (<usize>(pad - x) << 2)));
      memory.copy(dst + (<usize>pad << 2), row, <usize>cols << 2);
      for (let k = 0; k < pad; k++) store<f32>(dst + (<usize>(pad + cols + k) << 2), load<f32>(row + (<usize>(cols - 2 - k) << 2)));
      dst += <usize>outCols << 2;
    }
  }
  return out;
}

/**
 * Patches of odd size p centred on the pixels `centres` (row·cols + col), reflected at the
 * borders; returns [N, C, p, p] with N = centres.length.
 */
export function extractPatches(data: Float32Array, channels: i32, rows: i32, cols: i32, size: i32, centres: Int32Array): Float32Array {
  checkCube('extractPatches', data.length, channels, rows, cols);
  const half = size >> 1;
  if (size <= 0 || (size & 1) == 0 || half >= rows || half >= cols) {
    throw new Error('extractPatches: size: expected an odd size with size/2 < min(rows, cols) = ' + min(rows, cols).toString() + ', got ' + size.toString());
  }
  const n = centres.length;
  const pixels = rows * cols;
  for (let i = 0; i < n; i++) {
    const c = unchecked(centres[i]);
    if (c < 0 || c >= pixels) {
      throw new Error('extractPatches: centres[' + i.toString() + ']: expected a pixel index in [0, ' + pixels.toString() + '), got ' + c.toString());
    }
  }
  if (<i64>n * channels * size * size > MAX_VALUES) {
    throw new Error('extractPatches: output: expected at most ' + MAX_VALUES.toString() + ' values, got ' + (<i64>n * channels * size * size).toString() + '; extract the centres in batches');
  }
  const out = new Float32Array(n * channels * size * size);
  const src = data.dataStart;
  let dst = out.dataStart;
  const rowBytes = <usize>size << 2;
  const at = centres.dataStart;
  for (let i = 0; i < n; i++) {
    const r = load<i32>(at + (<usize>i << 2)) / cols;
    const c = load<i32>(at + (<usize>i << 2)) % cols;
    const inside = c - half >= 0 && c + half < cols;
    for (let ch = 0; ch < channels; ch++) {
      for (let dy = 0; dy < size; dy++) {
        const row = src + ((<usize>(ch * rows + reflect(r - half + dy, rows)) * cols) << 2);
        if (inside) {
          memory.copy(dst, row + (<usize>(c - half) << 2), rowBytes);
        } else {
          for (let dx = 0; dx < size; dx++) store<f32>(dst + (<usize>dx << 2), load<f32>(row + (<usize>reflect(c - half + dx, cols) << 2)));
        }
        dst += rowBytes;
      }
    }
  }
  return out;
}
