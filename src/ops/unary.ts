/**
 * Elementwise unary functions y = f(x) with their gradients (shaders/unary.wgsl).
 * Backward: dx = dy · f'(x), one fused kernel per function.
 */
import source from '../../shaders/unary.wgsl';
import { GpuUsageError, wgslConstants } from '../gpu/index.ts';
import { record } from '../autograd/tape.ts';
import { empty, type Tensor } from '../tensor/tensor.ts';
import { checkFinite, checkInputs, elementGrid } from './util.ts';

const FILE = 'unary.wgsl';
/** Function codes, read from the OP_* constants of the shader. */
const CODES = wgslConstants(FILE, source, 'OP_');

export type UnaryName = 'neg' | 'abs' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'relu' | 'leakyRelu' | 'gelu' | 'sigmoid' | 'tanh' | 'clamp';

function launch(name: UnaryName, entry: 'unary_forward' | 'unary_backward', x: Tensor, dy: Tensor | null, alpha: number, beta: number): Tensor {
  const k = x.gpu.kernel({ file: FILE, source, entry, overrides: { OP: CODES.get(name.toLowerCase())! } });
  const out = empty(x.gpu, x.shape, 'f32', dy ? `d${name}` : name);
  const buffers: Record<string, Tensor['buffer']> = dy ? { x: x.buffer, dy: dy.buffer, dx: out.buffer } : { x: x.buffer, y: out.buffer };
  if (x.size > 0) k.dispatch(buffers, { n: x.size, alpha, beta }, elementGrid(k, x.size));
  return out;
}

function unary(name: UnaryName, x: Tensor, alpha = 0, beta = 0): Tensor {
  checkInputs(name, [x]);
  const y = launch(name, 'unary_forward', x, null, alpha, beta);
  // dx = dy · f'(x), f' from the same shader file.
  return record(name, [x], y, [x], (dy, [xs]) => [launch(name, 'unary_backward', xs, dy, alpha, beta)]);
}

/** −x */
export const neg = (x: Tensor): Tensor => unary('neg', x);
/** |x|; gradient sign(x) (0 at 0). */
export const abs = (x: Tensor): Tensor => unary('abs', x);
/** eˣ (0 below x = −87, so no denormals). */
export const exp = (x: Tensor): Tensor => unary('exp', x);
/** ln x; undefined for x ≤ 0. */
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
/** 1/√x */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const square = (x: Tensor): Tensor => unary('square', x);
/** max(x, 0); gradient 0 at 0 (PyTorch). */
export const relu = (x: Tensor): Tensor => unary('relu', x);
/** x for x > 0, slope·x otherwise (PyTorch default slope 0.01). */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  checkFinite('leakyRelu', 'slope', slope);
  return unary('leakyRelu', x, slope);
}
/** x·Φ(x), the exact (erf) GELU. */
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);
/** min(max(x, lo), hi); gradient 1 inside [lo, hi] (PyTorch), 0 outside. */
export function clamp(x: Tensor, lo: number, hi: number): Tensor {
  checkFinite('clamp', 'min', lo);
  checkFinite('clamp', 'max', hi);
  if (lo > hi) throw new GpuUsageError('clamp', `bounds: expected min ≤ max, got ${lo} > ${hi}`);
  return unary('clamp', x, lo, hi);
}
