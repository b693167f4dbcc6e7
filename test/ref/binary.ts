/** Float64 references of the broadcasting binary ops (plain loops over output coordinates). */
import type { Shape } from '../../src/index.ts';
import { broadcastIndex, coords } from '../harness/gradcheck.ts';

export const binaryRef: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  maximum: (a, b) => Math.max(a, b),
  minimum: (a, b) => Math.min(a, b),
  eq: (a, b) => Number(a === b),
  ne: (a, b) => Number(a !== b),
  lt: (a, b) => Number(a < b),
  le: (a, b) => Number(a <= b),
  gt: (a, b) => Number(a > b),
  ge: (a, b) => Number(a >= b),
};

/** NumPy broadcast of shapes (the reference's own, independent of src/ops/broadcast.ts). */
export function broadcastShape(...shapes: Shape[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) => Math.max(...shapes.map((s) => s[i - rank + s.length] ?? 1)));
}

/** out[c] = f(inputs at the broadcast coordinates of c). */
export function broadcastMap(shapes: Shape[], inputs: ArrayLike<number>[], f: (...v: number[]) => number): Float64Array {
  const out = broadcastShape(...shapes);
  const n = out.reduce((p, d) => p * d, 1);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = coords(i, out);
    y[i] = f(...inputs.map((x, k) => x[broadcastIndex(c, shapes[k])]));
  }
  return y;
}
