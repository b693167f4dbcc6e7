/**
 * Elementwise ops on two (or, for `where`, three) tensors with NumPy broadcasting
 * (shaders/binary.wgsl). A number operand becomes a one-element tensor made on the GPU.
 * Backward: the kernel writes dy·∂f/∂input at the output shape, then sumTo() reduces it over
 * the broadcast axes back to the input's shape.
 */
import source from '../../shaders/binary.wgsl';
import { GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, fmtShape, view, type Shape, type Tensor } from '../tensor/tensor.ts';
import { broadcastShapes, broadcastStrides, collapse, MAX_RANK } from './broadcast.ts';
import { full } from './fill.ts';
import { neg } from './unary.ts';
import { sumTo } from './reduce_pass.ts';
import { checkInputs, elementGrid } from './util.ts';

const FILE = 'binary.wgsl';
const CODES = wgslConstants(FILE, source, 'OP_');
type Entry = 'binary_forward' | 'binary_backward' | 'where_forward' | 'expand_forward';
export type Operand = Tensor | number;

/** Runs `entry` over the broadcast of `inputs` (a, b, c in order) into a fresh tensor of shape `out`. */
function launch(entry: Entry, out: Shape, inputs: Tensor[], opts: { op?: string; wrt?: number; dy?: Tensor; label: string }): Tensor {
  const y = empty(inputs[0].gpu, out, 'f32', opts.label);
  if (y.size === 0) return y;
  const c = collapse(opts.label, out, inputs.map((t) => broadcastStrides(t.shape, out)));
  const pack = (v: number[]): number[] => [...v, ...new Array(MAX_RANK - v.length).fill(0)];
  const names = ['a', 'b', 'c'] as const;
  const buffers: Record<string, Tensor['buffer']> = { out: y.buffer };
  const params: Record<string, number | number[]> = { n: y.size, rank: c.shape.length, shape: pack(c.shape) };
  names.forEach((name, i) => {
    params[`s${name}`] = pack(c.strides[i] ?? []);
    if (inputs[i]) buffers[name] = inputs[i].buffer;
  });
  if (opts.dy) buffers.dy = opts.dy.buffer;
  const overrides: Record<string, number> = opts.op === undefined ? {} : { OP: CODES.get(opts.op)!, WRT: opts.wrt ?? 0 };
  const k = y.gpu.kernel({ file: FILE, source, entry, overrides });
  k.dispatch(buffers, params, elementGrid(k, y.size));
  return y;
}

function toTensor(op: string, v: Operand, like: Operand): Tensor {
  if (typeof v !== 'number') return v;
  checkInputs(op, [like as Tensor]);
  return full((like as Tensor).gpu, [], v);
}

/** Broadcasts `x` to `shape` (a copy); its gradient sums back. */
export function expand(x: Tensor, shape: Shape): Tensor {
  checkInputs('expand', [x]);
  const out = broadcastShapes('expand', x.shape, shape);
  if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) {
    throw new GpuUsageError('expand', `shape: expected a shape ${fmtShape(x.shape)} broadcasts to, got ${fmtShape(shape)}`);
  }
  const y = launch('expand_forward', shape, [x], { label: 'expand' });
  // dx = Σ over the broadcast axes of dy
  return record('expand', [x], y, [], (dy) => [sumTo(dy, x.shape)]);
}

type Arith = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum';

function arith(op: Arith, av: Operand, bv: Operand): Tensor {
  const a = toTensor(op, av, bv);
  const b = toTensor(op, bv, av);
  checkInputs(op, [a, b]);
  const out = broadcastShapes(op, a.shape, b.shape);
  const y = launch('binary_forward', out, [a, b], { op, label: op });
  const grad = (dy: Tensor, [sa, sb]: readonly Tensor[], wrt: number): Tensor => {
    const local = launch('binary_backward', out, [sa, sb], { op, wrt, dy, label: `d${op}` });
    const g = sumTo(local, wrt === 0 ? sa.shape : sb.shape);
    local.dispose();
    return g;
  };
  record(op, [a, b], y, [a, b], (dy, saved, needs) => {
    if (op === 'add' || op === 'sub') {
      // d(a ± b) = dy, ±dy
      const db = needs[1] ? (op === 'add' ? sumTo(dy, b.shape) : negSum(dy, b.shape)) : null;
      return [needs[0] ? sumTo(dy, a.shape) : null, db];
    }
    // mul: (dy·b, dy·a); div: (dy/b, −dy·a/b²); pow: (dy·b·aᵇ⁻¹, dy·aᵇ·ln a); max/min: dy to the winner
    return [needs[0] ? grad(dy, saved, 0) : null, needs[1] ? grad(dy, saved, 1) : null];
  });
  return freeScalars(y, [av, a], [bv, b]);
}

/** Disposes the one-element tensors made for number operands (the tape keeps its own views). */
function freeScalars(y: Tensor, ...pairs: [Operand, Tensor][]): Tensor {
  for (const [v, t] of pairs) if (typeof v === 'number') t.dispose();
  return y;
}

function negSum(dy: Tensor, shape: Shape): Tensor {
  const s = sumTo(dy, shape);
  const n = neg(s);
  s.dispose();
  return n;
}

export const add = (a: Operand, b: Operand): Tensor => arith('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => arith('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => arith('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => arith('div', a, b);
/** aᵇ; a negative base needs an integral exponent (PyTorch). */
export const pow = (a: Operand, b: Operand): Tensor => arith('pow', a, b);
/** Elementwise max; a tie sends half the gradient to each side (PyTorch). */
export const maximum = (a: Operand, b: Operand): Tensor => arith('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => arith('minimum', a, b);

type Compare = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** 1.0 where the comparison holds, else 0.0; not differentiable (records nothing). */
function compare(op: Compare, av: Operand, bv: Operand): Tensor {
  const a = toTensor(op, av, bv);
  const b = toTensor(op, bv, av);
  checkInputs(op, [a, b]);
  const y = launch('binary_forward', broadcastShapes(op, a.shape, b.shape), [a, b], { op, label: op });
  return freeScalars(y, [av, a], [bv, b]);
}

export const eq = (a: Operand, b: Operand): Tensor => compare('eq', a, b);
export const ne = (a: Operand, b: Operand): Tensor => compare('ne', a, b);
export const lt = (a: Operand, b: Operand): Tensor => compare('lt', a, b);
export const le = (a: Operand, b: Operand): Tensor => compare('le', a, b);
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', a, b);
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', a, b);

/** a where cond ≠ 0, else b (all three broadcast); gradients flow to the chosen side. */
export function where(cond: Tensor, av: Operand, bv: Operand): Tensor {
  const op = 'where';
  checkInputs(op, [cond]);
  const a = toTensor(op, av, cond);
  const b = toTensor(op, bv, cond);
  checkInputs(op, [cond, a, b]);
  const out = broadcastShapes(op, cond.shape, a.shape, b.shape);
  const y = launch('where_forward', out, [a, b, cond], { label: op });
  record(op, [a, b], y, [cond], (dy, [c], needs) => {
    // da = dy where cond, db = dy elsewhere
    const pick = (first: boolean, shape: Shape): Tensor => {
      const zero = full(dy.gpu, [], 0);
      const local = launch('where_forward', out, first ? [dy, zero, c] : [zero, dy, c], { label: 'dwhere' });
      zero.dispose();
      const g = sumTo(local, shape);
      local.dispose();
      return g;
    };
    return [needs[0] ? pick(true, a.shape) : null, needs[1] ? pick(false, b.shape) : null];
  });
  return freeScalars(y, [av, a], [bv, b]);
}
