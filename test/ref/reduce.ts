/**
 * Float64 references of the reductions: every output gathers the values of its group (plain
 * loops over input coordinates), then a per-group function gives sum, mean, max, min, the
 * variance, logsumexp, or the first index of the max/min.
 */
import type { Shape } from '../../src/index.ts';
import { coords } from '../harness/gradcheck.ts';

export interface RefResult {
  data: Float64Array;
  shape: number[];
}

/** Axes as the ops take them (negative allowed, undefined = all), sorted and non-negative. */
export function refAxes(axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : [...axes];
  return list.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

/** The values of each output's group, in ascending input order, and the output shape. */
export function groups(x: ArrayLike<number>, shape: Shape, axes: readonly number[], keepdim: boolean): { values: number[][]; shape: number[] } {
  const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const outSize = outShape.reduce((p, d) => p * d, 1);
  const values: number[][] = Array.from({ length: outSize }, () => []);
  for (let i = 0; i < x.length; i++) {
    const c = coords(i, shape);
    let o = 0;
    for (let d = 0; d < shape.length; d++) o = o * outShape[d] + (axes.includes(d) ? 0 : c[d]);
    values[o].push(x[i]);
  }
  return { values, shape: keepdim ? outShape : shape.filter((_, i) => !axes.includes(i)) };
}

export const groupFns: Record<'sum' | 'mean' | 'max' | 'min' | 'varUnbiased' | 'varBiased' | 'logsumexp' | 'argmax' | 'argmin', (v: number[]) => number> = {
  sum: (v: number[]) => v.reduce((a, b) => a + b, 0),
  mean: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
  max: (v: number[]) => v.reduce((a, b) => Math.max(a, b)),
  min: (v: number[]) => v.reduce((a, b) => Math.min(a, b)),
  /** Sample variance with Bessel's correction (PyTorch's default). */
  varUnbiased: (v: number[]) => sqDev(v) / (v.length - 1),
  varBiased: (v: number[]) => sqDev(v) / v.length,
  logsumexp: (v: number[]) => {
    const m = groupFns.max(v);
    return m + Math.log(v.reduce((a, b) => a + Math.exp(b - m), 0));
  },
  argmax: (v: number[]) => v.indexOf(groupFns.max(v)),
  argmin: (v: number[]) => v.indexOf(groupFns.min(v)),
};

function sqDev(v: number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return v.reduce((a, b) => a + (b - m) ** 2, 0);
}

/** Reduces `axes` of x (row-major, `shape`) with a group function. */
export function reduceRef(fn: keyof typeof groupFns, x: ArrayLike<number>, shape: Shape, axes: number | readonly number[] | undefined, keepdim = false): RefResult {
  const g = groups(x, shape, refAxes(axes, shape.length), keepdim);
  return { data: Float64Array.from(g.values, groupFns[fn]), shape: g.shape };
}

/** Sum of a long vector in float64 (for the big single-axis cases, no grouping). */
export function rowSums(x: ArrayLike<number>, rows: number, n: number, fn: 'sum' | 'max' | 'min'): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = fn === 'sum' ? 0 : x[r * n];
    for (let k = 0; k < n; k++) {
      const v = x[r * n + k];
      acc = fn === 'sum' ? acc + v : fn === 'max' ? Math.max(acc, v) : Math.min(acc, v);
    }
    out[r] = acc;
  }
  return out;
}
