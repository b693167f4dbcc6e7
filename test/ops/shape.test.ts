import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Shape, type Tensor } from '../../src/index.ts';
import { concat, flatten, pad, permute, reshape, slice, squeeze, stack, transpose, unsqueeze, type SliceRange } from '../../src/ops/shape.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { concatRef, padRef, permuteRef, sliceRef } from '../ref/shape.ts';

const test = suite('ops/shape');
const EXACT = { atol: 0, rtol: 0 };
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);

test('reshape, flatten, squeeze, unsqueeze: views of the same storage that pass gradients', async () => {
  const gpu = await testGpu();
  const data = uniform(2 * 3 * 1 * 5, 1);
  const cases: [string, (x: Tensor) => Tensor, number[]][] = [
    ['reshape', (x) => reshape(x, [5, -1]), [5, 6]],
    ['reshape', (x) => reshape(x, [30]), [30]],
    ['flatten', (x) => flatten(x), [30]],
    ['flatten', (x) => flatten(x, 1, -2), [2, 3, 5]],
    ['flatten', (x) => flatten(x, -2), [2, 3, 5]],
    ['squeeze', (x) => squeeze(x), [2, 3, 5]],
    ['squeeze', (x) => squeeze(x, -2), [2, 3, 5]],
    ['unsqueeze', (x) => unsqueeze(x, 0), [1, 2, 3, 1, 5]],
    ['unsqueeze', (x) => unsqueeze(x, -1), [2, 3, 1, 5, 1]],
  ];
  for (const [name, fn, want] of cases) {
    const x = tensor(gpu, data, [2, 3, 1, 5]);
    const y = fn(x);
    assert.equal([...y.shape], want, name);
    assert.ok(y.storage === x.storage, `${name}: expected a zero-copy view`);
    y.dispose();
    x.dispose();
    await gradCheck(gpu, name, { inputs: [{ shape: [2, 3, 1, 5], data }], gpuFn: fn, refFn: (v) => v, forward: EXACT });
  }
  const s = tensor(gpu, [4], []);
  assert.equal([...flatten(s).shape], [1]);
  assert.equal([...unsqueeze(s, 0).shape], [1]);
  assert.equal([...reshape(tensor(gpu, [], [0, 3]), [-1, 3]).shape], [0, 3]);
});

const PERMUTES: [Shape, number[]][] = [
  [[4, 5], [1, 0]],
  [[2, 3, 4], [2, 0, 1]],
  [[3, 5, 7, 2], [0, 2, 3, 1]], // NCHW → NHWC
  [[3, 7, 2, 5], [0, 3, 1, 2]], // NHWC → NCHW
  [[2, 8, 4, 3], [0, 2, 3, 1]], // rows and columns in multiples of 4: vec4 tiles
  [[2, 3, 4, 8], [0, 3, 1, 2]],
  [[4, 8], [1, 0]],
  [[2, 3, 4, 5], [1, 0, 2, 3]],
  [[2, 3, 4, 5], [3, 2, 1, 0]],
  [[1, 6, 1, 5], [3, 1, 0, 2]],
  [[2, 3, 2, 3, 2], [4, 2, 0, 3, 1]],
  [[3, 1, 4], [-1, 0, -2]],
  [[2, 3, 4], [0, 1, 2]],
  [[7], [0]],
];

test('permute and transpose match float64 and differentiate', async () => {
  const gpu = await testGpu();
  for (const [shape, perm] of PERMUTES) {
    const data = uniform(size(shape), size(shape));
    const norm = perm.map((a) => (a < 0 ? a + shape.length : a));
    await gradCheck(gpu, `permute ${perm}`, { inputs: [{ shape, data }], gpuFn: (x) => permute(x, perm), refFn: (x) => permuteRef(x, shape, norm), shape: norm.map((a) => shape[a]), forward: EXACT });
  }
  const data = uniform(60, 4);
  await gradCheck(gpu, 'transpose', { inputs: [{ shape: [3, 4, 5], data }], gpuFn: (x) => transpose(x), refFn: (x) => permuteRef(x, [3, 4, 5], [0, 2, 1]), shape: [3, 5, 4], forward: EXACT });
  await gradCheck(gpu, 'transpose 0 2', { inputs: [{ shape: [3, 4, 5], data }], gpuFn: (x) => transpose(x, 0, -1), refFn: (x) => permuteRef(x, [3, 4, 5], [2, 1, 0]), shape: [5, 4, 3], forward: EXACT });
});

