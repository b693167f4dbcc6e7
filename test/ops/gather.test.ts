import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Shape, type Tensor } from '../../src/index.ts';
import { gather, indexSelect, scatterAdd, scatterTuning } from '../../src/ops/gather.ts';
import { assertClose, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { gatherRef, indexSelectRef, scatterAddRef } from '../ref/gather.ts';

const test = suite('ops/gather');
const EXACT = { atol: 0, rtol: 0 };
const SUMS = { atol: 1e-6, rtol: 1e-6 };
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** `n` integers in [lo, hi) as the float data gradCheck uploads (converted to i32). */
function ints(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r()));
}

const index = (shape: Shape, data: Float32Array) => ({ shape, data, diff: false, dtype: 'i32' as const });

// [x shape, axis, index shape]; index values cover the axis with duplicates.
const GATHERS: [Shape, number, Shape][] = [
  [[5, 7], 1, [5, 3]],
  [[5, 7], 0, [9, 7]],
  [[4, 3, 5], -2, [2, 6, 5]],
  [[4, 3, 5], 2, [3, 2, 4]],
  [[1, 6, 1], 1, [1, 10, 1]],
  [[3, 50], 1, [3, 40]], // a fiber of 40 > scanMax: the sorted backward
  [[70], 0, [70]],
];

test('gather matches float64 and its gradient scatter-adds (scan and sort paths)', async () => {
  const gpu = await testGpu();
  for (const [xs, axis, is] of GATHERS) {
    const a = axis < 0 ? axis + xs.length : axis;
    const idx = ints(size(is), size(is), 0, xs[a]);
    await gradCheck(gpu, `gather ${xs} axis ${axis} index ${is}`, {
      inputs: [{ shape: xs, data: uniform(size(xs), 3) }, index(is, idx)],
      gpuFn: (x, i) => gather(x, axis, i), refFn: (x, i) => gatherRef(x, xs, a, i, is), forward: EXACT,
    });
  }
});

test('indexSelect matches float64 and differentiates (repeated rows, scan and sort paths)', async () => {
  const gpu = await testGpu();
  for (const [xs, axis, m] of [[[6, 5], 0, 9], [[3, 7, 2], 1, 4], [[2, 3, 11], -1, 45], [[80], 0, 33], [[4, 1, 3], 1, 5]] as [Shape, number, number][]) {
    const a = axis < 0 ? axis + xs.length : axis;
    const idx = ints(m, m, 0, xs[a]);
    await gradCheck(gpu, `indexSelect ${xs} axis ${axis} m ${m}`, {
      inputs: [{ shape: xs, data: uniform(size(xs), 4) }, index([m], idx)],
      gpuFn: (x, i) => indexSelect(x, axis, i), refFn: (x, i) => indexSelectRef(x, xs, a, i), forward: EXACT,
    });
  }
});

test('scatterAdd matches float64 and differentiates w.r.t. x and src', async () => {
  const gpu = await testGpu();
  // [x shape, axis, index shape, src shape]
  const cases: [Shape, number, Shape, Shape][] = [
    [[4, 6], 1, [4, 5], [4, 5]],
    [[4, 6], 0, [7, 6], [7, 6]],
    [[3, 4, 5], 1, [2, 6, 3], [3, 7, 5]], // src larger than the index
    [[2, 5], -1, [2, 40], [2, 40]], // sorted path
    [[1, 3, 1], 1, [1, 4, 1], [1, 4, 1]],
  ];
  for (const [xs, axis, is, ss] of cases) {
    const a = axis < 0 ? axis + xs.length : axis;
    const idx = ints(size(is), size(is) + 1, 0, xs[a]);
    await gradCheck(gpu, `scatterAdd ${xs} axis ${axis} index ${is}`, {
      inputs: [{ shape: xs, data: uniform(size(xs), 5) }, index(is, idx), { shape: ss, data: uniform(size(ss), 6) }],
      gpuFn: (x, i, s) => scatterAdd(x, axis, i, s), refFn: (x, i, s) => scatterAddRef(x, xs, a, i, is, s, ss), forward: SUMS,
    });
  }
});

