/**
 * NT-Xent (InfoNCE, SSCC's InstanceLoss) forward and forward + backward on SSCC's batch:
 * two views of N = 512 rows × D = 128 (2N = 1024 rows), τ = 0.5. The engine's two paths
 * (src/ops/contrastive.ts: the default, where the 4 MB similarity matrix fits, on matmul plus
 * fused row kernels; and the streamed register-tile kernels forced on) against the same loss
 * written for TF.js 4.22 (concat, normalise, matMul, masked logSumExp; tf.grads for the
 * backward) on its WebGPU backend (the same adapter) and its wasm backend (SIMD, one thread),
 * in one run.
 * Before timing: every loss is checked against the float64 reference and the engine's
 * gradients against each TF.js backend's. Warm-up excluded; each iteration ends in a GPU sync;
 * medians of BENCH_RUNS (default 5) runs.
 */
import { backward, createGpu, describeGpu, tensor, type Gpu } from '../src/index.ts';
import { contrastiveTuning, ntXent } from '../src/ops/contrastive.ts';
import { ntXentRef } from '../test/ref/contrastive.ts';
// tfjs-core alone has no gradient definitions; tf.grads needs them registered.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { loadPeers, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

const N = 512;
const D = 128;
const TAU = 0.5;

interface Out {
  loss: number;
  /** dL/dzi, dL/dzj (the engine's data() is typed by dtype; these are f32). */
  grads: ArrayLike<number>[];
}

/** |got − want| ≤ tol · max|want| everywhere (gradients are ~1e-4: relative to their scale). */
function checkClose(who: string, what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol * scale)) {
      throw new Error(`bench ${who} ${what}[${i}]: expected ${want[i]}, got ${got[i]}`);
    }
  }
}

async function engine(gpu: Gpu, a: Float32Array, b: Float32Array): Promise<{ out: Out; fwd: Timing; step: Timing }> {
  const xa = tensor(gpu, a, [N, D]);
  const xb = tensor(gpu, b, [N, D]);
  xa.requiresGrad = true;
  xb.requiresGrad = true;
  const stepOnce = (): void => {
    const y = ntXent(xa, xb, TAU);
    backward(y);
    y.dispose();
  };
  const y0 = ntXent(xa, xb, TAU);
  backward(y0);
  const out = { loss: (await y0.data())[0], grads: [await xa.grad!.data(), await xb.grad!.data()] };
  y0.dispose();
  const clearGrads = (): void => {
    for (const x of [xa, xb]) {
      x.grad?.dispose();
      x.grad = null;
    }
  };
  clearGrads();
  xa.requiresGrad = false;
  xb.requiresGrad = false;
  const fwd = await time(async () => {
    const y = ntXent(xa, xb, TAU);
    await gpu.sync();
    y.dispose();
  });
  xa.requiresGrad = true;
  xb.requiresGrad = true;
  const step = await time(async () => {
    stepOnce();
    await gpu.sync();
    clearGrads();
  });
  xa.dispose();
  xb.dispose();
  return { out, fwd, step };
}

/**
 * The Gram matrix z zᵀ with its gradient (dS + dSᵀ) z, both with explicit transposes: TF.js's
 * matMul(…, transposeA/B = true), which its own matMul gradient uses, measured ~10× slower on
 * the wasm backend, so a fair peer avoids it.
 */
const gram = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  save([z]);
  return {
    value: tf.matMul(z, tf.transpose(z)),
    gradFunc: (dy: tf.Tensor, [zs]: tf.Tensor[]) => tf.matMul(tf.add(dy, tf.transpose(dy)) as tf.Tensor2D, zs as tf.Tensor2D),
  };
});

/**
 * The same loss in TF.js: self masked by subtracting 1e9 (selfMask holds 1e9 on the diagonal),
 * loss = mean(logSumExp(row) − positive logit).
 */
function tfLoss(zi: tf.Tensor2D, zj: tf.Tensor2D, selfMask: tf.Tensor2D, posMask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const z = tf.concat([zi, zj], 0);
    const zn = tf.div(z, tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12));
    const sim = tf.sub(tf.div(gram(zn), TAU), selfMask);
    const pos = tf.sum(tf.mul(sim, posMask), 1);
    return tf.div(tf.sum(tf.sub(tf.logSumExp(sim, 1), pos)), 2 * N) as tf.Scalar;
  });
}

async function tfjs(backend: 'webgpu' | 'wasm', a: Float32Array, b: Float32Array): Promise<{ out: Out; fwd: Timing; step: Timing }> {
  const sync = await tfBackend(backend);
  const m = 2 * N;
  const eye = new Float32Array(m * m);
  const pos = new Float32Array(m * m);
  for (let i = 0; i < m; i++) {
    eye[i * m + i] = 1e9;
    pos[i * m + ((i + N) % m)] = 1;
  }
  const zi = tf.tensor2d(a, [N, D]);
  const zj = tf.tensor2d(b, [N, D]);
  const selfMask = tf.tensor2d(eye, [m, m]);
  const posMask = tf.tensor2d(pos, [m, m]);
  const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tfLoss(x as tf.Tensor2D, y as tf.Tensor2D, selfMask, posMask));
  const l0 = tfLoss(zi, zj, selfMask, posMask);
  const g0 = grads([zi, zj]);
  const out = { loss: (await l0.data())[0], grads: [await g0[0].data(), await g0[1].data()] };
  tf.dispose([l0, ...g0]);
  const fwd = await time(async () => {
    const l = tfLoss(zi, zj, selfMask, posMask);
    await sync();
    l.dispose();
  });
  const step = await time(async () => {
    const g = grads([zi, zj]);
    await sync();
    tf.dispose(g);
  });
  tf.dispose([zi, zj, selfMask, posMask]);
  return { out, fwd, step };
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const a = values(N * D, 1);
const b = values(N * D, 2);
const ref = ntXentRef(a, b, N, D, TAU);
const rows: Record<string, unknown>[] = [];
const hsi = await engine(gpu, a, b);
checkClose('hsi', 'loss', [hsi.out.loss], [ref], 1e-5);
rows.push({ impl: 'hsi (2N × 2N fits: matmul + fused row kernels)', forwardMs: hsi.fwd, forwardBackwardMs: hsi.step });
// The streamed path, which never holds the 2N × 2N matrix (what larger batches use).
const matrixBytes = contrastiveTuning.matrixBytes;
contrastiveTuning.matrixBytes = 0;
const streamed = await engine(gpu, a, b);
contrastiveTuning.matrixBytes = matrixBytes;
checkClose('hsi streamed', 'loss', [streamed.out.loss], [ref], 1e-5);
streamed.out.grads.forEach((g, i) => checkClose('hsi streamed vs matrix', `d${i ? 'zj' : 'zi'}`, g, hsi.out.grads[i], 1e-3));
rows.push({ impl: `hsi streamed (block ${contrastiveTuning.block})`, forwardMs: streamed.fwd, forwardBackwardMs: streamed.step });
for (const p of peers) {
  const r = await tfjs(p, a, b);
  checkClose(`tfjs-${p}`, 'loss', [r.out.loss], [ref], 1e-5);
  r.out.grads.forEach((g, i) => checkClose(`hsi vs tfjs-${p}`, `d${i ? 'zj' : 'zi'}`, hsi.out.grads[i], g, 1e-3));
  rows.push({ impl: `tfjs ${p}`, forwardMs: r.fwd, forwardBackwardMs: r.step });
}
for (const r of rows) console.error(JSON.stringify(r));
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, case: `NT-Xent 2×${N}×${D}, τ=${TAU}`, loss: ref, tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);
