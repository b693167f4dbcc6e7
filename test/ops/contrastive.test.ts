import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, liveGraphNodes, scope, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { barlowTwins, clusterContrastive, contrastiveTuning, MAX_PARTIALS, ntXent } from '../../src/ops/contrastive.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { barlowTwinsRef, clusterContrastiveRef, ntXentGradRef, ntXentRef } from '../ref/contrastive.ts';

const test = suite('ops/contrastive');
const DEFAULT_BLOCK = contrastiveTuning.block;
const DEFAULT_MATRIX_BYTES = contrastiveTuning.matrixBytes;

/**
 * Runs `fn` on the streamed NT-Xent path (no 2N × 2N matrix) with partials of `block` columns,
 * restoring the defaults after.
 */
async function withBlock(block: number, fn: () => Promise<void>): Promise<void> {
  contrastiveTuning.block = block;
  contrastiveTuning.matrixBytes = 0;
  try {
    await fn();
  } finally {
    contrastiveTuning.block = DEFAULT_BLOCK;
    contrastiveTuning.matrixBytes = DEFAULT_MATRIX_BYTES;
  }
}

/** Runs `fn` on both NT-Xent paths: materialised (the default at test sizes) and streamed. */
async function bothPaths(fn: (path: string) => Promise<void>): Promise<void> {
  await fn('matrix');
  await withBlock(DEFAULT_BLOCK, () => fn('streamed'));
}

const views = (n: number, f: number, seed: number, lo = -1, hi = 1) => [
  { shape: [n, f], data: uniform(n * f, seed, lo, hi) },
  { shape: [n, f], data: uniform(n * f, seed + 1, lo, hi) },
];

test('ntXent matches float64 and differentiates, both paths (N=7, D=5; temperatures; N=1)', async () => {
  const gpu = await testGpu();
  await bothPaths(async (path) => {
    for (const [n, d, tau] of [[7, 5, 0.5], [7, 5, 0.2], [7, 5, 1.5], [1, 3, 0.5], [3, 1, 0.5], [9, 8, 0.1]]) {
      await gradCheck(gpu, `ntXent ${path} N=${n} D=${d} τ=${tau}`, {
        inputs: views(n, d, n * 10 + d), gpuFn: (a, b) => ntXent(a, b, tau), refFn: (a, b) => [ntXentRef(a, b, n, d, tau)], shape: [],
      });
    }
  });
});

test('ntXent streams: partials of 1, 3 and 5 columns merge to the same loss and gradient', async () => {
  const gpu = await testGpu();
  for (const block of [1, 3, 5]) {
    await withBlock(block, () => gradCheck(gpu, `ntXent block ${block}`, {
      inputs: views(7, 5, 3), gpuFn: (a, b) => ntXent(a, b, 0.3), refFn: (a, b) => [ntXentRef(a, b, 7, 5, 0.3)], shape: [],
    }));
  }
});

test('ntXent over several workgroups of rows (2N = 40, 42 > 32) and column tiles, all paths', async () => {
  const gpu = await testGpu();
  for (const [n, d, block] of [[20, 6, 0], [20, 6, DEFAULT_BLOCK], [21, 5, 7]]) {
    const check = () => gradCheck(gpu, `ntXent N=${n} D=${d} ${block ? `streamed, block ${block}` : 'matrix'}`, {
      inputs: views(n, d, 40 + n), gpuFn: (a, b) => ntXent(a, b, 0.4), refFn: (a, b) => [ntXentRef(a, b, n, d, 0.4)], shape: [],
    });
    await (block ? withBlock(block, check) : check());
  }
});

test('the analytic float64 ntXent gradient agrees with central differences', () => {
  const [n, f, tau] = [4, 3, 0.3];
  const a = Float64Array.from(uniform(n * f, 51));
  const b = Float64Array.from(uniform(n * f, 52));
  const fd = new Float64Array(2 * n * f);
  for (let i = 0; i < fd.length; i++) {
    const shifted = (h: number): number => {
      const [pa, pb] = [a.slice(), b.slice()];
      (i < n * f ? pa : pb)[i % (n * f)] += h;
      return ntXentRef(pa, pb, n, f, tau);
    };
    fd[i] = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
  }
  assertClose('ntXentGradRef vs central differences', ntXentGradRef(a, b, n, f, tau), fd, { atol: 1e-7, rtol: 1e-6 });
});

