import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Gpu, type Shape, type Tensor } from '../../src/index.ts';
import { assertClose, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { reduceRef, rowSums, type groupFns } from '../ref/reduce.ts';

const test = suite('ops/reduce');
type Axes = number | number[] | undefined;
type ReduceFn = (x: Tensor, axes?: Axes, keepdim?: boolean) => Tensor;
const BASIC: [name: 'sum' | 'mean' | 'max' | 'min', fn: ReduceFn][] = [['sum', ops.sum], ['mean', ops.mean], ['max', ops.max], ['min', ops.min]];

/** Every subset of the axes of a rank-r tensor, as lists. */
function subsets(r: number): number[][] {
  return Array.from({ length: 1 << r }, (_, m) => Array.from({ length: r }, (_, i) => i).filter((i) => m & (1 << i)));
}

/** Small integers: every partial sum is exact in f32, so sums compare with atol 0. */
function ints(n: number, seed: number, span = 7): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(r() * (2 * span + 1)) - span);
}

async function check(gpu: Gpu, name: keyof typeof groupFns, fn: ReduceFn, data: Float32Array, shape: Shape, axes: Axes, keepdim: boolean, atol = 2e-6): Promise<void> {
  const x = tensor(gpu, data, shape);
  const y = fn(x, axes, keepdim);
  const ref = reduceRef(name, data, shape, axes, keepdim);
  const what = `${name} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)} keepdim ${keepdim}`;
  assert.equal(y.shape, ref.shape, `${what}: shape`);
  assertClose(what, await y.data(), ref.data, { atol, rtol: 2e-6 });
  x.dispose();
  y.dispose();
}

test('sum, mean, max, min over every axis set of a rank-4 tensor, keepdim both ways', async () => {
  const gpu = await testGpu();
  const shape = [3, 5, 7, 11];
  const data = uniform(3 * 5 * 7 * 11, 1, -2, 2);
  for (const [name, fn] of BASIC) {
    for (const axes of subsets(4)) {
      for (const keepdim of [false, true]) await check(gpu, name, fn, data, shape, axes, keepdim);
    }
    await check(gpu, name, fn, data, shape, undefined, false);
    await check(gpu, name, fn, data, shape, undefined, true);
  }
});

test('negative axes, a single number axis, size-1 dimensions, rank 0, and empty axes copy', async () => {
  const gpu = await testGpu();
  const data = uniform(63, 2, -2, 2);
  for (const [name, fn] of BASIC) {
    await check(gpu, name, fn, data, [1, 7, 1, 9], [-1, -3], false);
    await check(gpu, name, fn, data, [1, 7, 1, 9], [0, 2], true);
    await check(gpu, name, fn, data, [1, 7, 1, 9], -2, false);
    await check(gpu, name, fn, data, [7, 9], 1, true);
    await check(gpu, name, fn, data, [63], [], false);
    await check(gpu, name, fn, data.subarray(0, 1), [], undefined, false);
    await check(gpu, name, fn, data.subarray(0, 1), [1, 1], [0, 1], true);
  }
});

test('long rows take the chunked two-pass path: [3, 100003] over axis 1, [200001] over all', async () => {
  const gpu = await testGpu();
  const data = ints(3 * 100003, 3);
  for (const name of ['sum', 'max', 'min'] as const) {
    const fn = BASIC.find((b) => b[0] === name)![1];
    const x = tensor(gpu, data, [3, 100003]);
    assertClose(`${name} rows`, await fn(x, 1).data(), rowSums(data, 3, 100003, name), { atol: 0, rtol: 0 });
    const all = tensor(gpu, data.subarray(0, 200001));
    assertClose(`${name} all`, await fn(all).data(), rowSums(data, 1, 200001, name), { atol: 0, rtol: 0 });
  }
  // Many outputs and rows longer than the longest chunk (1024): split for accuracy alone.
  const wide = ints(4096 * 1025, 9);
  const xw = tensor(gpu, wide, [4096, 1025]);
  assertClose('sum [4096, 1025]', await ops.sum(xw, 1).data(), rowSums(wide, 4096, 1025, 'sum'), { atol: 0, rtol: 0 });
  assert.equal(Array.from(await ops.argmax(xw, 1).data()), Array.from(reduceRef('argmax', wide.subarray(0, 4096 * 1025), [4096, 1025], 1).data));
  xw.dispose();
  const x = tensor(gpu, data, [3, 100003]);
  assertClose('mean rows', await ops.mean(x, -1).data(), rowSums(data, 3, 100003, 'sum').map((s) => s / 100003), { atol: 0, rtol: 1e-6 });
});

