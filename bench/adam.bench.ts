/**
 * One Adam step (lr 1e-3, PyTorch defaults) over a ~400k-parameter set shaped like a small
 * hyperspectral model: the five 3×3 conv layers of bench/train.bench.ts with biases, plus a
 * [256, 400] linear weight. One fused dispatch per parameter on hsi-gpu; TF.js
 * optimizer.applyGradients on WebGPU (same adapter) and wasm as peers. Gradients stay fixed
 * between steps, so only the update is timed. Traffic: p, g, m, v read and p, m, v written
 * (28 bytes per parameter). Validation: after the first step every parameter must equal the
 * float64 update p − lr·g/(|g| + eps) (bias-corrected moments at step 1).
 */
import { Adam, createGpu, parameter, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { emit, loadPeers, selected, tf, tfBackend, time, values, type Timing } from './harness.ts';

const LR = 1e-3;
const EPS = 1e-8;
const CONV = [162, 64, 64, 64, 64, 162];
const SHAPES: number[][] = [
  ...CONV.slice(1).flatMap((o, l) => [[o, CONV[l], 3, 3], [o]]),
  [256, 400],
];
const sizeOf = (s: number[]): number => s.reduce((a, b) => a * b, 1);
const COUNT = SHAPES.reduce((s, sh) => s + sizeOf(sh), 0);
const NAME = `Adam step, ${SHAPES.length} tensors, ${COUNT} parameters`;
const BYTES = 28 * COUNT;

interface Data {
  p: Float32Array[];
  g: Float32Array[];
}

/** Throws unless `after` is the first-step update of every parameter. */
function check(who: string, d: Data, after: ArrayLike<number>[]): void {
  for (const [t, p] of d.p.entries()) {
    for (let i = 0; i < p.length; i++) {
      const g = d.g[t][i];
      const want = p[i] - (LR * g) / (Math.abs(g) + EPS);
      if (!(Math.abs(after[t][i] - want) <= 1e-3 * LR + 1e-6 * Math.abs(want))) {
        throw new Error(`bench ${who} ${NAME}: tensor ${t} entry ${i}: expected ${want}, got ${after[t][i]}`);
      }
    }
  }
}

async function engine(gpu: Gpu, d: Data): Promise<Timing> {
  const params = SHAPES.map((s, t) => parameter(tensor(gpu, d.p[t], s)));
  params.forEach((p, t) => (p.grad = tensor(gpu, d.g[t], SHAPES[t])));
  const opt = new Adam(params, { lr: LR, eps: EPS });
  opt.step();
  check('hsi', d, await Promise.all(params.map((p) => p.data())));
  const t = await time(async () => {
    opt.step();
    await gpu.sync();
  });
  opt.zeroGrad();
  opt.dispose();
  for (const p of params as Tensor[]) p.dispose();
  return t;
}

async function tfjs(backend: 'webgpu' | 'wasm', d: Data): Promise<Timing> {
  const sync = await tfBackend(backend);
  const vars = SHAPES.map((s, t) => tf.variable(tf.tensor(d.p[t], s), true, `adam-bench-${backend}-${t}`));
  const grads = vars.map((v, t) => ({ name: v.name, tensor: tf.tensor(d.g[t], SHAPES[t]) }));
  const opt = tf.train.adam(LR, 0.9, 0.999, EPS);
  opt.applyGradients(grads);
  check(`tfjs-${backend}`, d, await Promise.all(vars.map((v) => v.data())));
  const t = await time(async () => {
    opt.applyGradients(grads);
    await sync();
  });
  opt.dispose();
  for (const v of [...vars, ...grads.map((g) => g.tensor)]) v.dispose();
  return t;
}

if (selected(NAME)) {
  const gpu = await createGpu();
  const peers = await loadPeers(gpu);
  const d: Data = { p: SHAPES.map((s, t) => values(sizeOf(s), 2 * t + 1)), g: SHAPES.map((s, t) => values(sizeOf(s), 2 * t + 2)) };
  const hsi = await engine(gpu, d);
  const others: Record<string, Timing> = {};
  for (const p of peers) others[`tfjs ${p}`] = await tfjs(p, d);
  emit('adam', NAME, hsi, others, { bytes: BYTES });
  gpu.destroy();
}
process.exit(0);
