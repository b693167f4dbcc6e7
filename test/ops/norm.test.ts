import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, sum, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { batchNorm, incrementCount, layerNorm } from '../../src/ops/norm.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { batchNormRef, layerNormRef } from '../ref/norm.ts';

const test = suite('ops/norm');

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const T = (gpu: Gpu, data: ArrayLike<number>, shape: number[]): Tensor => tensor(gpu, Float32Array.from(data), shape);

/** gradCheck of training-mode batch norm on `shape`, with or without weight and bias. */
async function bnGrad(gpu: Gpu, shape: number[], affine: boolean, seed: number): Promise<void> {
  const [n, c] = shape;
  const l = prod(shape.slice(2));
  const inputs = [{ shape, data: uniform(prod(shape), seed, -2, 2) }];
  if (affine) inputs.push({ shape: [c], data: uniform(c, seed + 1, 0.5, 1.5) }, { shape: [c], data: uniform(c, seed + 2) });
  await gradCheck(gpu, `batchNorm ${shape}`, {
    inputs,
    gpuFn: (x, w, b) => batchNorm(x, null, null, w ?? null, b ?? null, { training: true }),
    refFn: (x, w, b) => batchNormRef(x, n, c, l, null, null, w ?? null, b ?? null, true).y,
    shape,
    forward: { atol: 2e-5, rtol: 1e-5 },
  });
}

test('batchNorm training: forward and gradients of x, weight, bias match float64', async () => {
  const gpu = await testGpu();
  await bnGrad(gpu, [3, 4, 5, 3], true, 1); // 180 values, 45 per channel
  await bnGrad(gpu, [13, 7], true, 2); // BatchNorm1d layout
  await bnGrad(gpu, [2, 3, 17], false, 3); // [N, C, L], affine = false
  await bnGrad(gpu, [1, 3, 4, 5], true, 4); // N = 1 with H·W > 1 is allowed
  await bnGrad(gpu, [2, 1, 1, 1], true, 5); // two values per channel
});

test('batchNorm and layerNorm backward across chunks and row blocks match float64 (the paths BS3LNet runs)', async () => {
  const gpu = await testGpu();
  // 2·23·29 = 1334 values per channel: 21 chunks of 64 (the last one ragged), merged by Chan's formula.
  await bnGrad(gpu, [2, 3, 23, 29], true, 6);
  // 4 channels of 2·11·13 = 286 values: 5 chunks, the stats merge over a short ragged tail.
  await bnGrad(gpu, [2, 4, 11, 13], false, 7);
  // layer_norm_backward_params sums rows in blocks of 256: 530 rows are three blocks, the last ragged;
  // 70 features span two workgroups of columns.
  for (const [rows, d] of [[530, 7], [259, 70]]) {
    await gradCheck(gpu, `layerNorm [${rows}, ${d}]`, {
      inputs: [{ shape: [rows, d], data: uniform(rows * d, rows, -2, 2) }, { shape: [d], data: uniform(d, 3, 0.5, 1.5) }, { shape: [d], data: uniform(d, 4) }],
      shape: [rows, d],
      gpuFn: (x, w, b) => layerNorm(x, d, w, b),
      refFn: (x, w, b) => layerNormRef(x, rows, d, w, b),
      forward: { atol: 2e-5, rtol: 1e-5 },
    });
  }
});

test('batchNorm eval: running statistics normalise; gradients of x, weight, bias match float64', async () => {
  const gpu = await testGpu();
  const shape = [4, 5, 3, 2];
  const rmData = uniform(5, 11, -0.5, 0.5);
  const rvData = uniform(5, 12, 0.5, 2);
  const rm = T(gpu, rmData, [5]);
  const rv = T(gpu, rvData, [5]);
  await gradCheck(gpu, 'batchNorm eval', {
    inputs: [{ shape, data: uniform(120, 13) }, { shape: [5], data: uniform(5, 14, 0.5, 1.5) }, { shape: [5], data: uniform(5, 15) }],
    gpuFn: (x, w, b) => batchNorm(x, rm, rv, w, b, { training: false, eps: 1e-3 }),
    refFn: (x, w, b) => batchNormRef(x, 4, 5, 6, rmData, rvData, w, b, false, 0.1, 1e-3).y,
  });
  // Eval leaves the running statistics alone.
  assertClose('runningMean after eval', await rm.data(), rmData, { atol: 0, rtol: 0 });
  assertClose('runningVar after eval', await rv.data(), rvData, { atol: 0, rtol: 0 });
  rm.dispose();
  rv.dispose();
});

