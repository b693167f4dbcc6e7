/**
 * matmul throughput (GFLOP/s, f32): 512³, 1024³, 1024³ with B read transposed in place, and a
 * linear layer shaped like a real scene (Indian Pines, 145 × 145 pixels × 200 bands → 64 features),
 * for each kernel family the adapter runs (subgroup, tiled). Peers in the same process: TF.js
 * 4.22 with its WebGPU backend on the same adapter (a second device from the same Dawn
 * instance) and its wasm backend (SIMD, one thread) on the CPU.
 * Every implementation's result is checked against float64 dot products at sampled entries
 * before timing; warm-up is excluded; each iteration ends in a GPU sync (TF.js WebGPU: submit
 * per dispatch, then onSubmittedWorkDone; wasm computes synchronously inside the op).
 * Quick mode (--quick): 512³ and 1024³ with the default kernel only.
 */
import { createGpu, tensor, type Gpu } from '../src/index.ts';
import { matmulVariant, matmulWith, subgroupMatmulFits, type MatmulVariant } from '../src/ops/matmul.ts';
import { emit, loadPeers, QUICK, selected, tf, tfBackend, time, values, type Timing } from './harness.ts';

const SAMPLES = 64;

interface Case {
  name: string;
  m: number;
  k: number;
  n: number;
  transposeB: boolean;
}

const ALL: Case[] = [
  { name: '512³', m: 512, k: 512, n: 512, transposeB: false },
  { name: '1024³', m: 1024, k: 1024, n: 1024, transposeB: false },
  { name: '1024³, B [N, K] read transposed', m: 1024, k: 1024, n: 1024, transposeB: true },
  { name: 'Indian Pines 21025 pixels × 200 bands · [200, 64]', m: 145 * 145, k: 200, n: 64, transposeB: false },
];
const CASES = (QUICK ? ALL.slice(0, 2) : ALL).filter((c) => selected(c.name));

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

const flops = (c: Case): number => 2 * c.m * c.n * c.k;

async function engine(gpu: Gpu, v: MatmulVariant, c: Case, a: Float32Array, b: Float32Array): Promise<Timing> {
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
  return t;
}

async function tfjs(backend: 'webgpu' | 'wasm', c: Case, a: Float32Array, b: Float32Array): Promise<Timing> {
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
  return t;
}

const gpu = await createGpu();
const peers = await loadPeers(gpu);
const best = matmulVariant(gpu);
// The default kernel against the peers; the other family alone (full runs), for kernel studies.
const others: MatmulVariant[] = QUICK ? [] : (subgroupMatmulFits(gpu) ? ['subgroup', 'tiled'] : ['tiled']).filter((v) => v !== best) as MatmulVariant[];
for (const [i, c] of CASES.entries()) {
  const a = values(c.m * c.k, 2 * i + 1);
  const b = values(c.k * c.n, 2 * i + 2);
  const hsi = await engine(gpu, best, c, a, b);
  const peerTimes: Record<string, Timing> = {};
  for (const p of peers) peerTimes[`tfjs ${p}`] = await tfjs(p, c, a, b);
  emit('matmul', `${c.name} (${best})`, hsi, peerTimes, { flops: flops(c) });
  for (const v of others) emit('matmul', `${c.name} (${v})`, await engine(gpu, v, c, a, b), {}, { flops: flops(c) });
}
gpu.destroy();
process.exit(0);
