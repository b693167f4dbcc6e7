/**
 * Float64 reference of the batched matrix product: plain loops over output coordinates, with
 * the transposes applied by index arithmetic on the stored layout and batch broadcasting by
 * its own rules (independent of src/ops/broadcast.ts and of the kernel's tiling).
 */
import type { Shape } from '../../src/index.ts';

export interface MatmulRefResult {
  shape: number[];
  data: Float64Array;
}

/** NumPy broadcast of two batch shapes; throws on a mismatch. */
function broadcastBatch(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[i - rank + a.length] ?? 1;
    const y = b[i - rank + b.length] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`matmulRef: batch shapes [${a}] and [${b}] do not broadcast`);
    out.push(Math.max(x, y));
  }
  return out;
}

/** Index of the matrix of `batch` that output batch coordinates `c` read (size-1 dims repeat). */
function matrixIndex(c: number[], batch: Shape): number {
  let idx = 0;
  const off = c.length - batch.length;
  for (let d = 0; d < batch.length; d++) idx = idx * batch[d] + (batch[d] === 1 ? 0 : c[d + off]);
  return idx;
}

/** op(a) · op(b) for row-major a of aShape and b of bShape (op = transpose when ta / tb). */
export function matmulRef(a: ArrayLike<number>, aShape: Shape, b: ArrayLike<number>, bShape: Shape, ta = false, tb = false): MatmulRefResult {
  const [ar, ac] = aShape.slice(-2);
  const [br, bc] = bShape.slice(-2);
  const m = ta ? ac : ar;
  const k = ta ? ar : ac;
  const n = tb ? br : bc;
  if ((tb ? bc : br) !== k) throw new Error('matmulRef: inner dimensions differ');
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastBatch(aBatch, bBatch);
  const count = batch.reduce((p, d) => p * d, 1);
  const out = new Float64Array(count * m * n);
  const c = new Array<number>(batch.length);
  for (let bi = 0; bi < count; bi++) {
    let rest = bi;
    for (let d = batch.length - 1; d >= 0; d--) {
      c[d] = rest % batch[d];
      rest = Math.floor(rest / batch[d]);
    }
    const oa = matrixIndex(c, aBatch) * ar * ac;
    const ob = matrixIndex(c, bBatch) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a[oa + p * ac + i] : a[oa + i * ac + p];
          const bv = tb ? b[ob + j * bc + p] : b[ob + p * bc + j];
          s += av * bv;
        }
        out[(bi * m + i) * n + j] = s;
      }
    }
  }
  return { shape: [...batch, m, n], data: out };
}