test('batchNorm running statistics over several steps follow PyTorch (unbiased variance, momentum)', async () => {
  const gpu = await testGpu();
  const [n, c, l] = [6, 3, 10];
  for (const momentum of [0.1, 0.3]) {
    let rmRef: ArrayLike<number> = new Float64Array(c);
    let rvRef: ArrayLike<number> = new Float64Array(c).fill(1);
    const rm = T(gpu, rmRef, [c]);
    const rv = T(gpu, rvRef, [c]);
    for (let step = 0; step < 4; step++) {
      const data = uniform(n * c * l, 20 + step, -1 + step, 2 + 2 * step);
      const x = T(gpu, data, [n, c, 2, 5]);
      const y = batchNorm(x, rm, rv, null, null, { training: true, momentum });
      const ref = batchNormRef(data, n, c, l, rmRef, rvRef, null, null, true, momentum);
      assertClose(`step ${step} y`, await y.data(), ref.y, { atol: 2e-5, rtol: 1e-5 });
      rmRef = ref.runningMean!;
      rvRef = ref.runningVar!;
      assertClose(`step ${step} runningMean`, await rm.data(), rmRef, { atol: 1e-6, rtol: 1e-5 });
      assertClose(`step ${step} runningVar`, await rv.data(), rvRef, { atol: 1e-6, rtol: 1e-5 });
      x.dispose();
      y.dispose();
    }
    // The eval path then uses exactly these statistics.
    const data = uniform(n * c * l, 30, -3, 3);
    const x = T(gpu, data, [n, c, l]);
    const y = batchNorm(x, rm, rv, null, null, { training: false });
    assertClose('eval after training', await y.data(), batchNormRef(data, n, c, l, rmRef, rvRef, null, null, false).y, { atol: 2e-5, rtol: 1e-5 });
    for (const t of [x, y, rm, rv]) t.dispose();
  }
});

test('batchNorm keeps its digits with an offset of 1e3 over many chunks', async () => {
  const gpu = await testGpu();
  const [n, c, l] = [7, 3, 613]; // 4291 values per channel: several chunks merged
  const data = uniform(n * c * l, 40, 999, 1001);
  const x = T(gpu, data, [n, c, l]);
  const rm = T(gpu, [0, 0, 0], [c]);
  const rv = T(gpu, [1, 1, 1], [c]);
  const y = batchNorm(x, rm, rv, null, null, { training: true });
  const ref = batchNormRef(data, n, c, l, [0, 0, 0], [1, 1, 1], null, null, true);
  // The f32 inputs near 1e3 are spaced 6e-5 apart: x − mean carries that much, no more.
  assertClose('offset y', await y.data(), ref.y, { atol: 2e-4, rtol: 0 });
  assertClose('offset runningVar', await rv.data(), ref.runningVar!, { atol: 1e-6, rtol: 1e-5 });
  assertClose('offset runningMean', await rm.data(), ref.runningMean!, { atol: 0, rtol: 1e-6 });
  for (const t of [x, y, rm, rv]) t.dispose();
});

test('batchNorm elementwise grid folded beyond 65,535 workgroups', async () => {
  const gpu = await testGpu();
  const [n, c, l] = [2, 3, 2_800_001];
  const data = uniform(n * c * l, 41, -1, 1);
  const x = T(gpu, data, [n, c, l]);
  const y = await batchNorm(x, null, null, null, null, { training: true }).data();
  const ref = batchNormRef(data, n, c, l, null, null, null, null, true).y;
  assertClose('large batchNorm', y, ref, { atol: 3e-5, rtol: 1e-5 });
  x.dispose();
});

test('layerNorm: forward and gradients of x, weight, bias match float64', async () => {
  const gpu = await testGpu();
  const cases: [number[], number[], boolean][] = [[[7, 13], [13], true], [[3, 4, 5], [4, 5], true], [[2, 3, 32], [32], false], [[1, 9], [9], true], [[5, 1], [1], true]];
  for (const [shape, ns, affine] of cases) {
    const d = prod(ns);
    const rows = prod(shape) / d;
    const inputs = [{ shape, data: uniform(prod(shape), d, -2, 2) }];
    if (affine) inputs.push({ shape: ns, data: uniform(d, 3, 0.5, 1.5) }, { shape: ns, data: uniform(d, 4) });
    await gradCheck(gpu, `layerNorm ${shape}`, {
      inputs,
      gpuFn: (x, w, b) => layerNorm(x, ns.length === 1 ? ns[0] : ns, w ?? null, b ?? null),
      refFn: (x, w, b) => layerNormRef(x, rows, d, w ?? null, b ?? null),
      forward: { atol: 2e-5, rtol: 1e-5 },
    });
  }
});

