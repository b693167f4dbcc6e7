/**
 * Shape ops (shaders/shape.wgsl). Reshape and its relatives are zero-copy views that still
 * record a tape node; permute, slice, pad and concat copy 32-bit words, so they work on every
 * dtype (gradients flow through f32 tensors). Each copy collapses the dimensions it can merge
 * first, so a kernel indexes as few axes as possible.
 */
import source from '../../shaders/shape.wgsl';
import { GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, normAxis, shapeSize, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { collapse, MAX_RANK } from './broadcast.ts';
import { checkInputs, elementGrid } from './util.ts';

const FILE = 'shape.wgsl';
const MODES = wgslConstants(FILE, source, 'MODE_');

/** Strided copies: 16 elements per invocation amortise the index decomposition (measured 2–3× faster than 4). */
const COPY = { E: 16, WG: 32 };

const pack = (v: readonly number[]): number[] => [...v, ...new Array(MAX_RANK - v.length).fill(0)];

/**
 * A strided copy over the logical `shape`: 'strided_forward' reads src at base + Σ c·strides
 * into dst contiguously; 'place_forward' writes contiguous src into dst's window.
 */
function copyWindow(op: string, entry: 'strided_forward' | 'place_forward', src: Tensor, dst: Tensor, shape: Shape, strides: readonly number[], base: number): void {
  const n = shapeSize(shape);
  if (n === 0) return;
  const c = collapse(op, shape, [[...strides]]);
  const dims = c.shape.length > 0 ? c.shape : [1];
  const st = c.shape.length > 0 ? c.strides[0] : [0];
  const k = src.gpu.kernel({ file: FILE, source, entry, overrides: COPY });
  k.dispatch({ x: src.buffer, out: dst.buffer }, { n, rank: dims.length, base, shape: pack(dims), stride: pack(st) }, elementGrid(k, n));
}

/** A fresh tensor of `shape` read from `src` at base + Σ c·strides. */
function gatherWindow(op: string, src: Tensor, shape: Shape, strides: readonly number[], base: number): Tensor {
  const y = empty(src.gpu, shape, src.dtype, op);
  copyWindow(op, 'strided_forward', src, y, shape, strides, base);
  return y;
}

/**
 * Gather through a per-axis window: output axis d of size shape[d] reads source coordinate
 * (c − lo[d]) / step[d] of a source of size src[d] (constant mode, `bits` outside), or the
 * reflection of c − lo[d] (reflect mode). Runs of untouched axes merge into one.
 */
function padGather(op: string, x: Tensor, shape: Shape, lo: readonly number[], step: readonly number[], mode: 'constant' | 'reflect', bits: number): Tensor {
  const y = empty(x.gpu, shape, x.dtype, op);
  if (y.size === 0) return y;
  const d: { shape: number; lo: number; step: number; src: number; plain: boolean }[] = [];
  shape.forEach((n, a) => {
    const plain = lo[a] === 0 && step[a] === 1 && x.shape[a] === n;
    if (plain && n === 1) return;
    const last = d[d.length - 1];
    if (plain && last?.plain) {
      last.shape *= n;
      last.src *= n;
    } else {
      d.push({ shape: n, lo: lo[a], step: step[a], src: x.shape[a], plain });
    }
  });
  if (d.length === 0) d.push({ shape: 1, lo: 0, step: 1, src: 1, plain: true });
  if (d.length > MAX_RANK) throw new GpuUsageError(op, `rank: expected at most ${MAX_RANK} dimensions after merging, got ${fmtShape(shape)}`);
  const k = x.gpu.kernel({ file: FILE, source, entry: 'pad_forward', overrides: { ...COPY, MODE: MODES.get(mode)! } });
  const params = {
    n: y.size, rank: d.length, value: bits,
    shape: pack(d.map((e) => e.shape)), lo: pack(d.map((e) => e.lo)), step: pack(d.map((e) => e.step)), src: pack(d.map((e) => e.src)),
  };
  k.dispatch({ x: x.buffer, out: y.buffer }, params, elementGrid(k, y.size));
  return y;
}

// ---------------------------------------------------------------- views

function asView(op: string, x: Tensor, shape: Shape): Tensor {
  const y = view(x, shape);
  // dx = dy viewed back as x's shape
  return record(op, [x], y, [], (dy) => [view(dy, x.shape)]);
}

/** The same data seen as `shape` (no copy); one entry may be −1 and is inferred. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const op = 'reshape';
  checkInputs(op, [x], null);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new GpuUsageError(op, `shape: expected integers ≥ −1, got ${fmtShape(shape ?? [])}`);
  }
  const free = shape.filter((d) => d === -1).length;
  if (free > 1) throw new GpuUsageError(op, `shape: expected at most one −1, got ${fmtShape(shape)}`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  let out = [...shape];
  if (free === 1) {
    if (known === 0 || x.size % known !== 0) throw new GpuUsageError(op, `shape: expected a shape whose −1 can hold ${fmtShape(x.shape)} (${x.size} elements), got ${fmtShape(shape)}`);
    out = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  if (shapeSize(out) !== x.size) throw new GpuUsageError(op, `shape: expected ${x.size} elements like ${fmtShape(x.shape)}, got ${fmtShape(shape)}`);
  return asView(op, x, out);
}

/** Merges axes startAxis … endAxis (inclusive, negative from the end) into one; a scalar becomes [1]. */
export function flatten(x: Tensor, startAxis = 0, endAxis = -1): Tensor {
  const op = 'flatten';
  checkInputs(op, [x], null);
  if (x.rank === 0) return asView(op, x, [1]);
  const s = normAxis(op, startAxis, x.rank);
  const e = normAxis(op, endAxis, x.rank);
  if (s > e) throw new GpuUsageError(op, `axes: expected startAxis ≤ endAxis, got ${startAxis} > ${endAxis} for ${fmtShape(x.shape)}`);
  return asView(op, x, [...x.shape.slice(0, s), shapeSize(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
}

/** Drops size-1 axes: all of them, or the given ones (which must have size 1, as NumPy). */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  const op = 'squeeze';
  checkInputs(op, [x], null);
  const list = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : (typeof axis === 'number' ? [axis] : axis).map((a) => normAxis(op, a, x.rank));
  for (const a of list) {
    if (x.shape[a] !== 1) throw new GpuUsageError(op, `axis ${a}: expected a dimension of size 1, got ${x.shape[a]} in ${fmtShape(x.shape)}`);
  }
  return asView(op, x, x.shape.filter((_, i) => !list.includes(i)));
}

/** Inserts a size-1 axis at `axis` ∈ [−(rank+1), rank]. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const op = 'unsqueeze';
  checkInputs(op, [x], null);
  const a = normAxis(op, axis, x.rank + 1);
  return asView(op, x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

// ---------------------------------------------------------------- permute

/** Copies x into the axis order `perm`; a view when the layout does not change. */
function permuteCopy(x: Tensor, perm: readonly number[]): Tensor {
  const op = 'permute';
  const shape = perm.map((a) => x.shape[a]);
  const c = collapse(op, shape, [perm.map((a) => x.strides[a])]);
  if (c.shape.length <= 1) return view(x, shape);
  const [o, s] = [c.shape, c.strides[0]];
  // [rows, cols] → [cols, rows] and [batch, rows, cols] → [batch, cols, rows] take the tiled kernel.
  const batched = o.length === 3 && s[0] === o[1] * o[2] && s[1] === 1 && s[2] === o[1];
  const plain = o.length === 2 && s[0] === 1 && s[1] === o[0];
  if (!batched && !plain) return gatherWindow(op, x, shape, perm.map((a) => x.strides[a]), 0);
  const [rows, cols] = batched ? [o[2], o[1]] : [o[1], o[0]];
  const y = empty(x.gpu, shape, x.dtype, op);
  // Rows and columns in multiples of 4 move 4×4 tiles as vec4 words (~1.4× faster on lavapipe).
  const vec4 = rows % 4 === 0 && cols % 4 === 0;
  const k = x.gpu.kernel({ file: FILE, source, entry: vec4 ? 'transpose4_forward' : 'transpose_forward' });
  const t = vec4 ? 4 : k.constant('T');
  const tiles = (batched ? o[0] : 1) * Math.ceil(rows / t) * Math.ceil(cols / t);
  k.dispatch(vec4 ? { x4: x.buffer, out4: y.buffer } : { x: x.buffer, out: y.buffer }, { tiles, rows, cols }, k.grid1d(tiles));
  return y;
}

/** Reorders axes: output axis i is input axis axes[i] (a copy). */
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const op = 'permute';
  checkInputs(op, [x], null);
  if (!Array.isArray(axes) || axes.length !== x.rank) throw new GpuUsageError(op, `axes: expected ${x.rank} axes for ${fmtShape(x.shape)}, got [${axes ?? ''}]`);
  const perm = axes.map((a) => normAxis(op, a, x.rank));
  if (new Set(perm).size !== perm.length) throw new GpuUsageError(op, `axes: expected a permutation of 0 … ${x.rank - 1}, got [${axes.join(', ')}]`);
  const inv = new Array<number>(perm.length);
  perm.forEach((a, i) => (inv[a] = i));
  const y = permuteCopy(x, perm);
  // dx = permute(dy, inverse permutation)
  return record(op, [x], y, [], (dy) => [permuteCopy(dy, inv)]);
}

/** Swaps two axes (default: the last two). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  checkInputs('transpose', [x], null);
  const a = normAxis('transpose', axis0, x.rank);
  const b = normAxis('transpose', axis1, x.rank);
  const perm = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return permute(x, perm);
}

// ---------------------------------------------------------------- slice

/** One axis of a slice: [start, end, step] as Python (null/undefined = default); null = whole axis. */
export type SliceRange = null | readonly [start?: number | null, end?: number | null, step?: number | null];

/** Python's slice.indices: clamped start, length and step for an axis of size n. */
function sliceAxis(op: string, axis: number, r: SliceRange, n: number): [start: number, len: number, step: number] {
  if (r !== null && r !== undefined && !Array.isArray(r)) throw new GpuUsageError(op, `axis ${axis} range: expected [start, end, step?] or null, got ${String(r)}`);
  const [s0, e0, st0] = r ?? [];
  const step = st0 ?? 1;
  for (const [name, v] of [['start', s0], ['end', e0], ['step', st0]] as const) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) throw new GpuUsageError(op, `axis ${axis} ${name}: expected an integer or null, got ${v}`);
  }
  if (step === 0) throw new GpuUsageError(op, `axis ${axis} step: expected a non-zero integer, got 0`);
  const lo = step > 0 ? 0 : -1;
  const hi = step > 0 ? n : n - 1;
  const norm = (v: number | null | undefined, dflt: number): number => (v === null || v === undefined ? dflt : Math.min(Math.max(v < 0 ? v + n : v, lo), hi));
  const start = norm(s0, step > 0 ? 0 : n - 1);
  const end = norm(e0, step > 0 ? n : -1);
  const len = step > 0 ? Math.max(0, Math.ceil((end - start) / step)) : Math.max(0, Math.ceil((start - end) / -step));
  return [start, len, step];
}