test('out-of-range indices: gather and indexSelect read 0, scatterAdd skips, no gradient flows', async () => {
  const gpu = await testGpu();
  const xs = [3, 4];
  const data = uniform(12, 9);
  const idx = Float32Array.from([0, -1, 4, 3, 2, 100, -7, 1, 3, 3, 0, 5]);
  await gradCheck(gpu, 'gather out of range', {
    inputs: [{ shape: xs, data }, index(xs, idx)], gpuFn: (x, i) => gather(x, 1, i), refFn: (x, i) => gatherRef(x, xs, 1, i, xs), forward: EXACT,
  });
  await gradCheck(gpu, 'indexSelect out of range', {
    inputs: [{ shape: xs, data }, index([5], Float32Array.from([2, 3, -1, 0, 3]))],
    gpuFn: (x, i) => indexSelect(x, 0, i), refFn: (x, i) => indexSelectRef(x, xs, 0, i), forward: EXACT,
  });
  await gradCheck(gpu, 'indexSelect out of range, middle axis', {
    inputs: [{ shape: xs, data }, index([4], Float32Array.from([4, 1, -1, 3]))],
    gpuFn: (x, i) => indexSelect(x, 1, i), refFn: (x, i) => indexSelectRef(x, xs, 1, i), forward: EXACT,
  });
  for (const scanMax of [0, 32]) {
    scatterTuning.scanMax = scanMax;
    await gradCheck(gpu, `scatterAdd out of range (scanMax ${scanMax})`, {
      inputs: [{ shape: xs, data }, index(xs, idx), { shape: xs, data: uniform(12, 10) }],
      gpuFn: (x, i, s) => scatterAdd(x, 1, i, s), refFn: (x, i, s) => scatterAddRef(x, xs, 1, i, xs, s, xs), forward: SUMS,
    });
  }
  scatterTuning.scanMax = 32;
  // u32 indices: values ≥ 2³¹ are out of range too.
  const x = tensor(gpu, data, xs);
  const u = tensor(gpu, new Uint32Array([1, 0x80000000, 2]), [3], 'u32');
  assertClose('indexSelect u32', await indexSelect(x, 1, u).data(), indexSelectRef(data, xs, 1, [1, -1, 2]), EXACT);
});

test('scatter-add is deterministic: scan and sort paths give the same bits, run after run', async () => {
  const gpu = await testGpu();
  // 600 entries onto 7 targets per row, values of very different magnitudes (order-sensitive sums).
  const xs = [3, 7];
  const is = [3, 200];
  const idx = tensor(gpu, Int32Array.from(ints(600, 1, 0, 7)), is, 'i32');
  const r = rng(2);
  const src = tensor(gpu, Float32Array.from({ length: 600 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 8)), is);
  const x = tensor(gpu, uniform(21, 3), xs);
  const results: ArrayLike<number>[] = [];
  for (const scanMax of [0, 0, 1000, 1000]) {
    scatterTuning.scanMax = scanMax;
    results.push(await scatterAdd(x, 1, idx, src).data());
  }
  scatterTuning.scanMax = 32;
  for (const res of results) assert.equal(Array.from(res), Array.from(results[0]));
  assertClose('scatterAdd 600 → 21', results[0], scatterAddRef(await x.data(), xs, 1, await idx.data(), is, await src.data(), is), { atol: 1e-6, rtol: 1e-4 });
  // indexSelect's backward on both paths, and a larger sort (m = 5000 onto 300 rows).
  for (const [rows, m, inner] of [[13, 40, 3], [300, 5000, 2]]) {
    const ix = tensor(gpu, Int32Array.from(ints(m, m, 0, rows)), [m], 'i32');
    const grads: ArrayLike<number>[] = [];
    for (const scanMax of [0, 1e9]) {
      scatterTuning.scanMax = scanMax;
      const w = tensor(gpu, uniform(rows * inner, 4), [rows, inner]);
      w.requiresGrad = true;
      const y = indexSelect(w, 0, ix);
      const dy = tensor(gpu, uniform(m * inner, 8), [m, inner]);
      ops.backward(y, dy);
      grads.push(await w.grad!.data());
      const want = new Float64Array(rows * inner);
      const iv = await ix.data();
      const dv = await dy.data();
      for (let j = 0; j < m; j++) for (let c = 0; c < inner; c++) want[iv[j] * inner + c] += dv[j * inner + c];
      assertClose(`indexSelect backward ${rows}×${m}`, grads[grads.length - 1], want, { atol: 1e-5, rtol: 1e-5 });
      for (const t of [w, y, dy]) t.dispose();
    }
    scatterTuning.scanMax = 32;
    assert.equal(Array.from(grads[0]), Array.from(grads[1]));
  }
});