test('columns: [1000, 37] over axis 0, a chunked middle axis [5, 3000, 7], and outer axes [0, 2]', async () => {
  const gpu = await testGpu();
  for (const [name, fn] of BASIC) {
    await check(gpu, name, fn, ints(37000, 4), [1000, 37], 0, false, 0);
    await check(gpu, name, fn, ints(105000, 5), [5, 3000, 7], 1, true, 0);
    await check(gpu, name, fn, ints(105000, 6), [5, 3000, 7], [0, 2], false, 0);
  }
});

test('more than 65,535 workgroups: rows [4194400, 2], columns [4194400, 1, 2], argmax; [70001, 3]', async () => {
  const gpu = await testGpu();
  const rows = 65535 * 64 + 160;
  const data = ints(rows * 2, 7);
  const pairs = rowSums(data, rows, 2, 'sum');
  const x = tensor(gpu, data, [rows, 2]);
  assertClose('sum [4194400, 2] axis 1', await ops.sum(x, 1).data(), pairs, { atol: 0, rtol: 0 });
  const am = await ops.argmax(x, 1).data();
  const firstBad = am.findIndex((v, r) => v !== (data[2 * r + 1] > data[2 * r] ? 1 : 0));
  assert.is(firstBad, -1, `argmax: first wrong row ${firstBad}`);
  // One invocation per four columns: 4194400 invocations of the wide kernel.
  const xc = tensor(gpu, data, [rows, 1, 2]);
  assertClose('max [4194400, 1, 2] axis 1', await ops.max(xc, 1).data(), data, { atol: 0, rtol: 0 });
  const small = tensor(gpu, data.subarray(0, 70001 * 3), [70001, 3]);
  assertClose('sum [70001, 3]', await ops.sum(small, 1).data(), rowSums(data, 70001, 3, 'sum'), { atol: 0, rtol: 0 });
  for (const t of [x, xc, small]) t.dispose();
});

test('gradients of sum, mean, max, min over axis sets (float64 finite differences)', async () => {
  const gpu = await testGpu();
  const shape = [3, 4, 5];
  for (const [name, fn] of BASIC) {
    for (const [axes, keepdim] of [[[0, 2], false], [[1], true], [undefined, false], [[-1, 0, 1], true], [[], false]] as [Axes, boolean][]) {
      await gradCheck(gpu, `${name} axes ${JSON.stringify(axes)}`, {
        inputs: [{ shape, data: uniform(60, 11, -2, 2) }],
        gpuFn: (x) => fn(x, axes, keepdim),
        refFn: (x) => reduceRef(name, x, shape, axes, keepdim).data,
        shape: reduceRef(name, new Float64Array(60), shape, axes, keepdim).shape,
      });
    }
  }
});

test('max and min ties share the gradient evenly (torch.amax)', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [2, 2, 1, 2, 5, -1, 5, -1], [2, 4]);
  x.requiresGrad = true;
  const cases: [ReduceFn, Axes, number[]][] = [
    [ops.max, undefined, [0, 0, 0, 0, 0.5, 0, 0.5, 0]],
    [ops.max, 1, [1 / 3, 1 / 3, 0, 1 / 3, 0.5, 0, 0.5, 0]],
    [ops.min, 1, [0, 0, 1, 0, 0, 0.5, 0, 0.5]],
    [ops.min, 0, [1, 0, 1, 0, 0, 1, 0, 1]],
  ];
  for (const [i, [fn, axes, want]] of cases.entries()) {
    const y = ops.sum(fn(x, axes));
    ops.backward(y);
    assertClose(`tie gradient, case ${i}`, await x.grad!.data(), want, { atol: 1e-7, rtol: 0 });
    x.grad!.dispose();
    x.grad = null;
    y.dispose();
  }
  x.dispose();
});