/**
 * x[r0, r1, …] with Python slice semantics per axis: negative indices count from the end,
 * out-of-range bounds clamp, negative steps walk backwards; axes beyond `ranges` are whole.
 * The rank never changes (an empty range gives a size-0 axis). A copy.
 */
export function slice(x: Tensor, ranges: readonly SliceRange[]): Tensor {
  const op = 'slice';
  checkInputs(op, [x], null);
  if (!Array.isArray(ranges) || ranges.length > x.rank) throw new GpuUsageError(op, `ranges: expected at most ${x.rank} ranges for ${fmtShape(x.shape)}, got ${Array.isArray(ranges) ? ranges.length : ranges}`);
  const axes = x.shape.map((n, a) => sliceAxis(op, a, ranges[a] ?? null, n));
  const shape = axes.map(([, len]) => len);
  const base = axes.reduce((p, [start, len], a) => p + (len > 0 ? start * x.strides[a] : 0), 0);
  const y = gatherWindow(op, x, shape, axes.map(([, , step], a) => step * x.strides[a]), base);
  // dx = dy scattered into zeros at the sliced positions
  return record(op, [x], y, [], (dy) => [padGather(op, dy, x.shape, axes.map(([s]) => s), axes.map(([, , st]) => st), 'constant', 0)]);
}