/** The loss and both gradients of ntXent(zi, zj) with dL/dy = 1. */
async function lossAndGrads(gpu: Gpu, a: Float32Array, b: Float32Array, n: number, d: number, tau: number): Promise<[number, Float32Array]> {
  const [xa, xb] = [tensor(gpu, a, [n, d]), tensor(gpu, b, [n, d])];
  xa.requiresGrad = true;
  xb.requiresGrad = true;
  const y = ntXent(xa, xb, tau);
  backward(y);
  const out: [number, Float32Array] = [(await y.data())[0], Float32Array.from([...(await xa.grad!.data()), ...(await xb.grad!.data())])];
  for (const t of [xa, xb, y]) t.dispose();
  return out;
}

test(`ntXent caps the partials at ${MAX_PARTIALS}: block 1 on 2N = 600 rows`, async () => {
  const gpu = await testGpu();
  const [n, d] = [300, 3];
  const [a, b] = [uniform(n * d, 61), uniform(n * d, 62)];
  await withBlock(1, async () => {
    const [loss, grads] = await lossAndGrads(gpu, a, b, n, d, 0.5);
    assertClose('ntXent block 1 capped: loss', [loss], [ntXentRef(a, b, n, d, 0.5)], { atol: 1e-5, rtol: 1e-5 });
    assertClose('ntXent block 1 capped: grads', grads, ntXentGradRef(a, b, n, d, 0.5), { atol: 1e-6, rtol: 1e-3 });
  });
});

test('ntXent is stable at τ=0.05 with near-identical rows', async () => {
  const gpu = await testGpu();
  const base = uniform(5, 11);
  const noisy = (seed: number) => {
    const jitter = uniform(6 * 5, seed, -1e-3, 1e-3);
    return Float32Array.from(jitter, (v, i) => base[i % 5] + v);
  };
  await bothPaths(async (path) => {
    await gradCheck(gpu, `ntXent ${path} τ=0.05 near-identical`, {
      inputs: [{ shape: [6, 5], data: noisy(1) }, { shape: [6, 5], data: noisy(2) }],
      gpuFn: (a, b) => ntXent(a, b, 0.05), refFn: (a, b) => [ntXentRef(a, b, 6, 5, 0.05)], shape: [],
    });
    // Identical unit rows: every logit is 1/τ = 20 (or 2000), the loss is log(2N − 1) exactly.
    for (const tau of [0.05, 0.0005]) {
      const same = Float32Array.from({ length: 6 * 5 }, (_, i) => base[i % 5]);
      const y = scope(() => ntXent(tensor(gpu, same, [6, 5]), tensor(gpu, same, [6, 5]), tau));
      assertClose(`ntXent ${path} identical rows τ=${tau}`, await y.data(), [Math.log(11)], { atol: 1e-4, rtol: 1e-4 });
      y.dispose();
    }
  });
});

test('ntXent 2×512×128 forward and backward match float64 (matrix; streamed: one partial and eight)', async () => {
  const gpu = await testGpu();
  const n = 512;
  const d = 128;
  const a = uniform(n * d, 21);
  const b = uniform(n * d, 22);
  const ref = ntXentRef(a, b, n, d, 0.5);
  const gradRef = ntXentGradRef(a, b, n, d, 0.5);
  for (const block of [0, DEFAULT_BLOCK, 128]) {
    const check = async (): Promise<void> => {
      const y = scope(() => ntXent(tensor(gpu, a, [n, d]), tensor(gpu, b, [n, d]), 0.5));
      assertClose(`ntXent 2×512×128 block ${block}`, await y.data(), [ref], { atol: 1e-5, rtol: 1e-5 });
      y.dispose();
      // Gradients are ~1e-4 per entry: the absolute floor sits well below that.
      const [loss, grads] = await lossAndGrads(gpu, a, b, n, d, 0.5);
      assertClose(`ntXent 2×512×128 block ${block} (with grad)`, [loss], [ref], { atol: 1e-5, rtol: 1e-5 });
      assertClose(`ntXent 2×512×128 block ${block} grads`, grads, gradRef, { atol: 1e-7, rtol: 1e-3 });
    };
    await (block ? withBlock(block, check) : check()); // block 0: the materialised path
  }
});