test('layerNorm keeps its digits with an offset of 1e3; 1000 rows', async () => {
  const gpu = await testGpu();
  const data = uniform(1000 * 32, 50, 999, 1001);
  const x = T(gpu, data, [1000, 32]);
  const y = layerNorm(x, 32);
  assertClose('offset layerNorm', await y.data(), layerNormRef(data, 1000, 32, null, null), { atol: 2e-4, rtol: 0 });
  x.dispose();
  y.dispose();
});

test('only the wanted gradients are made; nothing leaks; num_batches_tracked counts', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const x = T(gpu, uniform(60, 60), [4, 3, 5]);
  const w = T(gpu, [1, 2, 3], [3]);
  const b = T(gpu, [0, 1, 0], [3]);
  w.requiresGrad = true;
  for (const training of [true, false]) {
    const rm = T(gpu, [0, 0, 0], [3]);
    const rv = T(gpu, [1, 1, 1], [3]);
    const y = batchNorm(x, rm, rv, w, b, { training });
    const loss = sum(y);
    backward(loss);
    assert.ok(w.grad && !b.grad && !x.grad);
    w.grad!.dispose();
    w.grad = null;
    for (const t of [y, loss, rm, rv]) t.dispose();
  }
  const w5 = T(gpu, [1, 2, 3, 4, 5], [5]);
  w5.requiresGrad = true;
  const y2 = layerNorm(x, 5, w5);
  const loss2 = sum(y2);
  backward(loss2);
  assert.ok(w5.grad && !x.grad);
  for (const t of [y2, loss2, w5]) t.dispose();
  const count = tensor(gpu, new Int32Array([4]), [], 'i32');
  incrementCount(count);
  incrementCount(count);
  assert.equal(Array.from(await count.data()), [6]);
  for (const t of [x, w, b, count]) t.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = T(gpu, uniform(6, 1), [2, 3]);
  const v3 = T(gpu, [1, 1, 1], [3]);
  const v2 = T(gpu, [1, 1], [2]);
  const one = T(gpu, [1, 2, 3], [1, 3]);
  throwsLike(() => batchNorm(one, null, null, null, null, { training: true }), GpuUsageError, /batchNorm: input: expected more than 1 value per channel when training, got shape \[1, 3\]/);
  throwsLike(() => batchNorm(T(gpu, [1, 2], [2]), null, null, null, null, { training: true }), GpuUsageError, /batchNorm: input: expected shape \[N, C, \.\.\.\]/);
  throwsLike(() => batchNorm(x, v2, v2, null, null, { training: true }), GpuUsageError, /batchNorm: runningMean: expected shape \[3\], got \[2\]/);
  throwsLike(() => batchNorm(x, v3, null, null, null, { training: true }), GpuUsageError, /batchNorm: running statistics: expected both/);
  throwsLike(() => batchNorm(x, null, null, null, null, { training: false }), GpuUsageError, /batchNorm: running statistics: expected runningMean and runningVar in evaluation mode/);
  throwsLike(() => batchNorm(x, null, null, v2, null, { training: true }), GpuUsageError, /batchNorm: weight: expected shape \[3\], got \[2\]/);
  throwsLike(() => batchNorm(x, null, null, null, null, { training: true, eps: -1 }), GpuUsageError, /batchNorm: eps: expected a number ≥ 0/);
  throwsLike(() => batchNorm(x, null, null, null, null, { training: true, momentum: NaN }), GpuUsageError, /batchNorm: momentum: expected a finite number/);
  throwsLike(() => layerNorm(x, 2), GpuUsageError, /layerNorm: normalizedShape: expected trailing dimensions of \[2, 3\], got \[2\]/);
  throwsLike(() => layerNorm(x, 3, v2), GpuUsageError, /layerNorm: weight: expected shape \[3\], got \[2\]/);
  throwsLike(() => layerNorm(x, [2, 3, 1]), GpuUsageError, /layerNorm: normalizedShape: expected trailing dimensions/);
  throwsLike(() => incrementCount(v3), GpuUsageError, /incrementCount: input 0 dtype: expected i32, got f32/);
  for (const t of [x, v3, v2, one]) t.dispose();
});

test.run();
