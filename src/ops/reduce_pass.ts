/**
 * The reduction passes of shaders/reduce.wgsl, below the reduce ops: one pass over
 * [outer, r, inner] (split into chunks when too few invocations would run), runs of adjacent axes,
 * and sumTo(), the gradient reduction the broadcasting ops (binary.ts, matmul.ts) need. The ops
 * with gradients (reduce.ts) build on these; nothing here records on the tape, so binary.ts can
 * use it without importing reduce.ts (whose rules use binary.ts).
 */
import source from '../../shaders/reduce.wgsl';
import { wgslConstants, type Gpu } from '../gpu/index.ts';
import { empty, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { broadcastAxes } from './broadcast.ts';

export const FILE = 'reduce.wgsl';
export const CODES = wgslConstants(FILE, source, 'OP_');
export type ReduceOp = 'sum' | 'max' | 'min' | 'sumsq' | 'lse';
/** Invocations wanted per pass before splitting an axis into chunks stops. */
const TARGET_INVOCATIONS = 4096;
/** Fewest elements per chunk (a chunk pass costs a dispatch and a write per chunk). */
const MIN_CHUNK = 32;
/** Longest chunk: bounds the serial f32 sums (4 interleaved chains of ≤ 256 terms). */
const MAX_CHUNK = 1024;

/** The shape after reducing `axes` (kept as 1 with keepdim, dropped otherwise). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** Chunks of an axis of length r for `outputs` results: one chunk unless too few would run or it is too long. */
export function chunking(outputs: number, r: number): { chunk: number; nchunk: number } {
  const spread = outputs >= TARGET_INVOCATIONS || r <= MIN_CHUNK ? 1 : Math.min(Math.ceil(r / MIN_CHUNK), Math.ceil(TARGET_INVOCATIONS / outputs));
  const want = Math.max(spread, Math.ceil(r / MAX_CHUNK));
  const chunk = Math.max(1, Math.ceil(r / want));
  return { chunk, nchunk: Math.max(1, Math.ceil(r / chunk)) };
}

/** One pass over [outer, r, inner] into [outer, nchunk, inner], then passes over the chunks. */
function pass(gpu: Gpu, op: ReduceOp, x: Tensor, outer: number, r: number, inner: number, scale: number, final: boolean): Tensor {
  // Columns (inner > 1) go four to an invocation, except for lse.
  const wide = inner > 1 && op !== 'lse';
  const lanes = wide ? outer * Math.ceil(inner / 4) : outer * inner;
  const { chunk, nchunk } = chunking(lanes, r);
  const y = empty(gpu, [outer, nchunk, inner], 'f32', op);
  const k = gpu.kernel({ file: FILE, source, entry: wide ? 'reduce_forward_wide' : 'reduce_forward', overrides: { OP: CODES.get(op)! } });
  const last = nchunk === 1 && final;
  if (y.size > 0) k.dispatch({ x: x.buffer, out: y.buffer }, { outer, r, inner, chunk, nchunk, scale: last ? scale : 1 }, k.grid1d(lanes * nchunk));
  if (nchunk === 1) return y;
  // Σv² of the chunks is a plain sum from here on; the other ops combine like themselves.
  const z = pass(gpu, op === 'sumsq' ? 'sum' : op, y, outer, nchunk, inner, scale, final);
  y.dispose();
  return z;
}

/** Runs of adjacent axes, [first, last] each: every run is one pass over [outer, r, inner]. */
export function axisGroups(axes: readonly number[]): [number, number][] {
  const groups: [number, number][] = [];
  for (const a of axes) {
    const g = groups[groups.length - 1];
    if (g && g[1] === a - 1) g[1] = a;
    else groups.push([a, a]);
  }
  return groups;
}

/** [outer, r, inner] of `shape` around the axes first … last. */
export function around(shape: Shape, first: number, last: number): [number, number, number] {
  return [shapeSize(shape.slice(0, first)), shapeSize(shape.slice(first, last + 1)), shapeSize(shape.slice(last + 1))];
}

/** Reduces `axes` of x, returning the keepdim shape; `scale` multiplies a sum (mean). */
export function reduceAxes(op: ReduceOp, x: Tensor, axes: readonly number[], scale: number): Tensor {
  const keep = reducedShape(x.shape, axes, true);
  const groups = axisGroups(axes);
  let cur: Tensor = x;
  let shape = [...x.shape];
  let pop = op;
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const [s, e] = groups[gi];
    const [outer, r, inner] = around(shape, s, e);
    const next = pass(x.gpu, pop, cur, outer, r, inner, scale, gi === 0);
    if (cur !== x) cur.dispose();
    cur = next;
    if (pop === 'sumsq') pop = 'sum';
    shape = shape.map((d, i) => (i >= s && i <= e ? 1 : d));
  }
  if (cur === x) {
    // Nothing to reduce: a copy through an identity pass keeps ownership simple.
    cur = pass(x.gpu, op, x, x.size, 1, 1, scale, true);
  }
  const out = view(cur, keep);
  cur.dispose();
  return out;
}

/**
 * Sums `g` (a gradient at a broadcast shape) down to `shape`; a fresh handle either way. Records
 * nothing: gradients are computed under noGrad.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  const axes = broadcastAxes(shape, g.shape);
  if (axes.length === 0) return view(g, shape);
  const s = reduceAxes('sum', g, axes, 1);
  const r = view(s, shape);
  s.dispose();
  return r;
}