test('ntXent is deterministic and frees its temporaries', async () => {
  const gpu = await testGpu();
  const [va, vb] = views(33, 7, 5);
  const run = async (): Promise<Float32Array> => {
    const xa = tensor(gpu, va.data, va.shape);
    const xb = tensor(gpu, vb.data, vb.shape);
    xa.requiresGrad = true;
    xb.requiresGrad = true;
    const y = ntXent(xa, xb, 0.5);
    backward(y);
    const out = Float32Array.from([...(await y.data()), ...(await xa.grad!.data()), ...(await xb.grad!.data())]);
    for (const t of [xa, xb, y]) t.dispose();
    return out;
  };
  await bothPaths(async (path) => {
    const first = await run();
    const live = gpu.stats().liveBytes;
    const second = await run();
    assert.equal(Array.from(second), Array.from(first), `ntXent ${path}: the same bits twice`);
    assert.is(gpu.stats().liveBytes, live, `ntXent ${path}: no buffer left behind`);
    assert.is(liveGraphNodes(), 0);
  });
});

test('clusterContrastive matches float64 and differentiates (N=7, K=3)', async () => {
  const gpu = await testGpu();
  for (const [n, k, tau] of [[7, 3, 0.2], [7, 3, 1.0], [10, 4, 0.5]]) {
    await gradCheck(gpu, `clusterContrastive N=${n} K=${k} τ=${tau}`, {
      inputs: views(n, k, n + k, 0.05, 1), gpuFn: (a, b) => clusterContrastive(a, b, tau),
      refFn: (a, b) => [clusterContrastiveRef(a, b, n, k, tau)], shape: [],
    });
  }
});

test('barlowTwins matches float64 and differentiates (N=7, K=3; λ)', async () => {
  const gpu = await testGpu();
  for (const [n, k, lambda] of [[7, 3, 0.005], [7, 3, 0.5], [2, 5, 0.005], [12, 9, 0.1]]) {
    await gradCheck(gpu, `barlowTwins N=${n} K=${k} λ=${lambda}`, {
      inputs: views(n, k, 3 * n + k, 0, 1), gpuFn: (a, b) => barlowTwins(a, b, lambda),
      refFn: (a, b) => [barlowTwinsRef(a, b, n, k, lambda)], shape: [],
    });
  }
});

test('clusterContrastive and barlowTwins free every temporary and graph node after backward', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  for (const loss of [clusterContrastive, barlowTwins]) {
    const [va, vb] = views(9, 4, 71, 0.05, 1);
    const xs: Tensor[] = [tensor(gpu, va.data, va.shape), tensor(gpu, vb.data, vb.shape)];
    for (const x of xs) x.requiresGrad = true;
    const y = loss(xs[0], xs[1]);
    backward(y);
    assert.ok(xs.every((x) => x.grad !== null), `${loss.name}: both views get a gradient`);
    for (const t of [...xs, y]) t.dispose();
  }
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('bad arguments throw before any GPU work', async () => {
  const gpu: Gpu = await testGpu();
  const a = tensor(gpu, uniform(12, 1), [4, 3]);
  const b = tensor(gpu, uniform(15, 2), [5, 3]);
  const v = tensor(gpu, uniform(12, 3), [12]);
  throwsLike(() => ntXent(a, b, 0.5), GpuUsageError, /ntXent: zj shape: expected \[4, 3\]/);
  throwsLike(() => ntXent(v, v, 0.5), GpuUsageError, /ntXent: zi shape: expected \[N, F\]/);
  throwsLike(() => ntXent(a, a, 0), GpuUsageError, /ntXent: temperature: expected a number > 0, got 0/);
  throwsLike(() => ntXent(a, a, -1), GpuUsageError, /ntXent: temperature: expected a number > 0/);
  throwsLike(() => ntXent(a, a, NaN), GpuUsageError, /ntXent: temperature: expected a finite number/);
  throwsLike(() => clusterContrastive(a, b, 0.2), GpuUsageError, /clusterContrastive: cj shape: expected \[4, 3\]/);
  throwsLike(() => clusterContrastive(a, a, 0), GpuUsageError, /clusterContrastive: temperature: expected a number > 0/);
  throwsLike(() => barlowTwins(a, b), GpuUsageError, /barlowTwins: cj shape: expected \[4, 3\]/);
  const one = tensor(gpu, uniform(3, 4), [1, 3]);
  throwsLike(() => barlowTwins(one, one), GpuUsageError, /barlowTwins: ci shape: expected \[N, F\] with N ≥ 2/);
  throwsLike(() => barlowTwins(a, a, Infinity), GpuUsageError, /barlowTwins: lambda: expected a finite number/);
  contrastiveTuning.block = 0;
  try {
    throwsLike(() => ntXent(a, a, 0.5), GpuUsageError, /ntXent: contrastiveTuning.block: expected a positive integer, got 0/);
  } finally {
    contrastiveTuning.block = DEFAULT_BLOCK;
  }
  for (const t of [a, b, v, one]) t.dispose();
});

test.run();
