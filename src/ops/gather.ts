/**
 * Indexing ops (shaders/gather.wgsl): gather and indexSelect (torch.gather / index_select),
 * and scatterAdd (torch.scatter_add), whose kernels also give the other two their gradients.
 *
 * Scatter-add is deterministic: no atomics; every output element adds its sources in
 * ascending entry order, so Node and browsers, and every run, give the same bits. Short
 * fibers (≤ scatterTuning.scanMax entries along the axis) scan: O(out × fiber). Longer ones
 * sort (target, source) keys with a bitonic sort and sum runs: O(L log² L + out × log L) for
 * L = the entry count rounded up to a power of two. Both paths add in the same order.
 *
 * Out-of-range indices (negative or ≥ the axis size) cannot be checked on the host without a
 * sync: gather and indexSelect read 0 there, scatterAdd skips those entries, and no gradient
 * flows through them.
 */
import source from '../../shaders/gather.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { contiguousStrides, empty, fmtShape, normAxis, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { collapse, MAX_RANK } from './broadcast.ts';
import { pad } from './shape.ts';
import { checkInputs, elementGrid } from './util.ts';

const FILE = 'gather.wgsl';

/** Fibers up to this length take the scan kernel; longer ones the sort (a tuning knob). */
export const scatterTuning = { scanMax: 32 };

const pack = (v: readonly number[]): number[] => [...v, ...new Array(MAX_RANK - v.length).fill(0)];

function checkIndex(op: string, index: Tensor, x: Tensor): void {
  checkInputs(op, [index], null);
  if (index.gpu !== x.gpu) throw new GpuUsageError(op, 'index: expected a tensor on the same GPU as x, got one from another device');
  if (index.dtype === 'f32') throw new GpuUsageError(op, `index dtype: expected i32 or u32, got f32 ${fmtShape(index.shape)}`);
}

/** The index shape collapsed with x's strides (axis zeroed: the index supplies it). */
function gatherParams(op: string, ishape: Shape, axis: number, xStrides: readonly number[]) {
  const c = collapse(op, ishape, [xStrides.map((s, d) => (d === axis ? 0 : s))]);
  const one = c.shape.length === 0;
  return { rank: one ? 1 : c.shape.length, shape: pack(one ? [1] : c.shape), sx: pack(one ? [0] : c.strides[0]) };
}

/** Gathers along `axis`: out[c] = x[c with c_axis ← index[c]], out shaped like index. */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const op = 'gather';
  checkInputs(op, [x], null);
  checkIndex(op, index, x);
  if (x.rank === 0) throw new GpuUsageError(op, 'x: expected a tensor of rank ≥ 1, got a scalar');
  const a = normAxis(op, axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => i !== a && d > x.shape[i])) {
    throw new GpuUsageError(op, `index shape: expected rank ${x.rank} and sizes ≤ ${fmtShape(x.shape)} off axis ${a}, got ${fmtShape(index.shape)}`);
  }
  const y = empty(x.gpu, index.shape, x.dtype, op);
  if (y.size > 0) {
    const k = x.gpu.kernel({ file: FILE, source, entry: 'gather_forward' });
    const p = gatherParams(op, index.shape, a, x.strides);
    k.dispatch({ x: x.buffer, index: index.buffer, out: y.buffer }, { n: y.size, axis_stride: x.strides[a], axis_size: x.shape[a], ...p }, elementGrid(k, y.size));
  }
  // dx = scatter-add of dy into zeros at the gathered positions
  return record(op, [x], y, [index], (dy, [idx]) => [scatterInto(op, null, x.shape, a, idx, dy)]);
}

