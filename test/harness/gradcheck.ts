/**
 * Finite-difference gradient checks. The GPU computes y = f(x…) and the analytic gradients of
 * L = Σ y·w for a fixed random w; the float64 reference f is differentiated by central
 * differences of the same L. So the GPU backward is checked against an independent float64
 * derivative, not against itself, and the check covers broadcasting and reduction shapes.
 */
import { backward, mul, sum, tensor, type Gpu, type Shape, type Tensor } from '../../src/index.ts';
import * as assert from 'uvu/assert';
import { assertClose, uniform, type Tolerance } from './gpu.ts';

export interface GradInput {
  shape: Shape;
  data: Float32Array;
  /** Leave false for inputs that take no gradient (indices, masks). */
  diff?: boolean;
  dtype?: 'f32' | 'i32' | 'u32';
}

export interface GradCase {
  inputs: GradInput[];
  /** The op on the GPU. */
  gpuFn: (...xs: Tensor[]) => Tensor;
  /** The float64 reference of the op (flat row-major arrays; shapes as in `inputs`). */
  refFn: (...xs: Float64Array[]) => ArrayLike<number>;
  /** The output shape the op must produce (checked exactly, not only its element count). */
  shape?: Shape;
  /** Central-difference step (float64). */
  eps?: number;
  forward?: Tolerance;
  /**
   * Gradient closeness, scaled to the gradient's magnitude: |g − fd| ≤ atol·clamp(max|fd|, 1e-3, 1)
   * + rtol·|fd|. A fixed absolute floor would pass a small gradient that is wrong by a few per cent
   * (adaptiveAvgPool2d dividing by 120 instead of 121 moves each 0.008 by 7e-5); the 1e-3 floor
   * leaves room for the f32 rounding of O(1) terms that cancel to an exactly zero gradient.
   */
  grad?: Tolerance;
  seed?: number;
}

/** Runs forward and gradient checks of one case; disposes everything it made. */
export async function gradCheck(gpu: Gpu, op: string, c: GradCase): Promise<void> {
  const xs = c.inputs.map((inp) => {
    const t = tensor(gpu, inp.data, inp.shape, inp.dtype ?? 'f32');
    t.requiresGrad = (inp.diff ?? true) && (inp.dtype ?? 'f32') === 'f32';
    return t;
  });
  const y = c.gpuFn(...xs);
  const ref64 = c.inputs.map((inp) => Float64Array.from(inp.data));
  const yRef = c.refFn(...ref64);
  if (c.shape) assert.equal(y.shape, c.shape, `${op}: output shape: expected [${c.shape}], got [${y.shape}]`);
  assertClose(`${op} forward`, await y.data(), yRef, c.forward ?? { atol: 1e-5, rtol: 1e-5 });
  const w = uniform(y.size, c.seed ?? 99, -1, 1);
  const wt = tensor(gpu, w, y.shape);
  const yw = mul(y, wt);
  const loss = sum(yw);
  backward(loss);
  const lossRef = (args: Float64Array[]): number => {
    const out = c.refFn(...args);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * w[i];
    return s;
  };
  for (let i = 0; i < xs.length; i++) {
    if (!xs[i].requiresGrad) continue;
    const fd = new Float64Array(xs[i].size);
    const eps = c.eps ?? 1e-6;
    for (let j = 0; j < fd.length; j++) {
      const plus = ref64.map((a) => a.slice());
      const minus = ref64.map((a) => a.slice());
      plus[i][j] += eps;
      minus[i][j] -= eps;
      fd[j] = (lossRef(plus) - lossRef(minus)) / (2 * eps);
    }
    if (!xs[i].grad) throw new Error(`${op}: input ${i}: expected a gradient, got none`);
    assert.equal(xs[i].grad!.shape, xs[i].shape, `${op}: d/dx${i} shape: expected [${xs[i].shape}], got [${xs[i].grad!.shape}]`);
    const tol = c.grad ?? { atol: 1e-4, rtol: 1e-3 };
    const scale = Math.min(1, Math.max(1e-3, fd.reduce((m, v) => Math.max(m, Math.abs(v)), 0)));
    assertClose(`${op} d/dx${i}`, await xs[i].grad!.data(), fd, { atol: tol.atol * scale, rtol: tol.rtol });
  }
  for (const t of [...xs, y, wt, yw, loss]) t.dispose();
}

/** Row-major coordinates of flat index `i` in `shape`. */
export function coords(i: number, shape: Shape): number[] {
  const c = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return c;
}

/** Flat index of `c` in `shape`, broadcasting (size-1 and missing leading dimensions read index 0). */
export function broadcastIndex(c: readonly number[], shape: Shape): number {
  let idx = 0;
  const off = c.length - shape.length;
  for (let d = 0; d < shape.length; d++) idx = idx * shape[d] + (shape[d] === 1 ? 0 : c[d + off]);
  return idx;
}