test('variance (unbiased and biased), logsumexp: forward and gradients over axis sets', async () => {
  const gpu = await testGpu();
  const shape = [3, 4, 5];
  const cases: [Axes, boolean][] = [[[0, 2], false], [1, true], [undefined, false], [[-1, -2], true]];
  for (const [axes, keepdim] of cases) {
    for (const unbiased of [true, false]) {
      await gradCheck(gpu, `variance axes ${JSON.stringify(axes)} unbiased ${unbiased}`, {
        inputs: [{ shape, data: uniform(60, 12, -2, 2) }],
        gpuFn: (x) => ops.variance(x, axes, keepdim, unbiased),
        refFn: (x) => reduceRef(unbiased ? 'varUnbiased' : 'varBiased', x, shape, axes, keepdim).data,
        shape: reduceRef('varBiased', new Float64Array(60), shape, axes, keepdim).shape,
      });
    }
    await gradCheck(gpu, `logsumexp axes ${JSON.stringify(axes)}`, {
      inputs: [{ shape, data: uniform(60, 13, -4, 4) }],
      gpuFn: (x) => ops.logsumexp(x, axes, keepdim),
      refFn: (x) => reduceRef('logsumexp', x, shape, axes, keepdim).data,
      shape: reduceRef('logsumexp', new Float64Array(60), shape, axes, keepdim).shape,
    });
  }
});

test('variance and logsumexp on long rows, chunked, and logsumexp of ±1e4 does not overflow', async () => {
  const gpu = await testGpu();
  const data = uniform(3 * 100003, 14, -3, 5);
  // One outlier per row, first, middle and last: a kernel that drops an element at a row's start,
  // a chunk seam or its end moves the variance by ≥ 4e-3 and logsumexp by ≥ 0.07 (e¹² in a sum of ~2e6).
  for (const [row, at] of [[0, 0], [1, 50001], [2, 100002]]) data[row * 100003 + at] = 12;
  for (const [name, fn, tol] of [
    ['varUnbiased', (x: Tensor) => ops.variance(x, 1), { atol: 0, rtol: 1e-5 }],
    ['logsumexp', (x: Tensor) => ops.logsumexp(x, 1), { atol: 0, rtol: 1e-6 }],
  ] as const) {
    const x = tensor(gpu, data, [3, 100003]);
    const want = reduceRef(name, data, [3, 100003], 1).data;
    assertClose(name, await fn(x).data(), want, tol);
    // The tolerance is finer than what dropping the outlier does to the reference.
    for (const [row, at] of [[0, 0], [1, 50001], [2, 100002]]) {
      const dropped = Float32Array.from(data.subarray(row * 100003, (row + 1) * 100003)).filter((_, i) => i !== at);
      const moved = reduceRef(name, dropped, [1, 100002], 1).data[0];
      assert.ok(Math.abs(moved - want[row]) > 10 * tol.rtol * Math.abs(want[row]), `${name}: dropping element ${at} of row ${row} is detectable`);
    }
    x.dispose();
  }
  await check(gpu, 'varBiased', (x, a, k) => ops.variance(x, a, k, false), uniform(105000, 15, 1, 3), [5, 3000, 7], [0, 1], false, 1e-6);
  // A large mean (1000) on a small spread: E[x²] − E[x]² in f32 would be off by ~0.06 here.
  const shifted = uniform(7 * 5000, 19, 999, 1001);
  await check(gpu, 'varUnbiased', ops.variance, shifted, [7, 5000], 1, false, 1e-6);
  await check(gpu, 'varUnbiased', ops.variance, shifted, [5000, 7], 0, true, 1e-6);
  await check(gpu, 'varUnbiased', ops.variance, shifted, [7, 50, 100], [0, 2], false, 1e-6);
  await check(gpu, 'logsumexp', ops.logsumexp, uniform(105000, 16, -9, 9), [5, 3000, 7], [0, 2], true, 1e-5);
  const big = Float32Array.from([1e4, -1e4, 9999, 3, -1e4, -1e4, -9990, -1e4]);
  await check(gpu, 'logsumexp', ops.logsumexp, big, [2, 4], 1, false);
  await check(gpu, 'logsumexp', ops.logsumexp, big, [2, 4], 0, true);
  await check(gpu, 'logsumexp', ops.logsumexp, big, [8], undefined, false);
});