test('channels-last conversion of uneven sizes, both directions, and i32 data', async () => {
  const gpu = await testGpu();
  for (const [shape, perm] of [[[2, 37, 19, 23], [0, 2, 3, 1]], [[3, 19, 23, 37], [0, 3, 1, 2]], [[130, 67], [1, 0]], [[5, 9, 1000], [0, 2, 1]], [[2, 64, 10, 10], [0, 2, 3, 1]], [[3, 10, 10, 64], [0, 3, 1, 2]]] as [Shape, number[]][]) {
    const data = uniform(size(shape), 7);
    const x = tensor(gpu, data, shape);
    const y = permute(x, perm);
    assertClose(`permute ${shape} ${perm}`, await y.data(), permuteRef(data, shape, perm), EXACT);
    x.dispose();
    y.dispose();
  }
  const xi = tensor(gpu, Int32Array.from({ length: 24 }, (_, i) => i - 7), [2, 3, 4], 'i32');
  const yi = permute(xi, [2, 0, 1]);
  assert.is(yi.dtype, 'i32');
  assert.equal(Array.from(await yi.data()), Array.from(permuteRef(await xi.data(), [2, 3, 4], [2, 0, 1])));
});

test('permute over a grid folded beyond 65,535 workgroups (the largest bindable tensor)', async () => {
  const gpu = await testGpu();
  // 2²⁵ i32 = 128 MiB, made on the GPU; [2, n, 2] → [n, 2, 2] takes the strided kernel
  // (E = 16, WG = 32: 65,536 workgroups, folded into y).
  const n = 2 ** 23;
  const x = ops.arange(gpu, 0, 4 * n, 1, 'i32');
  const xv = reshape(x, [2, n, 2]);
  const p = permute(xv, [1, 0, 2]);
  const y = await p.data();
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) {
    for (let a = 0; a < 2; a++) {
      for (let c = 0; c < 2; c++) if (y[(i * 2 + a) * 2 + c] !== (a * n + i) * 2 + c) bad = i;
    }
  }
  assert.is(bad, -1, `first wrong row ${bad}`);
  for (const t of [x, xv, p]) t.dispose();
});

const SLICES: [Shape, SliceRange[]][] = [
  [[7, 6], [[1, 5], [null, null, 2]]],
  [[7, 6], [[-3, null], [-1, 0, -1]]],
  [[5, 4, 3], [[null, null, -2], null, [1, 2]]],
  [[5, 4, 3], [[-100, 100], [3, 1]]],
  [[5, 4, 3], [[2, 2]]],
  [[1, 9, 1], [null, [8, -10, -3]]],
  [[66, 3], [[1, 66, 1], [0, 2]]],
  [[4, 5], []],
];

test('slice matches Python semantics (negative, stepped, clamped, empty) and differentiates', async () => {
  const gpu = await testGpu();
  for (const [shape, ranges] of SLICES) {
    const data = uniform(size(shape), size(shape) + 1);
    const ref = sliceRef(data, shape, ranges);
    const x = tensor(gpu, data, shape);
    const y = slice(x, ranges);
    assert.equal([...y.shape], ref.shape, `slice ${JSON.stringify(ranges)} shape`);
    x.dispose();
    y.dispose();
    await gradCheck(gpu, `slice ${JSON.stringify(ranges)}`, { inputs: [{ shape, data }], gpuFn: (t) => slice(t, ranges), refFn: (t) => sliceRef(t, shape, ranges).data, shape: sliceRef(data, shape, ranges).shape, forward: EXACT });
  }
});

const PADS: [Shape, [number, number][], 'constant' | 'reflect', number][] = [
  [[2, 3, 4], [[1, 2], [0, 3]], 'constant', 1.5],
  [[3, 4], [[1, 1], [0, 2]], 'constant', -2],
  [[2, 4, 5], [[3, 2], [4, 4]], 'reflect', 0],
  [[2, 2, 3, 4], [[1, 1], [2, 3]], 'reflect', 0],
  [[6], [[5, 5]], 'reflect', 0],
  [[1, 3, 1], [[0, 0], [0, 0]], 'reflect', 0],
  [[2, 1, 3], [[2, 0], [0, 0], [1, 1]], 'constant', 0],
];