test('large shapes: gather over 100,003 elements and indexSelect of 20,000 rows', async () => {
  const gpu = await testGpu();
  const xs = [7, 14287];
  const data = uniform(size(xs), 11);
  const idx = ints(size(xs), 12, 0, 7);
  const g = gather(tensor(gpu, data, xs), 0, tensor(gpu, Int32Array.from(idx), xs, 'i32'));
  assertClose('gather [7, 14287]', await g.data(), gatherRef(data, xs, 0, idx, xs), EXACT);
  const rows = [20000, 3];
  const rd = uniform(60000, 13);
  const ri = ints(777, 14, 0, 20000);
  const s = indexSelect(tensor(gpu, rd, rows), 0, tensor(gpu, Int32Array.from(ri), [777], 'i32'));
  assertClose('indexSelect [20000, 3]', await s.data(), indexSelectRef(rd, rows, 0, ri), EXACT);
  const xi = tensor(gpu, Int32Array.from({ length: 12 }, (_, i) => 100 - i), [3, 4], 'i32');
  assert.equal(Array.from(await gather(xi, 1, tensor(gpu, new Int32Array([3, 0, 1, 1, 2, 2]), [3, 2], 'i32')).data()), [97, 100, 95, 95, 90, 90]);
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(12, 1), [3, 4]);
  const i2 = tensor(gpu, new Int32Array(6), [3, 2], 'i32');
  throwsLike(() => gather(x, 1, tensor(gpu, [0, 1], [2])), GpuUsageError, /gather: index dtype: expected i32 or u32, got f32 \[2\]/);
  throwsLike(() => gather(x, 2, i2), GpuUsageError, /gather: axis: expected an integer in \[-2, 1\], got 2/);
  throwsLike(() => gather(x, 1, tensor(gpu, new Int32Array(10), [5, 2], 'i32')), GpuUsageError, /gather: index shape: expected rank 2 and sizes ≤ \[3, 4\] off axis 1, got \[5, 2\]/);
  throwsLike(() => gather(x, 1, tensor(gpu, new Int32Array(3), [3], 'i32')), GpuUsageError, /gather: index shape: expected rank 2/);
  throwsLike(() => indexSelect(x, 0, i2), GpuUsageError, /indexSelect: index shape: expected a 1-D index, got \[3, 2\]/);
  throwsLike(() => scatterAdd(x, 1, i2, tensor(gpu, uniform(3, 2), [3, 1])), GpuUsageError, /scatterAdd: src shape: expected rank 2 and sizes ≥ index \[3, 2\], got \[3, 1\]/);
  throwsLike(() => scatterAdd(tensor(gpu, new Int32Array(12), [3, 4], 'i32'), 1, i2, x), GpuUsageError, /scatterAdd: input 0 dtype: expected f32, got i32/);
  throwsLike(() => gather(tensor(gpu, [1], []), 0, i2), GpuUsageError, /gather: x: expected a tensor of rank ≥ 1, got a scalar/);
  i2.dispose();
  throwsLike(() => indexSelect(x, 0, i2), GpuUsageError, /indexSelect: tensor #\d+ \[3, 2\]: expected a live tensor/);
});

test('no leaks: forward and backward on both scatter paths return every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const x = tensor(gpu, uniform(40, 3), [4, 10]);
  x.requiresGrad = true;
  const src = tensor(gpu, uniform(200, 3), [4, 50]);
  src.requiresGrad = true;
  const idx = tensor(gpu, Int32Array.from(ints(200, 5, 0, 10)), [4, 50], 'i32');
  const row = tensor(gpu, Int32Array.from(ints(50, 6, 0, 10)), [50], 'i32');
  const fns: (() => Tensor)[] = [() => gather(x, 1, idx), () => indexSelect(x, 1, row), () => scatterAdd(x, 1, idx, src)];
  for (const scanMax of [0, 1000]) {
    scatterTuning.scanMax = scanMax;
    for (const fn of fns) {
      const y = fn();
      const s = ops.sum(y);
      ops.backward(s);
      y.dispose();
      s.dispose();
    }
  }
  scatterTuning.scanMax = 32;
  for (const t of [x, src, idx, row]) t.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
