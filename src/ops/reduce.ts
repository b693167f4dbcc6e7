/**
 * Reductions over any set of axes (shaders/reduce.wgsl): sum, mean, max, min. Adjacent
 * reduced axes merge into one pass over [outer, r, inner]; separate groups run as successive
 * passes, last group first. A long axis with few outputs is split into chunks reduced by a
 * second pass, so the work spreads over many workgroups.
 */
import source from '../../shaders/reduce.wgsl';
import { GpuUsageError, wgslConstants, type Gpu } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, normAxis, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { div, eq, expand, mul } from './binary.ts';
import { checkInputs } from './util.ts';

const FILE = 'reduce.wgsl';
const CODES = wgslConstants(FILE, source, 'OP_');
type ReduceOp = 'sum' | 'max' | 'min';
/** Outputs × chunks wanted per pass before splitting stops (enough workgroups to fill a GPU). */
const ROW_TARGET = 64;
const COLUMN_TARGET = 4096;

/** Sorted, de-duplicated, non-negative axes; undefined means every axis. */
export function normAxes(op: string, axes: number | readonly number[] | undefined, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new GpuUsageError(op, `axes: expected distinct axes, got [${list.join(', ')}]`);
  return out;
}

/** The shape after reducing `axes` (kept as 1 with keepdim, dropped otherwise). */
export function reducedShape(shape: Shape, axes: readonly number[], keepdim: boolean): number[] {
  return keepdim ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** One pass: reduce the middle axis of [outer, r, inner] into [outer, nchunk, inner]. */
function pass(gpu: Gpu, op: ReduceOp, x: Tensor, outer: number, r: number, inner: number, scale: number, final: boolean): Tensor {
  const rows = inner === 1;
  const outputs = outer * inner;
  const target = rows ? ROW_TARGET : COLUMN_TARGET;
  const minChunk = rows ? 256 : 16;
  let nchunk = outputs >= target || r <= minChunk ? 1 : Math.min(Math.ceil(r / minChunk), Math.ceil(target / outputs));
  const chunk = Math.max(1, Math.ceil(r / nchunk));
  nchunk = Math.max(1, Math.ceil(r / chunk));
  const y = empty(gpu, [outer, nchunk, inner], 'f32', op);
  const k = gpu.kernel({ file: FILE, source, entry: rows ? 'reduce_rows' : 'reduce_columns', overrides: { OP: CODES.get(op)! } });
  const last = nchunk === 1 && final;
  const params = { outer, r, inner, chunk, nchunk, scale: last ? scale : 1 };
  if (y.size > 0) k.dispatch({ x: x.buffer, out: y.buffer }, params, rows ? k.grid1d(outer * nchunk * k.workgroupSize[0]) : k.grid1d(y.size));
  if (nchunk === 1) return y;
  const z = pass(gpu, op, y, outer, nchunk, inner, scale, final);
  y.dispose();
  return z;
}

/** Reduces `axes` of x, returning the keepdim shape; `scale` multiplies a sum (mean). */
function reduceAxes(op: ReduceOp, x: Tensor, axes: readonly number[], scale: number): Tensor {
  const keep = reducedShape(x.shape, axes, true);
  const groups: [number, number][] = [];
  for (const a of axes) {
    const g = groups[groups.length - 1];
    if (g && g[1] === a - 1) g[1] = a;
    else groups.push([a, a]);
  }
  let cur: Tensor = x;
  let shape = [...x.shape];
  for (let gi = groups.length - 1; gi >= 0; gi--) {
    const [s, e] = groups[gi];
    const outer = shapeSize(shape.slice(0, s));
    const r = shapeSize(shape.slice(s, e + 1));
    const inner = shapeSize(shape.slice(e + 1));
    const next = pass(x.gpu, op, cur, outer, r, inner, scale, gi === 0);
    if (cur !== x) cur.dispose();
    cur = next;
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

function finish(t: Tensor, x: Tensor, axes: readonly number[], keepdim: boolean): Tensor {
  if (keepdim) return t;
  const v = view(t, reducedShape(x.shape, axes, false));
  t.dispose();
  return v;
}

/** dy (at the reduced shape, with or without kept axes) broadcast to `shape`. */
function broadcastBack(dy: Tensor, shape: Shape, axes: readonly number[]): Tensor {
  const dyk = view(dy, reducedShape(shape, axes, true));
  const e = expand(dyk, shape);
  dyk.dispose();
  return e;
}

/** Σ over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  checkInputs('sum', [x]);
  const ax = normAxes('sum', axes, x.rank);
  const y = finish(reduceAxes('sum', x, ax, 1), x, ax, keepdim);
  // dx = dy broadcast back over the reduced axes
  return record('sum', [x], y, [], (dy) => [broadcastBack(dy, x.shape, ax)]);
}

/** Arithmetic mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor {
  checkInputs('mean', [x]);
  const ax = normAxes('mean', axes, x.rank);
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  if (n === 0) throw new GpuUsageError('mean', `axes: expected a non-empty reduction, got ${fmtShape(x.shape)} over [${ax.join(', ')}]`);
  const y = finish(reduceAxes('sum', x, ax, 1 / n), x, ax, keepdim);
  // dx = dy / N broadcast back
  return record('mean', [x], y, [], (dy) => {
    const e = broadcastBack(dy, x.shape, ax);
    const g = mul(e, 1 / n);
    e.dispose();
    return [g];
  });
}

function extreme(op: 'max' | 'min', x: Tensor, axes: number | readonly number[] | undefined, keepdim: boolean): Tensor {
  checkInputs(op, [x]);
  const ax = normAxes(op, axes, x.rank);
  if (ax.some((a) => x.shape[a] === 0)) throw new GpuUsageError(op, `axes: expected non-empty axes, got ${fmtShape(x.shape)} over [${ax.join(', ')}]`);
  const y = finish(reduceAxes(op, x, ax, 1), x, ax, keepdim);
  // dx = dy · [x = y] / (number of ties): ties share the gradient evenly (torch.amax)
  return record(op, [x], y, [x, y], (dy, [xs, ys]) => {
    const keep = reducedShape(x.shape, ax, true);
    const yk = view(ys, keep);
    const dyk = view(dy, keep);
    const mask = eq(xs, yk);
    const count = sum(mask, ax, true);
    const share = div(dyk, count);
    const g = mul(mask, share);
    for (const t of [yk, dyk, mask, count, share]) t.dispose();
    return [g];
  });
}

/** Maximum over `axes` (all when omitted); tied maxima share the gradient. */
export const max = (x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor => extreme('max', x, axes, keepdim);
export const min = (x: Tensor, axes?: number | readonly number[], keepdim = false): Tensor => extreme('min', x, axes, keepdim);