// ---------------------------------------------------------------- pad

export type PadMode = 'constant' | 'reflect';

/** Bit pattern of `value` in `dtype` (pad_forward writes words). */
function valueBits(op: string, value: number, dtype: Tensor['dtype']): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new GpuUsageError(op, `value: expected a finite number, got ${value}`);
  if (dtype !== 'f32' && !Number.isInteger(value)) throw new GpuUsageError(op, `value: expected an integer for ${dtype}, got ${value}`);
  const words = dtype === 'f32' ? new Float32Array([value]) : dtype === 'i32' ? new Int32Array([value]) : new Uint32Array([value]);
  return new Uint32Array(words.buffer)[0];
}

/** Reflect backward, one padded axis at a time (the padding is separable). */
function reflectBackward(dy: Tensor, xShape: Shape, before: readonly number[], after: readonly number[]): Tensor {
  let g = view(dy, dy.shape);
  for (let a = xShape.length - 1; a >= 0; a--) {
    if (before[a] === 0 && after[a] === 0) continue;
    const shape = g.shape.map((d, i) => (i === a ? xShape[a] : d));
    const dx = empty(g.gpu, shape, 'f32', 'dpad');
    const inner = shapeSize(shape.slice(a + 1));
    const k = g.gpu.kernel({ file: FILE, source, entry: 'pad_backward' });
    const params = { n: dx.size, m: g.shape[a], s: xShape[a], inner: Math.max(inner, 1), lo: before[a], hi: after[a] };
    if (dx.size > 0) k.dispatch({ dy: g.buffer, dx: dx.buffer }, params, elementGrid(k, dx.size));
    g.dispose();
    g = dx;
  }
  return g;
}