/** Selects slices along `axis` by a 1-D index: out.shape[axis] = index.length. */
export function indexSelect(x: Tensor, axis: number, index: Tensor): Tensor {
  const op = 'indexSelect';
  checkInputs(op, [x], null);
  checkIndex(op, index, x);
  if (x.rank === 0) throw new GpuUsageError(op, 'x: expected a tensor of rank ≥ 1, got a scalar');
  const a = normAxis(op, axis, x.rank);
  if (index.rank !== 1) throw new GpuUsageError(op, `index shape: expected a 1-D index, got ${fmtShape(index.shape)}`);
  const m = index.size;
  const outer = shapeSize(x.shape.slice(0, a));
  const inner = shapeSize(x.shape.slice(a + 1));
  const y = empty(x.gpu, x.shape.map((d, i) => (i === a ? m : d)), x.dtype, op);
  if (y.size > 0) {
    const k = x.gpu.kernel({ file: FILE, source, entry: 'index_select_forward' });
    k.dispatch({ x: x.buffer, index: index.buffer, out: y.buffer }, { n: y.size, m, size: x.shape[a], inner }, elementGrid(k, y.size));
  }
  // dx[o, p, i] = Σ over j with index[j] = p of dy[o, j, i]
  return record(op, [x], y, [index], (dy, [idx]) => [selectBackward(x.shape, a, idx, dy, outer, inner)]);
}

/** x with src added at the index positions along `axis` (duplicates accumulate). */
export function scatterAdd(x: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const op = 'scatterAdd';
  checkInputs(op, [x, src]);
  checkIndex(op, index, x);
  if (x.rank === 0) throw new GpuUsageError(op, 'x: expected a tensor of rank ≥ 1, got a scalar');
  const a = normAxis(op, axis, x.rank);
  if (index.rank !== x.rank || index.shape.some((d, i) => (i !== a && d > x.shape[i]))) {
    throw new GpuUsageError(op, `index shape: expected rank ${x.rank} and sizes ≤ ${fmtShape(x.shape)} off axis ${a}, got ${fmtShape(index.shape)}`);
  }
  if (src.rank !== x.rank || index.shape.some((d, i) => d > src.shape[i])) {
    throw new GpuUsageError(op, `src shape: expected rank ${x.rank} and sizes ≥ index ${fmtShape(index.shape)}, got ${fmtShape(src.shape)}`);
  }
  const y = scatterInto(op, x, x.shape, a, index, src);
  return record(op, [x, src], y, [index], (dy, [idx], needs) => {
    // dx = dy; dsrc = gather(dy, axis, index) in the index-shaped corner, 0 elsewhere
    const dx = needs[0] ? view(dy, x.shape) : null;
    if (!needs[1]) return [dx, null];
    const g = gather(dy, a, idx);
    if (idx.shape.every((d, i) => d === src.shape[i])) return [dx, g];
    const dsrc = pad(g, src.shape.map((d, i) => [0, d - idx.shape[i]] as [number, number]));
    g.dispose();
    return [dx, dsrc];
  });
}

/** One output axis of a scatter: its size, the index extent, index and src strides. */
interface Dim { shape: number; lim: number; si: number; ss: number; axis: boolean }

/**
 * out = (base or 0) + scatter of src along `axis` by index; index and src share the index's
 * coordinates (src may be larger), out has `shape`.
 */
function scatterInto(op: string, base: Tensor | null, shape: Shape, axis: number, index: Tensor, src: Tensor): Tensor {
  // Merge axes (never the scattered one) where index, src and out agree, so each element
  // decomposes as few coordinates as possible.
  const dims: Dim[] = [];
  shape.forEach((n, d) => {
    const e = { shape: n, lim: index.shape[d], si: index.strides[d], ss: src.strides[d], axis: d === axis };
    const last = dims[dims.length - 1];
    if (!e.axis && n === 1) return;
    if (!e.axis && last && !last.axis && e.lim === n && last.si === e.si * n && last.ss === e.ss * n) {
      Object.assign(last, { shape: last.shape * n, lim: last.lim * n, si: e.si, ss: e.ss });
    } else {
      dims.push(e);
    }
  });
  return scatter(op, base, shape, index, src, dims);
}

/** indexSelect's backward: dy [outer, m, inner] scattered into zeros [outer, size, inner]. */
function selectBackward(shape: Shape, axis: number, index: Tensor, dy: Tensor, outer: number, inner: number): Tensor {
  const m = index.size;
  // The 1-D index seen as [outer, m, inner] with strides [0, 1, 0] (a broadcast, not a copy).
  const dims = [
    { shape: outer, lim: outer, si: 0, ss: m * inner, axis: false },
    { shape: shape[axis], lim: m, si: 1, ss: inner, axis: true },
    { shape: inner, lim: inner, si: 0, ss: 1, axis: false },
  ];
  return scatter('indexSelect', null, shape, index, dy, dims.filter((d) => d.axis || d.shape !== 1));
}

