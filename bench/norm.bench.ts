/**
 * Normalisation and pooling forward passes on hyperspectral-sized activations, in effective
 * GB/s (one read of the input and one write of the output, 4 bytes each, at the median time):
 *   batchNorm (training: batch statistics and the running-statistics update) on a batch of
 *   8 crops × 64 features × 50×50; layerNorm over the 200 bands of 10,000 pixels (Indian Pines
 *   sized); maxPool2d 2×2 on the same 8×64×50×50; adaptiveAvgPool2d → 1×1 on the SSCC head
 *   512×256×11×11.
 * Peers in the same process: TF.js WebGPU on the same adapter and TF.js wasm (SIMD, one thread)
 * in NHWC; their batch and layer norms are tf.moments + arithmetic (no running statistics).
 * Every result is checked in full against the float64 references of test/ref before timing;
 * warm-up is excluded; each iteration ends in a GPU sync. BENCH_RUNS (default 5) sets the runs.
 */
import { createGpu, describeGpu, noGrad, tensor, type Gpu, type Tensor } from '../src/index.ts';
import { batchNorm, layerNorm } from '../src/ops/norm.ts';
import { adaptiveAvgPool2d, maxPool2d } from '../src/ops/pool.ts';
import { batchNormRef, layerNormRef } from '../test/ref/norm.ts';
import { adaptiveAvgPool2dRef, maxPool2dRef } from '../test/ref/pool.ts';
import { loadPeers, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

interface Case {
  name: string;
  /** Input shape: [N, C, H, W] or [R, D] for layerNorm. */
  shape: number[];
  outSize: number;
  hsi: (gpu: Gpu, x: Tensor) => Tensor;
  /** The TF.js op on the NHWC (or [R, D]) input. */
  peer: (x: tf.Tensor) => tf.Tensor;
  ref: (x: Float32Array) => Float64Array;
  atol: number;
}

const [N, C, S] = [8, 64, 50];
const CASES: Case[] = [
  {
    name: 'batchNorm train 8×64×50×50', shape: [N, C, S, S], outSize: N * C * S * S, atol: 1e-4,
    hsi: (gpu, x) => {
      const [rm, rv] = [tensor(gpu, new Float32Array(C)), tensor(gpu, new Float32Array(C).fill(1))];
      const y = batchNorm(x, rm, rv, null, null, { training: true });
      for (const t of [rm, rv]) t.dispose();
      return y;
    },
    peer: (x) => tf.tidy(() => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.batchNorm(x, mean, variance, undefined, undefined, 1e-5);
    }),
    ref: (x) => batchNormRef(x, N, C, S * S, null, null, null, null, true).y,
  },
  {
    name: 'layerNorm 10000×200', shape: [10000, 200], outSize: 2e6, atol: 1e-4,
    hsi: (_, x) => layerNorm(x, 200),
    peer: (x) => tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    }),
    ref: (x) => layerNormRef(x, 10000, 200, null, null),
  },
  {
    name: 'maxPool2d 2×2 8×64×50×50', shape: [N, C, S, S], outSize: N * C * (S / 2) ** 2, atol: 0,
    hsi: (_, x) => maxPool2d(x, 2),
    peer: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'),
    ref: (x) => maxPool2dRef(x, [N, C, S, S], { k: [2, 2], s: [2, 2], p: [0, 0] }).y,
  },
  {
    name: 'adaptiveAvgPool2d → 1 512×256×11×11', shape: [512, 256, 11, 11], outSize: 512 * 256, atol: 1e-5,
    hsi: (_, x) => adaptiveAvgPool2d(x, 1),
    peer: (x) => tf.mean(x, [1, 2], true),
    ref: (x) => adaptiveAvgPool2dRef(x, [512, 256, 11, 11], 1, 1),
  },
];

type Result = Timing & { gbps: number };
const gbps = (c: Case, t: Timing): number => +((4 * (c.shape.reduce((a, b) => a * b, 1) + c.outSize)) / t.medianMs / 1e6).toFixed(2);

/** NCHW → NHWC on the host ([R, D] stays as it is). */
function toNhwc(x: Float32Array, shape: number[]): Float32Array {
  if (shape.length !== 4) return x;
  const [n, c, h, w] = shape;
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) out[(i * h * w + p) * c + ch] = x[(i * c + ch) * h * w + p];
  return out;
}

/** Throws unless every value is within atol + 1e-5·|ref| of the float64 reference (NHWC results are mapped back). */
function check(who: string, c: Case, got: ArrayLike<number>, want: Float64Array, outShape: number[] | null): void {
  const [, ch, h, w] = outShape ?? [1, 1, 1, 1];
  for (let i = 0; i < want.length; i++) {
    const j = outShape ? ((Math.floor(i / (ch * h * w)) * h * w + (i % (h * w))) * ch + (Math.floor(i / (h * w)) % ch)) : i;
    if (!(Math.abs(got[j] - want[i]) <= c.atol + 1e-5 * Math.abs(want[i]))) throw new Error(`bench ${who} ${c.name}: entry ${i}: expected ${want[i]}, got ${got[j]}`);
  }
}

async function engine(gpu: Gpu, c: Case, data: Float32Array, want: Float64Array): Promise<Result> {
  const x = tensor(gpu, data, c.shape);
  const y0 = noGrad(() => c.hsi(gpu, x));
  check('hsi', c, await y0.data(), want, null);
  y0.dispose();
  const t = await time(async () => {
    const y = noGrad(() => c.hsi(gpu, x));
    await gpu.sync();
    y.dispose();
  });
  x.dispose();
  return { ...t, gbps: gbps(c, t) };
}

async function peer(backend: 'webgpu' | 'wasm', c: Case, data: Float32Array, want: Float64Array): Promise<Result> {
  const sync = await tfBackend(backend);
  const nhwc = c.shape.length === 4 ? [c.shape[0], c.shape[2], c.shape[3], c.shape[1]] : c.shape;
  const x = tf.tensor(toNhwc(data, c.shape), nhwc);
  const y0 = c.peer(x);
  const outShape = y0.shape.length === 4 ? [y0.shape[0], y0.shape[3], y0.shape[1], y0.shape[2]] : null;
  check(`tfjs-${backend}`, c, await y0.data(), want, outShape);
  y0.dispose();
  const t = await time(async () => {
    const y = c.peer(x);
    await sync();
    y.dispose();
  });
  x.dispose();
  return { ...t, gbps: gbps(c, t) };
}

const gpu = await createGpu();
const peers = process.env.BENCH_PEERS === '0' ? [] : await loadPeers(gpu);
const rows: Record<string, unknown>[] = [];
for (const [i, c] of CASES.entries()) {
  const data = values(c.shape.reduce((a, b) => a * b, 1), i + 1).map((v, j) => v * 2 + (j % 7)); // offsets per value, not centred
  const want = c.ref(data);
  const row: Record<string, unknown> = { case: c.name, hsi: await engine(gpu, c, data, want) };
  for (const p of peers) row[`tfjs ${p}`] = await peer(p, c, data, want);
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);