/**
 * Pads the trailing axes: pads[i] = [before, after] applies to axis rank − pads.length + i, so
 * the list reads in axis order (pad(x, [[1, 1], [2, 2]]) pads H by 1 and W by 2 of [B, C, H, W]);
 * this is NOT F.pad's reversed flat list. 'constant' fills with `value`; 'reflect' mirrors
 * without repeating the edge (PyTorch), which needs before and after < the axis size.
 */
export function pad(x: Tensor, pads: readonly (readonly [number, number])[], mode: PadMode = 'constant', value = 0): Tensor {
  const op = 'pad';
  checkInputs(op, [x], null);
  if (mode !== 'constant' && mode !== 'reflect') throw new GpuUsageError(op, `mode: expected 'constant' or 'reflect', got ${String(mode)}`);
  if (!Array.isArray(pads) || pads.length > x.rank) throw new GpuUsageError(op, `pads: expected at most ${x.rank} [before, after] pairs for ${fmtShape(x.shape)}, got ${Array.isArray(pads) ? pads.length : pads}`);
  const bits = valueBits(op, value, x.dtype);
  const lead = x.rank - pads.length;
  const before = x.shape.map((_, a) => (a < lead ? 0 : pads[a - lead]?.[0]));
  const after = x.shape.map((_, a) => (a < lead ? 0 : pads[a - lead]?.[1]));
  x.shape.forEach((n, a) => {
    const p = [before[a], after[a]];
    if (!p.every((v) => Number.isInteger(v) && v >= 0)) throw new GpuUsageError(op, `pads for axis ${a}: expected [before, after] non-negative integers, got [${pads[a - lead]}]`);
    if (mode === 'reflect' && p.some((v) => v > 0 && v >= n)) {
      throw new GpuUsageError(op, `reflect pads for axis ${a}: expected each < the axis size ${n}, got [${p.join(', ')}]`);
    }
  });
  const shape = x.shape.map((n, a) => n + before[a] + after[a]);
  const y = padGather(op, x, shape, before, x.shape.map(() => 1), mode, bits);
  return record(op, [x], y, [], (dy) => {
    // constant: dx = the interior of dy; reflect: dx also collects the mirrored positions
    if (mode === 'reflect') return [reflectBackward(dy, x.shape, before, after)];
    return [gatherWindow('dpad', dy, x.shape, dy.strides, before.reduce((p, b, a) => p + b * dy.strides[a], 0))];
  });
}

