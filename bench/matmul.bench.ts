/**
 * matmul throughput (GFLOP/s, f32): 512³, 1024³, 1024³ with B read transposed in place, and a
 * linear layer over a real scene (Indian Pines, 145 × 145 pixels × 200 bands → 64 features),
 * for each kernel family the adapter runs (subgroup, tiled). Peers in the same process: TF.js
 * 4.22 with its WebGPU backend on the same adapter (a second device from the same Dawn
 * instance) and its wasm backend (SIMD, one thread) on the CPU.
 * Every implementation's result is checked against float64 dot products at sampled entries
 * before timing; warm-up is excluded; each iteration ends in a GPU sync (TF.js WebGPU: submit
 * per dispatch, then onSubmittedWorkDone; wasm computes synchronously inside the op).
 * BENCH_RUNS (default 5) sets the timed runs per case; medians are reported.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createGpu, describeGpu, tensor, type Gpu } from '../src/index.ts';
import { matmulVariant, matmulWith, subgroupMatmulFits, type MatmulVariant } from '../src/ops/matmul.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
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

interface Timing {
  medianMs: number;
  minMs: number;
  gflops: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Seeded values in [−1, 1) (an LCG: fast for 10⁶ values, quality is irrelevant here). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31) - 1);
}

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

async function time(c: Case, run: () => Promise<void>): Promise<Timing> {
  await run(); // warm-up: pipeline JIT, buffer pools
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  const med = median(ms);
  return { medianMs: +med.toFixed(2), minMs: +Math.min(...ms).toFixed(2), gflops: +((2 * c.m * c.n * c.k) / med / 1e6).toFixed(2) };
}

async function engine(gpu: Gpu, v: MatmulVariant, c: Case, a: Float32Array, b: Float32Array): Promise<Timing> {
  const at = tensor(gpu, a, [c.m, c.k]);
  const bt = tensor(gpu, b, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
  const y0 = matmulWith(v, at, bt, { transposeB: c.transposeB });
  check(`hsi ${v}`, c, a, b, await y0.data());
  y0.dispose();
  const t = await time(c, async () => {
    const y = matmulWith(v, at, bt, { transposeB: c.transposeB });
    await gpu.sync();
    y.dispose();
  });
  at.dispose();
  bt.dispose();
  return t;
}

async function tfjs(backend: 'webgpu' | 'wasm', c: Case, a: Float32Array, b: Float32Array): Promise<Timing> {
  if (!(await tf.setBackend(backend))) throw new Error(`bench: TF.js backend ${backend} failed to initialise`);
  const at = tf.tensor2d(a, [c.m, c.k]);
  const bt = tf.tensor2d(b, c.transposeB ? [c.n, c.k] : [c.k, c.n]);
  const y0 = tf.matMul(at, bt, false, c.transposeB);
  check(`tfjs-${backend}`, c, a, b, await y0.data());
  y0.dispose();
  const device = backend === 'webgpu' ? (tf.backend() as unknown as { device: GPUDevice }).device : null;
  const t = await time(c, async () => {
    const y = tf.matMul(at, bt, false, c.transposeB);
    if (device) await device.queue.onSubmittedWorkDone();
    y.dispose();
  });
  at.dispose();
  bt.dispose();
  return t;
}

/** TF.js WebGPU looks for navigator.gpu when its module loads: hand it the engine's Dawn instance. */
async function loadPeers(gpu: Gpu): Promise<string[]> {
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpu.platform.gpu() }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1); // submit each dispatch, so a queue wait is a sync
  const require = createRequire(import.meta.url);
  const wasmDir = `${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist`;
  // Its Emscripten loader reads the CommonJS __dirname, which an ESM bundle lacks.
  (globalThis as { __dirname?: string }).__dirname ??= wasmDir;
  setWasmPaths(`${wasmDir}/`);
  return ['webgpu', 'wasm'];
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const kernels: MatmulVariant[] = subgroupMatmulFits(gpu) ? ['subgroup', 'tiled'] : ['tiled'];
const rows: Record<string, unknown>[] = [];
for (const [i, c] of CASES.entries()) {
  const a = values(c.m * c.k, 2 * i + 1);
  const b = values(c.k * c.n, 2 * i + 2);
  const row: Record<string, unknown> = { case: c.name, gflop: +((2 * c.m * c.n * c.k) / 1e9).toFixed(3) };
  for (const v of kernels) row[`hsi ${v}`] = await engine(gpu, v, c, a, b);
  for (const p of peers) row[`tfjs ${p}`] = await tfjs(p as 'webgpu' | 'wasm', c, a, b);
  rows.push(row);
  console.error(JSON.stringify(row));
}
console.log(JSON.stringify({ adapter: describeGpu(gpu).adapter, default: matmulVariant(gpu), tfjs: tf.version_core, runs: RUNS, rows }, null, 2));
gpu.destroy();
process.exit(0);