test('argmax and argmin: i32 indices along any axis, first index on ties, chunked long rows', async () => {
  const gpu = await testGpu();
  const shape = [3, 5, 7, 11];
  const data = ints(1155, 17, 3); // small integers: many ties
  for (const [name, fn] of [['argmax', ops.argmax], ['argmin', ops.argmin]] as const) {
    for (const axis of [0, 1, 2, 3, -1, undefined]) {
      for (const keepdim of [false, true]) {
        const x = tensor(gpu, data, shape);
        const y = fn(x, axis, keepdim);
        const ref = reduceRef(name, data, shape, axis, keepdim);
        assert.is(y.dtype, 'i32');
        assert.is(y.tracked, false);
        assert.equal(y.shape, ref.shape, `${name} axis ${axis} keepdim ${keepdim}: shape`);
        assert.equal(Array.from(await y.data()), Array.from(ref.data), `${name} axis ${axis} keepdim ${keepdim}`);
        x.dispose();
        y.dispose();
      }
    }
    // Long rows and the flattened case take the chunk-and-merge path; ties again.
    const long = ints(2 * 100003, 18, 50);
    const x = tensor(gpu, long, [2, 100003]);
    assert.equal(Array.from(await fn(x, 1).data()), Array.from(reduceRef(name, long, [2, 100003], 1).data));
    assert.equal(Array.from(await fn(x).data()), Array.from(reduceRef(name, long, [2 * 100003], 0).data));
    x.dispose();
  }
  const one = tensor(gpu, [4], [1]);
  assert.equal(Array.from(await ops.argmax(one).data()), [0]);
  const req = tensor(gpu, [1, 3, 2]);
  req.requiresGrad = true;
  assert.is(ops.argmax(req, 0).tracked, false);
});

test('zero-size inputs: a sum over an empty axis is 0, mean and max refuse it', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [], [4, 0]);
  const s = ops.sum(x, 1);
  assert.equal(s.shape, [4]);
  assert.equal(Array.from(await s.data()), [0, 0, 0, 0]);
  assert.equal(ops.sum(x, 0).shape, [0]);
  throwsLike(() => ops.mean(x, 1), GpuUsageError, /mean: axes: expected a non-empty reduction, got \[4, 0\] over \[1\]/);
  throwsLike(() => ops.max(x, 1), GpuUsageError, /max: axes: expected non-empty axes, got \[4, 0\] over \[1\]/);
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(6, 1), [2, 3]);
  throwsLike(() => ops.sum(x, 2), GpuUsageError, /sum: axis: expected an integer in \[-2, 1\], got 2/);
  throwsLike(() => ops.max(x, [0, -2]), GpuUsageError, /max: axes: expected distinct axes, got \[0, -2\]/);
  throwsLike(() => ops.mean(x, 0.5), GpuUsageError, /mean: axis: expected an integer/);
  throwsLike(() => ops.min(tensor(gpu, new Int32Array([1]))), GpuUsageError, /min: input 0 dtype: expected f32, got i32/);
  throwsLike(() => ops.variance(tensor(gpu, [1, 2], [2, 1]), 1), GpuUsageError, /variance: axes: expected more than 1 element\(s\) per reduction \(unbiased\), got \[2, 1\] over \[1\]/);
  throwsLike(() => ops.logsumexp(tensor(gpu, [], [2, 0]), -1), GpuUsageError, /logsumexp: axes: expected non-empty axes, got \[2, 0\] over \[1\]/);
  throwsLike(() => ops.argmax(x, 2), GpuUsageError, /argmax: axis: expected an integer in \[-2, 1\], got 2/);
  throwsLike(() => ops.argmin(tensor(gpu, [], [0])), GpuUsageError, /argmin: input: expected a non-empty reduction, got \[0\] over \[0\]/);
  x.dispose();
  throwsLike(() => ops.sum(x), GpuUsageError, /sum: tensor #\d+ \[2, 3\]: expected a live tensor/);
});

test('no leaks: a forward and backward of every reduction returns every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const x = tensor(gpu, uniform(3 * 70 * 5, 3), [3, 70, 5]);
  x.requiresGrad = true;
  const more: ReduceFn[] = [ops.logsumexp, (t, a, k) => ops.variance(t, a, k, false)];
  for (const fn of [...BASIC.map((b) => b[1]), ...more]) {
    const m = fn(x, [0, 2]);
    const y = ops.sum(m);
    ops.backward(y);
    m.dispose();
    y.dispose();
  }
  ops.argmax(x, 1).dispose();
  x.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
