/**
 * AdaConv (Super-AD's adaptive-neighbour convolution) at the size the method runs: one
 * AdaConv(32 → 32), k = 3, n = 5 on a 1 × 32 × 100 × 100 scene (ABU-sized). Timed separately:
 * the selection (adaSelect, once per error map), forward with a ready selection, and
 * forward + backward (dX, dW, db); backward alone is reported as their difference.
 * Peer in the same process: a plain 32 → 32 3×3 conv (tf.conv2d, 'same', NHWC, with bias) on
 * TF.js 4.22 WebGPU (same adapter) and wasm (SIMD, one thread), forward and forward + both
 * gradients (tf.grads) — the nearest op a peer has; it has no neighbour selection.
 * Every result is checked against float64 first (the engine fully, the peers at samples);
 * warm-up excluded; each iteration ends in a GPU sync. BENCH_RUNS (default 5) sets the runs.
 */
import { backward, createGpu, describeGpu, noGrad, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { adaConv, adaSelect } from '../src/ops/adaconv.ts';
import { adaSelectRef, conv2dRef, gatherConvRef } from '../test/ref/adaconv.ts';
// tfjs-core alone has no gradient definitions; tf.grads needs them registered.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { gflops, loadPeers, minus, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

const [C, O, H, W, K, N] = [32, 32, 100, 100, 3, 5];
const HW = H * W;
const KK = K * K;
const FLOPS = 2 * O * C * KK * HW;

const xData = values(C * HW, 1);
const wData = values(O * C * KK, 2).map((v) => v / Math.sqrt(C * KK));
const bData = values(O, 3);
const gData = values(HW, 4).map((v) => v + 1); // an error map in [0, 2)
const dyData = values(O * HW, 5);

function check(who: string, got: ArrayLike<number>, want: ArrayLike<number>, scale: number): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 * scale * (1 + Math.abs(want[i])))) throw new Error(`bench ${who}: entry ${i}: expected ${want[i]}, got ${got[i]}`);
  }
}

/** Float64 dX and dW of L = Σ dy · adaConv, by brute force over (pixel, slot). */
function gradsRef(sel: Int32Array): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(C * HW);
  const dw = new Float64Array(O * C * KK);
  for (let p = 0; p < HW; p++) {
    for (let r = 0; r < KK; r++) {
      const q = sel[r * HW + p];
      for (let c = 0; c < C; c++) {
        let acc = 0;
        for (let o = 0; o < O; o++) {
          acc += wData[(o * C + c) * KK + r] * dyData[o * HW + p];
          dw[(o * C + c) * KK + r] += dyData[o * HW + p] * xData[c * HW + q];
        }
        dx[c * HW + q] += acc;
      }
    }
  }
  return { dx, dw };
}

type Result = Timing & { gflops?: number };

async function engine(gpu: Gpu): Promise<Record<string, Result>> {
  const guide = tensor(gpu, gData, [1, 1, H, W]);
  const x = tensor(gpu, xData, [1, C, H, W]);
  const w = tensor(gpu, wData, [O, C, K, K]);
  const b = tensor(gpu, bData, [O]);
  const dy = tensor(gpu, dyData, [1, O, H, W]);
  const sel = adaSelect(guide, N, K);
  const refSel = adaSelectRef(gData, H, W, N, K);
  check('hsi adaSelect', await sel.index.data(), refSel, 0);
  const y0 = noGrad(() => adaConv(x, w, b, sel));
  check('hsi adaConv forward', await y0.data(), gatherConvRef(xData, C, HW, wData, O, KK, bData, refSel), Math.sqrt(C * KK));
  y0.dispose();
  for (const t of [x, w, b]) t.requiresGrad = true;
  const y1 = adaConv(x, w, b, sel);
  backward(y1, dy);
  y1.dispose();
  const ref = gradsRef(refSel);
  check('hsi adaConv dx', await x.grad!.data(), ref.dx, Math.sqrt(O * KK));
  check('hsi adaConv dw', await w.grad!.data(), ref.dw, Math.sqrt(HW));
  const selT = await time(async () => {
    adaSelect(guide, N, K).dispose();
    await gpu.sync();
  });
  for (const t of [x, w, b]) t.requiresGrad = false;
  const fwd = await time(async () => {
    adaConv(x, w, b, sel).dispose();
    await gpu.sync();
  });
  for (const t of [x, w, b]) t.requiresGrad = true;
  const both = await time(async () => {
    for (const t of [x, w, b]) t.grad?.dispose(), (t.grad = null);
    const y = adaConv(x, w, b, sel);
    backward(y, dy);
    y.dispose();
    await gpu.sync();
  });
  for (const t of [x, w, b]) t.grad?.dispose(), (t.grad = null);
  for (const t of [guide, x, w, b, dy]) t.dispose();
  sel.dispose();
  const bwd = minus(both, fwd);
  return { select: selT, forward: { ...fwd, gflops: gflops(FLOPS, fwd) }, 'forward+backward': { ...both, gflops: gflops(3 * FLOPS, both) }, backward: { ...bwd, gflops: gflops(2 * FLOPS, bwd) } };
}

