/**
 * Finite-difference checks of a whole module: forward against a float64 reference, and the
 * GPU gradients of L = Σ y·w (w fixed, random) with respect to the input and every parameter
 * against central differences of the same L through the reference. test/harness/gradcheck.ts
 * does this for ops whose inputs it makes; here the parameters live inside the module.
 */
import { backward, mul, sum, tensor, type Gpu, type Module, type Layer, type Tensor } from '../../src/index.ts';
import { assertClose, uniform, type Tolerance } from '../harness/gpu.ts';
import type { ParamsRef } from '../ref/attention.ts';

export interface ModuleCase {
  module: Module & Layer;
  x: { data: Float32Array; shape: number[] };
  /** The module's float64 reference; `p` holds every parameter and buffer by state name. */
  ref: (x: Float64Array, p: ParamsRef) => ArrayLike<number>;
  forward?: Tolerance;
  grad?: Tolerance;
  /** Entries per tensor checked by finite differences (evenly spread; default all). */
  samples?: number;
  eps?: number;
  seed?: number;
}

/** The module's state (parameters and buffers) read back as float64, by name. */
export async function stateOf(m: Module): Promise<Record<string, Float64Array>> {
  const out: Record<string, Float64Array> = {};
  for (const [name, t] of m.stateDict()) out[name] = Float64Array.from(await t.data());
  return out;
}

/**
 * Overwrites every 1-D parameter (norm weights and biases, linear and conv biases) and running
 * statistics with seeded values, so weights of 1 and biases of 0 hide no indexing bug.
 */
export function scrambleVectors(m: Module, seed: number): void {
  m.stateDict().forEach(([name, t], i) => {
    if (t.rank !== 1) return;
    const around1 = /(norm\d?|bn\d|downsample\.1)\.weight$|runningVar$/.test(name);
    t.gpu.write(t.buffer, uniform(t.size, seed + i, around1 ? 0.5 : -0.5, around1 ? 1.5 : 0.5));
  });
}

/** Indices 0 … n−1, or `k` of them spread evenly (always including the first and last). */
function pick(n: number, k: number | undefined): number[] {
  if (!k || k >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1)));
}

/** Runs the forward and gradient checks; disposes what it made and the module's gradients. */
export async function moduleGradCheck(gpu: Gpu, op: string, c: ModuleCase): Promise<void> {
  const p = await stateOf(c.module);
  const x64 = Float64Array.from(c.x.data);
  const x = tensor(gpu, c.x.data, c.x.shape);
  x.requiresGrad = true;
  const y = c.module.forward(x);
  assertClose(`${op} forward`, await y.data(), c.ref(x64, p), c.forward ?? { atol: 2e-5, rtol: 1e-4 });
  const w = uniform(y.size, c.seed ?? 77, -1, 1);
  const wt = tensor(gpu, w, y.shape);
  const yw = mul(y, wt);
  const loss = sum(yw);
  backward(loss);
  const lossRef = (xv: Float64Array, pv: ParamsRef): number => {
    const out = c.ref(xv, pv);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * w[i];
    return s;
  };
  const eps = c.eps ?? 1e-6;
  const targets: [string, Tensor][] = [['input', x], ...c.module.namedParameters()];
  for (const [name, t] of targets) {
    if (!t.grad) throw new Error(`${op}: ${name}: expected a gradient, got none`);
    const grad = await t.grad.data();
    const idx = pick(t.size, c.samples);
    const fd = idx.map((j) => {
      const shifted = (d: number): number => {
        const xv = name === 'input' ? x64.slice() : x64;
        const pv = name === 'input' ? p : { ...p, [name]: p[name].slice() };
        (name === 'input' ? xv : pv[name] as Float64Array)[j] += d;
        return lossRef(xv, pv);
      };
      return (shifted(eps) - shifted(-eps)) / (2 * eps);
    });
    assertClose(`${op} d/d${name}`, idx.map((j) => grad[j]), fd, c.grad ?? { atol: 1e-4, rtol: 1e-3 });
  }
  c.module.zeroGrad();
  for (const t of [x, y, wt, yw, loss]) t.dispose();
}