test('pad: constant and reflect on trailing axes match float64 and differentiate', async () => {
  const gpu = await testGpu();
  for (const [shape, pads, mode, value] of PADS) {
    const data = uniform(size(shape), size(shape) + 3);
    await gradCheck(gpu, `pad ${mode} ${JSON.stringify(pads)}`, {
      inputs: [{ shape, data }], gpuFn: (t) => pad(t, pads, mode, value), refFn: (t) => padRef(t, shape, pads, mode, value), forward: EXACT,
    });
  }
  const big = uniform(3 * 70 * 9, 8);
  const x = tensor(gpu, big, [3, 70, 9]);
  assertClose('pad reflect [3, 70, 9]', await pad(x, [[60, 69], [8, 1]], 'reflect').data(), padRef(big, [3, 70, 9], [[60, 69], [8, 1]], 'reflect'), EXACT);
  const xi = tensor(gpu, new Int32Array([1, -2, 3]), [3], 'i32');
  assert.equal(Array.from(await pad(xi, [[1, 2]], 'constant', -7).data()), [-7, 1, -2, 3, -7, -7]);
});

test('concat and stack match float64 and split the gradient', async () => {
  const gpu = await testGpu();
  const shapes: [Shape[], number][] = [
    [[[2, 3, 4], [2, 1, 4], [2, 5, 4]], 1],
    [[[3, 5], [4, 5]], 0],
    [[[2, 3, 2], [2, 3, 0], [2, 3, 7]], -1],
    [[[1], [1], [66]], 0],
  ];
  for (const [list, axis] of shapes) {
    const inputs = list.map((shape, i) => ({ shape, data: uniform(size(shape), 20 + i) }));
    const a = axis < 0 ? axis + list[0].length : axis;
    await gradCheck(gpu, `concat axis ${axis}`, {
      inputs, gpuFn: (...xs) => concat(xs, axis), refFn: (...xs) => concatRef(xs.map((data, i) => ({ data, shape: list[i] })), a), forward: EXACT,
    });
  }
  const inputs = [0, 1, 2].map((i) => ({ shape: [3, 4], data: uniform(12, 40 + i) }));
  for (const axis of [0, 1, 2, -1]) {
    const a = axis < 0 ? axis + 3 : axis;
    const shape = [3, 4];
    const sh = [...shape.slice(0, a), 1, ...shape.slice(a)];
    await gradCheck(gpu, `stack axis ${axis}`, {
      inputs, gpuFn: (...xs) => stack(xs, axis), refFn: (...xs) => concatRef(xs.map((data) => ({ data, shape: sh })), a), forward: EXACT,
    });
  }
  const xi = [tensor(gpu, new Int32Array([1, 2]), [2], 'i32'), tensor(gpu, new Int32Array([3]), [1], 'i32')];
  assert.equal(Array.from(await concat(xi, 0).data()), [1, 2, 3]);
});

