/**
 * Superpixel pooling and unpooling (Super-AD's token path, docs/superad.md#token-path) at the
 * size the method runs: features [32, 100, 100] (D = 32 channels of a 100 × 100 ABU scene),
 * 100 superpixels (10 × 10 blocks; SLIC's n_segments = 100). Timed: the Segments CSR build
 * (once per scene), pool and unpool forward, and forward + backward; backward alone is reported
 * as their difference. Each timed run issues REPS calls and one GPU sync (the ops are ~1 MB
 * each: one sync per call would time the submit round trip, not the kernels).
 * GB/s = useful bytes / time: every input and output touched once, (C + 1)·N·4 + C·S·4 bytes
 * per op (features or their gradient, one u32 index per pixel, the tokens).
 * Peers in the same process: TF.js 4.22 WebGPU (same adapter) and wasm (SIMD, one thread) on the
 * native pixel-major layout [N, C]: pool = unsortedSegmentSum · 1/n_s, unpool = gather, with
 * gradients from tf.grads. Every result is checked against float64 before timing; warm-up
 * excluded; BENCH_RUNS (default 5) timed runs, medians reported.
 */
import { backward, createGpu, describeGpu, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { buildSegments, type Segments } from '../src/ops/segment.ts';
import { superpixelPool, superpixelUnpool } from '../src/ops/superpixel.ts';
import { superpixelPoolRef, superpixelUnpoolRef } from '../test/ref/superpixel.ts';
// tfjs-core alone has no gradient definitions; tf.grads needs them registered.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { loadPeers, minus, perCall, QUICK, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

const [C, H, W, B] = [32, 100, 100, 10];
const N = H * W;
const S = (H / B) * (W / B);
/** Calls per sync (quick mode: fewer, the TF.js rows dominate the run time). */
const REPS = QUICK ? 5 : 20;
const BYTES = (C + 1) * N * 4 + C * S * 4;

const labels = Int32Array.from({ length: N }, (_, p) => Math.floor(Math.floor(p / W) / B) * (W / B) + Math.floor((p % W) / B));
const counts = new Float64Array(S);
for (const l of labels) counts[l]++;
const xData = values(C * N, 1);
const tData = values(C * S, 2);
const dPixels = values(C * N, 3);
const dTokens = values(C * S, 4);
// Float64 references, [C, ·] row-major: results and the gradients of Σ d · op.
const want = {
  pool: superpixelPoolRef(xData, labels, S),
  poolGrad: superpixelUnpoolRef(Float64Array.from(dTokens, (v, i) => v / counts[i % S]), labels, S),
  unpool: superpixelUnpoolRef(tData, labels, S),
  unpoolGrad: Float64Array.from(superpixelPoolRef(dPixels, labels, S), (v, i) => v * counts[i % S]),
};

/** Throws naming `who` unless every entry is within 1e-5 (relative to 1 + |want|). */
function check(who: string, got: ArrayLike<number>, ref: ArrayLike<number>, channelsLast = false): void {
  const rows = ref.length / C;
  for (let i = 0; i < ref.length; i++) {
    const g = channelsLast ? got[(i % rows) * C + Math.floor(i / rows)] : got[i];
    if (!(Math.abs(g - ref[i]) <= 1e-5 * (1 + Math.abs(ref[i])))) throw new Error(`bench ${who}: entry ${i}: expected ${ref[i]}, got ${g}`);
  }
}

type Result = Timing & { gbs: number };
const perOp = (t: Timing): Result => {
  const r = perCall(t, REPS);
  return { ...r, gbs: +(BYTES / r.medianMs / 1e6).toFixed(2) };
};
const diff = (a: Result, b: Result): Result => {
  const r = minus(a, b);
  return { ...r, gbs: +(BYTES / r.medianMs / 1e6).toFixed(2) };
};

/** REPS calls of `fn` (with a gradient of dy when given), one sync, then everything freed. */
async function reps(gpu: Gpu, fn: () => Tensor, leaf: Tensor, dy: Tensor | null): Promise<void> {
  const made: Tensor[] = [];
  for (let r = 0; r < REPS; r++) {
    const y = fn();
    made.push(y);
    if (!dy) continue;
    backward(y, dy);
    made.push(leaf.grad!);
    leaf.grad = null;
  }
  await gpu.sync();
  for (const t of made) t.dispose();
}

async function engineOp(gpu: Gpu, name: string, input: Tensor, fn: () => Tensor, dy: Tensor, ref: Float64Array, gradRef: Float64Array): Promise<Record<string, Result>> {
  input.requiresGrad = true;
  const y = fn();
  check(`hsi ${name}`, await y.data(), ref);
  backward(y, dy);
  check(`hsi ${name} backward`, await input.grad!.data(), gradRef);
  y.dispose();
  input.grad!.dispose();
  input.grad = null;
  input.requiresGrad = false;
  const fwd = perOp(await time(() => reps(gpu, fn, input, null)));
  input.requiresGrad = true;
  const both = perOp(await time(() => reps(gpu, fn, input, dy)));
  input.requiresGrad = false;
  return { forward: fwd, 'forward+backward': both, backward: diff(both, fwd) };
}

async function engine(gpu: Gpu): Promise<Record<string, unknown>> {
  const lt = tensor(gpu, labels, [H, W], 'i32');
  let segs: Segments = buildSegments(lt, S);
  const build = await time(async () => {
    segs.dispose();
    segs = buildSegments(lt, S);
    await gpu.sync();
  });
  const x = tensor(gpu, xData, [C, H, W]);
  const tok = tensor(gpu, tData, [C, S]);
  const dyPool = tensor(gpu, dTokens, [C, S]);
  const dyUnpool = tensor(gpu, dPixels, [C, H, W]);
  const pool = await engineOp(gpu, 'pool', x, () => superpixelPool(x, segs), dyPool, want.pool, want.poolGrad);
  const unpool = await engineOp(gpu, 'unpool', tok, () => superpixelUnpool(tok, segs), dyUnpool, want.unpool, want.unpoolGrad);
  for (const t of [lt, x, tok, dyPool, dyUnpool]) t.dispose();
  segs.dispose();
  return { buildSegmentsMs: build.medianMs, pool, unpool };
}

/** One TF.js op's forward and forward + gradient, REPS per sync, checked first. */
async function tfOp(sync: () => Promise<void>, name: string, f: (a: tf.Tensor) => tf.Tensor, a: tf.Tensor, dy: tf.Tensor, ref: Float64Array, gradRef: Float64Array): Promise<Record<string, Result>> {
  const g = tf.grads((v: tf.Tensor) => f(v));
  check(`tfjs ${name}`, await f(a).data(), ref, true);
  check(`tfjs ${name} backward`, await g([a], dy)[0].data(), gradRef, true);
  const run = (both: boolean) => async () => {
    const made: tf.Tensor[] = [];
    for (let r = 0; r < REPS; r++) made.push(...(both ? g([a], dy) : [f(a)])); // tf.grads runs the forward too
    await sync();
    tf.dispose(made);
  };
  const fwd = perOp(await time(run(false)));
  const both = perOp(await time(run(true)));
  return { forward: fwd, 'forward+backward': both, backward: diff(both, fwd) };
}

async function tfjs(backend: 'webgpu' | 'wasm'): Promise<Record<string, unknown>> {
  const sync = await tfBackend(backend);
  const nc = (d: Float32Array, rows: number) => tf.transpose(tf.tensor2d(d, [C, rows]));
  const [x, tok, dyPool, dyUnpool] = [nc(xData, N), nc(tData, S), nc(dTokens, S), nc(dPixels, N)];
  const lt = tf.tensor1d(labels, 'int32');
  const inv = tf.tensor2d(Float32Array.from(counts, (n) => 1 / n), [S, 1]);
  // A backend without a kernel (wasm has no UnsortedSegmentSum) reports the failure instead.
  const attempt = (p: Promise<unknown>) => p.catch((e: Error) => `failed: ${e.message}`);
  const out = {
    pool: await attempt(tfOp(sync, 'pool', (v) => tf.mul(tf.unsortedSegmentSum(v, lt, S), inv), x, dyPool, want.pool, want.poolGrad)),
    unpool: await attempt(tfOp(sync, 'unpool', (v) => tf.gather(v, lt), tok, dyUnpool, want.unpool, want.unpoolGrad)),
  };
  tf.dispose([x, tok, dyPool, dyUnpool, lt, inv]);
  return out;
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const rows: Record<string, unknown> = { hsi: await engine(gpu) };
console.error(JSON.stringify(rows.hsi));
for (const p of peers) {
  rows[`tfjs ${p}`] = await tfjs(p);
  console.error(JSON.stringify(rows[`tfjs ${p}`]));
}
const shape = `features [${C}, ${H}, ${W}], ${S} superpixels of ${B}×${B}`;
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, case: shape, bytesPerOp: BYTES, repsPerSync: REPS, tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);
