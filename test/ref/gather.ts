/**
 * Float64 references of the indexing ops, plain loops from the PyTorch definitions. Indices
 * outside [0, size) follow the engine's documented choice: gather reads 0, scatter skips.
 */
import type { Shape } from '../../src/index.ts';
import { coords } from '../harness/gradcheck.ts';
import { flatIndex } from './shape.ts';

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** out[c] = x[c with c_axis ← index[c]]. */
export function gatherRef(x: ArrayLike<number>, xShape: Shape, axis: number, index: ArrayLike<number>, iShape: Shape): Float64Array {
  const y = new Float64Array(sizeOf(iShape));
  for (let i = 0; i < y.length; i++) {
    const c = coords(i, iShape);
    const t = index[i];
    if (t < 0 || t >= xShape[axis]) continue;
    c[axis] = t;
    y[i] = x[flatIndex(c, xShape)];
  }
  return y;
}

/** out = x with rows index[j] along `axis` taken in order. */
export function indexSelectRef(x: ArrayLike<number>, xShape: Shape, axis: number, index: ArrayLike<number>): Float64Array {
  const out = xShape.map((d, a) => (a === axis ? index.length : d));
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) {
    const c = coords(i, out);
    const t = index[c[axis]];
    if (t < 0 || t >= xShape[axis]) continue;
    c[axis] = t;
    y[i] = x[flatIndex(c, xShape)];
  }
  return y;
}

/** out = x; out[c with c_axis ← index[c]] += src[c] for every c of the index shape. */
export function scatterAddRef(x: ArrayLike<number>, xShape: Shape, axis: number, index: ArrayLike<number>, iShape: Shape, src: ArrayLike<number>, sShape: Shape): Float64Array {
  const y = Float64Array.from(x);
  for (let i = 0; i < sizeOf(iShape); i++) {
    const c = coords(i, iShape);
    const t = index[i];
    if (t < 0 || t >= xShape[axis]) continue;
    const v = src[flatIndex(c, sShape)];
    c[axis] = t;
    y[flatIndex(c, xShape)] += v;
  }
  return y;
}
