/**
 * Float64 references of the shape ops: plain loops over output coordinates, written from the
 * NumPy/PyTorch definitions (not from the shaders' window arithmetic).
 */
import type { Shape } from '../../src/index.ts';
import { coords } from '../harness/gradcheck.ts';

export type Range = null | readonly [start?: number | null, end?: number | null, step?: number | null];

/** Row-major flat index of coordinates c in shape. */
export function flatIndex(c: readonly number[], shape: Shape): number {
  let i = 0;
  for (let d = 0; d < shape.length; d++) i = i * shape[d] + c[d];
  return i;
}

const sizeOf = (shape: Shape): number => shape.reduce((p, d) => p * d, 1);

/** y[c] = x[c permuted back]: output axis i is input axis perm[i]. */
export function permuteRef(x: ArrayLike<number>, shape: Shape, perm: readonly number[]): Float64Array {
  const out = perm.map((a) => shape[a]);
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) {
    const c = coords(i, out);
    const src = new Array<number>(shape.length);
    perm.forEach((a, k) => (src[a] = c[k]));
    y[i] = x[flatIndex(src, shape)];
  }
  return y;
}

/** The indices Python's range(*slice(start, end, step).indices(n)) visits. */
export function sliceIndices(n: number, r: Range): number[] {
  const step = r?.[2] ?? 1;
  let start: number;
  let end: number;
  if (step > 0) {
    start = r?.[0] ?? 0;
    end = r?.[1] ?? n;
    if (start < 0) start = Math.max(0, start + n);
    if (end < 0) end = Math.max(0, end + n);
    start = Math.min(start, n);
    end = Math.min(end, n);
  } else {
    start = r?.[0] ?? n - 1;
    end = r?.[1] ?? -n - 1;
    if (start < 0) start = Math.max(-1, start + n);
    if (end < 0) end = Math.max(-1, end + n);
    start = Math.min(start, n - 1);
    end = Math.min(end, n - 1);
  }
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
}

/** x[r0, r1, …] with Python slices per axis (missing ranges take the whole axis). */
export function sliceRef(x: ArrayLike<number>, shape: Shape, ranges: readonly Range[]): { data: Float64Array; shape: number[] } {
  const idx = shape.map((n, a) => sliceIndices(n, ranges[a] ?? null));
  const out = idx.map((l) => l.length);
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) y[i] = x[flatIndex(coords(i, out).map((c, a) => idx[a][c]), shape)];
  return { data: y, shape: out };
}

/** Pads trailing axes (pads in axis order); reflect mirrors without repeating the edge. */
export function padRef(x: ArrayLike<number>, shape: Shape, pads: readonly (readonly [number, number])[], mode: 'constant' | 'reflect', value = 0): Float64Array {
  const lead = shape.length - pads.length;
  const before = shape.map((_, a) => (a < lead ? 0 : pads[a - lead][0]));
  const out = shape.map((n, a) => (a < lead ? n : n + pads[a - lead][0] + pads[a - lead][1]));
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) {
    const src = coords(i, out).map((c, a) => {
      let q = c - before[a];
      if (mode === 'reflect') {
        const n = shape[a];
        if (q < 0) q = -q;
        if (q > n - 1) q = (n - 1) - (q - (n - 1));
      }
      return q;
    });
    const inside = src.every((q, a) => q >= 0 && q < shape[a]);
    y[i] = inside ? x[flatIndex(src, shape)] : value;
  }
  return y;
}

/** Concatenation along `axis` of tensors given as (data, shape) pairs. */
export function concatRef(parts: readonly { data: ArrayLike<number>; shape: Shape }[], axis: number): Float64Array {
  const out = [...parts[0].shape];
  out[axis] = parts.reduce((p, t) => p + t.shape[axis], 0);
  const y = new Float64Array(sizeOf(out));
  for (let i = 0; i < y.length; i++) {
    const c = coords(i, out);
    let k = 0;
    let q = c[axis];
    while (q >= parts[k].shape[axis]) q -= parts[k++].shape[axis];
    const src = [...c];
    src[axis] = q;
    y[i] = parts[k].data[flatIndex(src, parts[k].shape)];
  }
  return y;
}