// ---------------------------------------------------------------- concat, stack

function checkList(op: string, tensors: readonly Tensor[]): void {
  const ok = Array.isArray(tensors as unknown);
  if (!ok || tensors.length === 0) throw new GpuUsageError(op, `tensors: expected a non-empty array, got ${ok ? '[]' : String(tensors)}`);
  checkInputs(op, tensors, null);
}

/** Joins tensors along `axis`; every other dimension must match. A copy. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  const op = 'concat';
  checkList(op, tensors);
  const first = tensors[0];
  if (first.rank === 0) throw new GpuUsageError(op, 'input 0: expected a tensor of rank ≥ 1, got a scalar (use stack)');
  const a = normAxis(op, axis, first.rank);
  tensors.forEach((t, i) => {
    if (t.dtype !== first.dtype) throw new GpuUsageError(op, `input ${i} dtype: expected ${first.dtype} like input 0, got ${t.dtype}`);
    if (t.rank !== first.rank || t.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      const want = first.shape.map((d, j) => (j === a ? '*' : d)).join(', ');
      throw new GpuUsageError(op, `input ${i} shape: expected [${want}] (any size on axis ${a}), got ${fmtShape(t.shape)}`);
    }
  });
  const starts: number[] = [];
  let total = 0;
  for (const t of tensors) {
    starts.push(total);
    total += t.shape[a];
  }
  const shape = first.shape.map((d, j) => (j === a ? total : d));
  const y = empty(first.gpu, shape, first.dtype, op);
  tensors.forEach((t, i) => copyWindow(op, 'place_forward', t, y, t.shape, y.strides, starts[i] * y.strides[a]));
  const shapes = tensors.map((t) => t.shape);
  // dx_i = the slice of dy that input i filled
  return record(op, tensors, y, [], (dy, _, needs) => shapes.map((s, i) => (needs[i] ? gatherWindow('dconcat', dy, s, dy.strides, starts[i] * dy.strides[a]) : null)));
}

/** Stacks equal-shaped tensors along a new axis ∈ [−(rank+1), rank] (unsqueeze, then concat). */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const op = 'stack';
  checkList(op, tensors);
  const first = tensors[0];
  tensors.forEach((t, i) => {
    if (t.rank !== first.rank || t.shape.some((d, j) => d !== first.shape[j])) throw new GpuUsageError(op, `input ${i} shape: expected ${fmtShape(first.shape)} like input 0, got ${fmtShape(t.shape)}`);
  });
  const a = normAxis(op, axis, first.rank + 1);
  const parts = tensors.map((t) => unsqueeze(t, a));
  const y = concat(parts, a);
  for (const p of parts) p.dispose();
  return y;
}