/** NCHW → NHWC and [O, C, k, k] → [k, k, C, O] for TF.js. */
const nhwc = (a: Float32Array, c: number): Float32Array => Float32Array.from({ length: a.length }, (_, i) => a[(i % c) * HW + Math.floor(i / c)]);
const hwio = Float32Array.from({ length: wData.length }, (_, i) => {
  const o = i % O;
  const c = Math.floor(i / O) % C;
  const r = Math.floor(i / (O * C));
  return wData[(o * C + c) * KK + r];
});

async function peer(backend: 'webgpu' | 'wasm'): Promise<Record<string, Result | string>> {
  const sync = await tfBackend(backend);
  const x = tf.tensor4d(nhwc(xData, C), [1, H, W, C]);
  const w = tf.tensor4d(hwio, [K, K, C, O]);
  const b = tf.tensor1d(bData);
  const dy = tf.tensor4d(nhwc(dyData, O), [1, H, W, O]);
  const f = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.add(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same'), bi);
  const y0 = f(x, w, b);
  const got = await y0.data();
  const want = conv2dRef(xData, C, H, W, wData, O, K, bData, 'zeros');
  for (let s = 0; s < 64; s++) {
    const i = (s * 7919) % (O * HW);
    const [o, p] = [Math.floor(i / HW), i % HW];
    check(`tfjs-${backend} conv2d`, [got[p * O + o]], [want[i]], Math.sqrt(C * KK));
  }
  y0.dispose();
  const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => f(xi, wi, bi));
  const fwd = await time(async () => {
    const y = f(x, w, b);
    await sync();
    y.dispose();
  });
  const step = async (): Promise<void> => {
    const gs = tf.tidy(() => {
      const y = f(x, w, b);
      return [y, ...grads([x, w, b], dy)];
    });
    await sync();
    gs.forEach((t: tf.Tensor) => t.dispose());
  };
  const out: Record<string, Result | string> = { forward: { ...fwd, gflops: gflops(FLOPS, fwd) } };
  try {
    const both = await time(step);
    out['forward+backward'] = { ...both, gflops: gflops(3 * FLOPS, both) };
  } catch (e) {
    // TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel: say so instead of a number.
    out['forward+backward'] = `unavailable: ${(e as Error).message}`;
  }
  for (const t of [x, w, b, dy]) t.dispose();
  return out;
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const rows: Record<string, unknown> = { hsi: await engine(gpu) };
console.error(JSON.stringify(rows.hsi));
for (const p of peers) {
  rows[`tfjs ${p} conv2d 3×3`] = await peer(p);
  console.error(JSON.stringify(rows[`tfjs ${p} conv2d 3×3`]));
}
const name = `AdaConv ${C}→${O}, k ${K}, n ${N}, 1×${C}×${H}×${W}`;
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, tfjs: tf.version_core, runs: RUNS, case: name, gflopForward: +(FLOPS / 1e9).toFixed(4), rows }, null, 2));
gpu.destroy();
process.exit(0);
