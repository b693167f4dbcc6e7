/**
 * matmul throughput (GFLOP/s, f32): 512³, 1024³, 1024³ with B read transposed in place, and a
 * linear layer shaped like a real scene (Indian Pines, 145 × 145 pixels × 200 bands → 64 features),
 * for each kernel family the adapter runs (subgroup, tiled). Peers in the same process: TF.js
 * 4.22 with its WebGPU backend on the same adapter (a second device from the same Dawn
 * instance) and its wasm backend (SIMD, one thread) on the CPU.
 * Every implementation's result is checked against float64 dot products at sampled entries
 * before timing; warm-up is excluded; each iteration ends in a GPU sync (TF.js WebGPU: submit
 * per dispatch, then onSubmittedWorkDone; wasm computes synchronously inside the op).
 * BENCH_RUNS (default 5) sets the timed runs per case; medians are reported.
 */
import { createGpu, describeGpu, tensor, type Gpu } from '../src/index.ts';
import { matmulVariant, matmulWith, subgroupMatmulFits, type MatmulVariant } from '../src/ops/matmul.ts';
import { gflops, loadPeers, RUNS, tf, tfBackend, time, values, type Timing } from './harness.ts';

const SAMPLES = 64;

interface Case {
  name: string;
  m: number;
  k: number;
  n: number;
  transposeB: boolean;
}

const CASES: Case[] = [
  { name: '512³', m: 512, k: 512, n: 512, transposeB: false },
  { name: '1024³', m: 1024, k: 1024, n: 1024, transposeB: false },
  { name: '1024³, B [N, K] read transposed', m: 1024, k: 1024, n: 1024, transposeB: true },
  { name: 'Indian Pines 21025 pixels × 200 bands · [200, 64]', m: 145 * 145, k: 200, n: 64, transposeB: false },
];

/** Compares sampled entries of y with float64 dot products; throws naming the implementation. */
function check(who: string, c: Case, a: Float32Array, b: Float32Array, y: ArrayLike<number>): void {
  for (let s = 0; s < SAMPLES; s++) {
    const i = (s * 7919) % c.m;
    const j = (s * 104729 + 13) % c.n;
    let ref = 0;
    for (let p = 0; p < c.k; p++) ref += a[i * c.k + p] * (c.transposeB ? b[j * c.k + p] : b[p * c.n + j]);
    const got = y[i * c.n + j];
    if (!(Math.abs(got - ref) <= 1e-4 * Math.sqrt(c.k) * (1 + Math.abs(ref)))) {
      throw new Error(`bench ${who} ${c.name}: entry [${i}, ${j}]: expected ${ref}, got ${got}`);
    }
  }
}

type Result = Timing & { gflops: number };
const flops = (c: Case): number => 2 * c.m * c.n * c.k;

async function engine(gpu: Gpu, v: MatmulVariant, c: Case, a: Float32Array, b: Float32Array): Promise<Result> {
  const at = tensor(gpu, a, [c.m, c.k]);
  const bt = tensor(gpu, b, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
  const y0 = matmulWith(v, at, bt, { transposeB: c.transposeB });
  check(`hsi ${v}`, c, a, b, await y0.data());
  y0.dispose();
  const t = await time(async () => {
    const y = matmulWith(v, at, bt, { transposeB: c.transposeB });
    await gpu.sync();
    y.dispose();
  });
  at.dispose();
  bt.dispose();
  return { ...t, gflops: gflops(flops(c), t) };
}

async function tfjs(backend: 'webgpu' | 'wasm', c: Case, a: Float32Array, b: Float32Array): Promise<Result> {
  const sync = await tfBackend(backend);
  const at = tf.tensor2d(a, [c.m, c.k]);
  const bt = tf.tensor2d(b, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
  const y0 = tf.matMul(at, bt, false, c.transposeB);
  check(`tfjs-${backend}`, c, a, b, await y0.data());
  y0.dispose();
  const t = await time(async () => {
    const y = tf.matMul(at, bt, false, c.transposeB);
    await sync();
    y.dispose();
  });
  at.dispose();
  bt.dispose();
  return { ...t, gflops: gflops(flops(c), t) };
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const kernels: MatmulVariant[] = subgroupMatmulFits(gpu) ? ['subgroup', 'tiled'] : ['tiled'];
const rows: Record<string, unknown>[] = [];
for (const [i, c] of CASES.entries()) {
  const a = values(c.m * c.k, 2 * i + 1);
  const b = values(c.k * c.n, 2 * i + 2);
  const row: Record<string, unknown> = { case: c.name, gflop: +(flops(c) / 1e9).toFixed(3) };
  for (const v of kernels) row[`hsi ${v}`] = await engine(gpu, v, c, a, b);
  for (const p of peers) row[`tfjs ${p}`] = await tfjs(p, c, a, b);
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, default: matmulVariant(gpu), tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);