/**
 * Scatter over merged dims: scan short fibers, sort long ones. Fibers are numbered over the
 * non-axis dims where the index varies; dims where it is broadcast (si = 0) share one
 * fiber's sorted keys instead of sorting the same entries again.
 */
function scatter(op: string, base: Tensor | null, shape: Shape, index: Tensor, src: Tensor, dims: Dim[]): Tensor {
  if (dims.length > MAX_RANK) throw new GpuUsageError(op, `rank: expected at most ${MAX_RANK} dimensions after merging, got ${fmtShape(shape)}`);
  const gpu = src.gpu;
  const out = empty(gpu, shape, 'f32', op);
  if (out.size === 0) return out;
  const ax = dims.findIndex((d) => d.axis);
  const fiber = index.size === 0 ? 0 : dims[ax].lim;
  const fd = dims.filter((d) => !d.axis && d.si !== 0);
  const fstrides = contiguousStrides(fd.map((d) => d.lim));
  const fibers = shapeSize(fd.map((d) => d.lim));
  const sorted = fiber > scatterTuning.scanMax && fibers > 0;
  const seg = sorted ? 2 ** Math.ceil(Math.log2(fiber)) : 1;
  const params = {
    n: out.size, rank: dims.length, axis: ax, fiber, seg, size: dims[ax].shape,
    shape: pack(dims.map((d) => d.shape)), lim: pack(dims.map((d) => d.lim)), si: pack(dims.map((d) => d.si)),
    ss: pack(dims.map((d) => d.ss)), sf: pack(dims.map((d) => (fd.includes(d) ? fstrides[fd.indexOf(d)] : 0))),
  };
  const buffers = { base: (base ?? src).buffer, src: src.buffer, sum: out.buffer };
  const overrides = { BASE: base ? 1 : 0 };
  if (!sorted) {
    const k = gpu.kernel({ file: FILE, source, entry: 'scatter_scan', overrides });
    k.dispatch({ ...buffers, index: index.buffer }, params, elementGrid(k, out.size));
    return out;
  }
  const keys = sortedKeys(index, fibers * seg, {
    seg, fiber, size: dims[ax].shape, di: dims[ax].si, rank: fd.length, shape: pack(fd.map((d) => d.lim)), si: pack(fd.map((d) => d.si)),
  });
  const bounds = empty(gpu, [fibers * (dims[ax].shape + 1)], 'u32', 'scatter bounds');
  const kb = gpu.kernel({ file: FILE, source, entry: 'scatter_bounds' });
  kb.dispatch({ sorted: keys.buffer, bound: bounds.buffer }, { n: bounds.size, seg, size: dims[ax].shape }, kb.grid1d(bounds.size));
  const k = gpu.kernel({ file: FILE, source, entry: 'scatter_sorted', overrides });
  k.dispatch({ ...buffers, sorted: keys.buffer, bounds: bounds.buffer }, params, elementGrid(k, out.size));
  keys.dispose();
  bounds.dispose();
  return out;
}

/** (index value, position) keys of every fiber's entries, bitonic-sorted per segment of `seg`. */
function sortedKeys(index: Tensor, slots: number, params: Record<string, number | number[]>): Tensor {
  const gpu = index.gpu;
  const seg = params.seg as number;
  const keys = empty(gpu, [slots, 2], 'u32', 'scatter keys');
  const kk = gpu.kernel({ file: FILE, source, entry: 'scatter_keys' });
  kk.dispatch({ index: index.buffer, keys: keys.buffer }, { slots, ...params }, kk.grid1d(slots));
  const ks = gpu.kernel({ file: FILE, source, entry: 'sort_step' });
  const grid = elementGrid(ks, slots / 2);
  for (let k = 2; k <= seg; k *= 2) {
    for (let j = k / 2; j >= 1; j /= 2) ks.dispatch({ keys: keys.buffer }, { half: slots / 2, k, j, jlog: Math.log2(j), mask: seg - 1 }, grid);
  }
  return keys;
}
