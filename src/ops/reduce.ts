/**
 * Reductions over any set of axes (shaders/reduce.wgsl): sum, mean, max, min, variance,
 * logsumexp, and argmax/argmin along one axis. Adjacent reduced axes merge into one pass over
 * [outer, r, inner]; separate groups run as successive passes, last group first. A long axis
 * with few outputs is split into chunks reduced by further passes, so that enough
 * invocations run (each invocation reduces one chunk serially: see the shader header). The
 * passes live in reduce_pass.ts.
 */
import source from '../../shaders/reduce.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { noGrad, record } from '../autograd/tape.ts';
import { empty, fmtShape, normAxis, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { div, eq, expand, mul, sub } from './binary.ts';
import { exp } from './unary.ts';
import { around, axisGroups, chunking, CODES, FILE, reducedShape, reduceAxes } from './reduce_pass.ts';
import { checkInputs, elementGrid } from './util.ts';

type Axes = number | readonly number[] | undefined;

/** Sorted, de-duplicated, non-negative axes; undefined means every axis. */
export function normAxes(op: string, axes: Axes, rank: number): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const out = [...new Set(list.map((a) => normAxis(op, a, rank)))].sort((a, b) => a - b);
  if (out.length !== list.length) throw new GpuUsageError(op, `axes: expected distinct axes, got [${list.join(', ')}]`);
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

/** Throws unless every reduced axis has elements (max, min, logsumexp, arg reductions). */
function checkNonEmpty(op: string, x: Tensor, axes: readonly number[]): void {
  if (axes.some((a) => x.shape[a] === 0)) throw new GpuUsageError(op, `axes: expected non-empty axes, got ${fmtShape(x.shape)} over [${axes.join(', ')}]`);
}

/** Σ over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  checkInputs('sum', [x]);
  const ax = normAxes('sum', axes, x.rank);
  const y = finish(reduceAxes('sum', x, ax, 1), x, ax, keepdim);
  // dx = dy broadcast back over the reduced axes
  return record('sum', [x], y, [], (dy) => [broadcastBack(dy, x.shape, ax)]);
}

/** Arithmetic mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: Axes, keepdim = false): Tensor {
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

function extreme(op: 'max' | 'min', x: Tensor, axes: Axes, keepdim: boolean): Tensor {
  checkInputs(op, [x]);
  const ax = normAxes(op, axes, x.rank);
  checkNonEmpty(op, x, ax);
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
export const max = (x: Tensor, axes?: Axes, keepdim = false): Tensor => extreme('max', x, axes, keepdim);
export const min = (x: Tensor, axes?: Axes, keepdim = false): Tensor => extreme('min', x, axes, keepdim);

/**
 * Variance over `axes` (all when omitted): Σ(x − mean)² / (N − 1) when `unbiased` (Bessel's
 * correction, torch.var's default correction=1), / N otherwise (correction=0). Adjacent axes
 * (the usual case) run fused: per-chunk two-pass moments merged with Chan's update, and one
 * backward kernel dx = dy · 2(x − mean)/(N − c). Non-adjacent axes fall back to a composite
 * (mean, subtract, one Σv² pass) with the same rule.
 */
export function variance(x: Tensor, axes?: Axes, keepdim = false, unbiased = true): Tensor {
  const op = 'variance';
  checkInputs(op, [x]);
  const ax = normAxes(op, axes, x.rank);
  const n = ax.reduce((p, a) => p * x.shape[a], 1);
  const denom = n - (unbiased ? 1 : 0);
  if (denom <= 0) throw new GpuUsageError(op, `axes: expected more than ${n - denom} element(s) per reduction${unbiased ? ' (unbiased)' : ''}, got ${fmtShape(x.shape)} over [${ax.join(', ')}]`);
  const groups = axisGroups(ax);
  if (groups.length !== 1) return varianceComposite(x, ax, keepdim, denom);
  const [outer, r, inner] = around(x.shape, groups[0][0], groups[0][1]);
  const params = { outer, r, inner, ...chunking(outer * inner, r), scale: 1 / denom };
  const stats = empty(x.gpu, [outer * params.nchunk * inner, 3], 'f32', 'variance moments');
  const v = empty(x.gpu, reducedShape(x.shape, ax, keepdim), 'f32', op);
  const m = empty(x.gpu, [outer * inner], 'f32', 'variance mean');
  const k = x.gpu.kernel({ file: FILE, source, entry: 'moments_forward' });
  const merge = x.gpu.kernel({ file: FILE, source, entry: 'moments_merge' });
  if (v.size > 0) {
    k.dispatch({ x: x.buffer, out: stats.buffer }, params, k.grid1d(stats.size / 3));
    merge.dispatch({ x: stats.buffer, out: v.buffer, aux: m.buffer }, params, merge.grid1d(v.size));
  }
  stats.dispose();
  // dx = dy · 2(x − mean)/(N − c)
  record(op, [x], v, [x, m], (dy, [xs, ms]) => {
    const dx = empty(dy.gpu, x.shape, 'f32', `d${op}`);
    const b = dy.gpu.kernel({ file: FILE, source, entry: 'moments_backward' });
    if (dx.size > 0) b.dispatch({ x: xs.buffer, dy: dy.buffer, center: ms.buffer, out: dx.buffer }, { ...params, scale: 2 / denom }, elementGrid(b, dx.size));
    return [dx];
  });
  m.dispose();
  return v;
}

/** Variance over non-adjacent axes: mean, subtract, then a fused Σv² reduction. */
function varianceComposite(x: Tensor, ax: readonly number[], keepdim: boolean, denom: number): Tensor {
  const dev = noGrad(() => {
    const m = mean(x, ax, true);
    const d = sub(x, m);
    m.dispose();
    return d;
  });
  const y = finish(reduceAxes('sumsq', dev, ax, 1 / denom), x, ax, keepdim);
  // dx = dy · 2(x − mean)/(N − c)
  record('variance', [x], y, [dev], (dy, [d]) => {
    const dyk = view(dy, reducedShape(x.shape, ax, true));
    const t = mul(d, dyk);
    const g = mul(t, 2 / denom);
    dyk.dispose();
    t.dispose();
    return [g];
  });
  dev.dispose();
  return y;
}

/** log Σ exp over `axes` (all when omitted), max-shifted so that it never overflows. */
export function logsumexp(x: Tensor, axes?: Axes, keepdim = false): Tensor {
  const op = 'logsumexp';
  checkInputs(op, [x]);
  const ax = normAxes(op, axes, x.rank);
  checkNonEmpty(op, x, ax);
  const y = finish(reduceAxes('lse', x, ax, 1), x, ax, keepdim);
  // dx = dy · exp(x − y), the softmax over the reduced axes
  return record(op, [x], y, [x, y], (dy, [xs, ys]) => {
    const keep = reducedShape(x.shape, ax, true);
    const yk = view(ys, keep);
    const dyk = view(dy, keep);
    const d = sub(xs, yk);
    const p = exp(d);
    const g = mul(p, dyk);
    for (const t of [yk, dyk, d, p]) t.dispose();
    return [g];
  });
}

function argReduce(op: 'argmax' | 'argmin', x: Tensor, axis: number | undefined, keepdim: boolean): Tensor {
  checkInputs(op, [x]);
  const a = axis === undefined ? undefined : normAxis(op, axis, x.rank);
  const ax = a === undefined ? normAxes(op, undefined, x.rank) : [a];
  if (x.size === 0 || ax.some((d) => x.shape[d] === 0)) throw new GpuUsageError(op, `input: expected a non-empty reduction, got ${fmtShape(x.shape)} over [${ax.join(', ')}]`);
  const outer = a === undefined ? 1 : shapeSize(x.shape.slice(0, a));
  const r = a === undefined ? x.size : x.shape[a];
  const inner = a === undefined ? 1 : shapeSize(x.shape.slice(a + 1));
  const { chunk, nchunk } = chunking(outer * inner, r);
  const overrides = { OP: CODES.get(op.slice(3))! };
  const params = { outer, r, inner, chunk, nchunk, scale: 1 };
  let idx = empty(x.gpu, [outer * nchunk * inner], 'i32', op);
  const k = x.gpu.kernel({ file: FILE, source, entry: 'argreduce_forward', overrides });
  k.dispatch({ x: x.buffer, idx: idx.buffer }, params, k.grid1d(idx.size));
  if (nchunk > 1) {
    const part = idx;
    idx = empty(x.gpu, [outer * inner], 'i32', op);
    const m = x.gpu.kernel({ file: FILE, source, entry: 'argreduce_merge', overrides });
    m.dispatch({ x: x.buffer, part: part.buffer, idx: idx.buffer }, params, m.grid1d(idx.size));
    part.dispose();
  }
  const out = view(idx, reducedShape(x.shape, ax, keepdim));
  idx.dispose();
  // Indices have no gradient.
  return record(op, [x], out, [], null);
}

/**
 * Index of the maximum along `axis` as an i32 tensor (over the flattened tensor when omitted,
 * like torch.argmax); the first index on ties. Not differentiable.
 */
export const argmax = (x: Tensor, axis?: number, keepdim = false): Tensor => argReduce('argmax', x, axis, keepdim);
/** Index of the minimum along `axis` (see argmax). */
export const argmin = (x: Tensor, axis?: number, keepdim = false): Tensor => argReduce('argmin', x, axis, keepdim);
