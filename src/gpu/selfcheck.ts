/**
 * GPU self-check: runs the selfcheck kernel on a shape that is not a multiple of its
 * workgroup size and compares every output with a float64 computation on the CPU.
 * `hsi demo` and `hsi selfcheck` print the result; a mismatch is an error, not a warning.
 */
import source from '../../shaders/selfcheck.wgsl';
import type { Gpu } from './device.ts';

export interface SelfCheckResult {
  rows: number;
  cols: number;
  maxAbsError: number;
  tolerance: number;
  ok: boolean;
  /** Wall time of upload, dispatch and readback, after compilation (ms). */
  ms: number;
  /** First run including pipeline compilation (ms). */
  firstMs: number;
}

/** Deterministic values in [-1, 1) from an integer hash (no RNG state to carry around). */
function hashValue(i: number, salt: number): number {
  let h = Math.imul(i ^ salt, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca77) >>> 0;
  h ^= h >>> 13;
  return (h >>> 8) / 2 ** 23 - 1;
}

async function runOnce(gpu: Gpu, x: Float32Array, w: Float32Array, rows: number, cols: number, bias: number): Promise<Float32Array> {
  const k = gpu.kernel({ file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' });
  const bx = gpu.buffer(x.byteLength, 'selfcheck x');
  const bw = gpu.buffer(w.byteLength, 'selfcheck w');
  const by = gpu.buffer(rows * 4, 'selfcheck y');
  try {
    gpu.write(bx, x);
    gpu.write(bw, w);
    k.dispatch({ x: bx, w: bw, y: by }, { rows, cols, bias }, k.grid1d(rows));
    return new Float32Array(await gpu.read(by));
  } finally {
    for (const b of [bx, bw, by]) gpu.release(b);
  }
}

/** Runs the check on a rows × cols problem (defaults: 10,007 × 37). */
export async function selfCheck(gpu: Gpu, rows = 10_007, cols = 37): Promise<SelfCheckResult> {
  const x = Float32Array.from({ length: rows * cols }, (_, i) => hashValue(i, 17));
  const w = Float32Array.from({ length: cols }, (_, i) => hashValue(i, 91));
  const bias = 0.25;
  let t0 = performance.now();
  await runOnce(gpu, x, w, rows, cols, bias);
  const firstMs = performance.now() - t0;
  t0 = performance.now();
  const y = await runOnce(gpu, x, w, rows, cols, bias);
  const ms = performance.now() - t0;
  let maxAbsError = 0;
  let tolerance = 0;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let mag = 0;
    for (let k = 0; k < cols; k++) {
      sum += x[r * cols + k] * w[k];
      mag += Math.abs(x[r * cols + k] * w[k]);
    }
    maxAbsError = Math.max(maxAbsError, Math.abs(y[r] - (sum + bias)));
    // f32 summation bound: each of `cols` additions rounds by at most eps·|partial sum|.
    tolerance = Math.max(tolerance, (cols + 2) * 2 ** -24 * (mag + Math.abs(bias)));
  }
  return { rows, cols, maxAbsError, tolerance, ok: maxAbsError <= tolerance, ms, firstMs };
}
