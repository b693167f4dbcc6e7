/** Float64 references of softmax and log-softmax along one axis (plain loops over rows). */
import type { Shape } from '../../src/index.ts';

/** Calls f(offsets) for every row along `axis` of a row-major `shape`. */
export function forRows(shape: Shape, axis: number, f: (offsets: number[]) => void): void {
  const a = axis < 0 ? axis + shape.length : axis;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const n = shape[a];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) f(Array.from({ length: n }, (_, k) => (o * n + k) * inner + i));
  }
}

/** softmax (or log-softmax) of x along `axis`, shifted by the row max like any careful CPU code. */
export function softmaxRef(x: ArrayLike<number>, shape: Shape, axis: number, log = false): Float64Array {
  const y = new Float64Array(x.length);
  forRows(shape, axis, (idx) => {
    let m = -Infinity;
    for (const p of idx) m = Math.max(m, x[p]);
    let s = 0;
    for (const p of idx) s += Math.exp(x[p] - m);
    for (const p of idx) y[p] = log ? x[p] - m - Math.log(s) : Math.exp(x[p] - m) / s;
  });
  return y;
}