test('a chain of shape ops back-propagates through views and copies', async () => {
  const gpu = await testGpu();
  const shape = [2, 3, 4, 5];
  const data = uniform(120, 77);
  const chain = (x: Tensor): Tensor => flatten(slice(permute(pad(x, [[1, 1]], 'reflect'), [0, 2, 3, 1]), [null, [1, 4], [null, null, -2]]), 1, 2);
  const ref = (x: Float64Array): Float64Array => {
    const p = padRef(x, shape, [[1, 1]], 'reflect');
    const q = permuteRef(p, [2, 3, 4, 7], [0, 2, 3, 1]);
    return sliceRef(q, [2, 4, 7, 3], [null, [1, 4], [null, null, -2]]).data;
  };
  await gradCheck(gpu, 'chain', { inputs: [{ shape, data }], gpuFn: chain, refFn: ref, forward: EXACT });
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(24, 1), [2, 3, 4]);
  throwsLike(() => reshape(x, [5, -1]), GpuUsageError, /reshape: shape: expected a shape whose −1 can hold \[2, 3, 4\]/);
  throwsLike(() => reshape(x, [-1, -1]), GpuUsageError, /reshape: shape: expected at most one −1, got \[-1, -1\]/);
  throwsLike(() => reshape(x, [5, 5]), GpuUsageError, /reshape: shape: expected 24 elements like \[2, 3, 4\], got \[5, 5\]/);
  throwsLike(() => flatten(x, 2, 1), GpuUsageError, /flatten: axes: expected startAxis ≤ endAxis, got 2 > 1/);
  throwsLike(() => squeeze(x, 1), GpuUsageError, /squeeze: axis 1: expected a dimension of size 1, got 3 in \[2, 3, 4\]/);
  throwsLike(() => unsqueeze(x, 4), GpuUsageError, /unsqueeze: axis: expected an integer in \[-4, 3\], got 4/);
  throwsLike(() => permute(x, [0, 1]), GpuUsageError, /permute: axes: expected 3 axes for \[2, 3, 4\], got \[0,1\]/);
  throwsLike(() => permute(x, [0, 1, -2]), GpuUsageError, /permute: axes: expected a permutation of 0 … 2, got \[0, 1, -2\]/);
  throwsLike(() => transpose(tensor(gpu, [1, 2]), -2), GpuUsageError, /transpose: axis: expected an integer in \[-1, 0\], got -2/);
  throwsLike(() => slice(x, [null, [0, 2, 0]]), GpuUsageError, /slice: axis 1 step: expected a non-zero integer, got 0/);
  throwsLike(() => slice(x, [[0.5, 1]]), GpuUsageError, /slice: axis 0 start: expected an integer or null, got 0.5/);
  throwsLike(() => slice(x, [null, 2 as unknown as SliceRange]), GpuUsageError, /slice: axis 1 range: expected \[start, end, step\?\] or null, got 2/);
  throwsLike(() => slice(x, [null, null, null, null]), GpuUsageError, /slice: ranges: expected at most 3 ranges for \[2, 3, 4\], got 4/);
  throwsLike(() => pad(x, [[1, 4]], 'reflect'), GpuUsageError, /pad: reflect pads for axis 2: expected each < the axis size 4, got \[1, 4\]/);
  throwsLike(() => pad(x, [[1, -1]]), GpuUsageError, /pad: pads for axis 2: expected \[before, after\] non-negative integers, got \[1,-1\]/);
  throwsLike(() => pad(x, [[1, 1]], 'edge' as 'reflect'), GpuUsageError, /pad: mode: expected 'constant' or 'reflect', got edge/);
  throwsLike(() => pad(tensor(gpu, new Int32Array([1]), [1], 'i32'), [[1, 1]], 'constant', 0.5), GpuUsageError, /pad: value: expected an integer for i32, got 0.5/);
  throwsLike(() => concat([x, tensor(gpu, uniform(8, 2), [2, 4])], 1), GpuUsageError, /concat: input 1 shape: expected \[2, \*, 4\] \(any size on axis 1\), got \[2, 4\]/);
  throwsLike(() => concat([x, tensor(gpu, new Int32Array(24), [2, 3, 4], 'i32')], 0), GpuUsageError, /concat: input 1 dtype: expected f32 like input 0, got i32/);
  throwsLike(() => concat([], 0), GpuUsageError, /concat: tensors: expected a non-empty array, got \[\]/);
  throwsLike(() => stack([x, tensor(gpu, uniform(8, 2), [2, 4])], 0), GpuUsageError, /stack: input 1 shape: expected \[2, 3, 4\] like input 0, got \[2, 4\]/);
  throwsLike(() => stack([x], 4), GpuUsageError, /stack: axis: expected an integer in \[-4, 3\], got 4/);
  x.dispose();
  throwsLike(() => permute(x, [0, 1, 2]), GpuUsageError, /permute: tensor #\d+ \[2, 3, 4\]: expected a live tensor/);
});

test('no leaks: forward and backward of every shape op return every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const x = tensor(gpu, uniform(2 * 3 * 4 * 5, 3), [2, 3, 4, 5]);
  x.requiresGrad = true;
  const fns: ((t: Tensor) => Tensor)[] = [
    (t) => reshape(t, [6, -1]), (t) => permute(t, [0, 2, 3, 1]), (t) => permute(t, [3, 1, 0, 2]), (t) => slice(t, [[1, 2], null, [null, null, -1]]),
    (t) => pad(t, [[1, 2], [3, 1]], 'reflect'), (t) => pad(t, [[1, 2]], 'constant', 3), (t) => concat([t, t], 2), (t) => stack([t, t], 1),
  ];
  for (const fn of fns) {
    const y = fn(x);
    const s = ops.sum(y);
    ops.backward(s);
    y.dispose();
    s.dispose();
  }
  x.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
