import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { arange, full, GpuUsageError, ones, tensor, zeros, zerosLike, type Tensor } from '../../src/index.ts';
import { assertClose, testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('ops/fill');

test('tensor(): dtype follows the typed array, shape defaults to 1-D, values round-trip', async () => {
  const gpu = await testGpu();
  const a = tensor(gpu, new Int32Array([-3, 7]));
  assert.is(a.dtype, 'i32');
  assert.equal(Array.from(await a.data()), [-3, 7]);
  const b = tensor(gpu, [1.5, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(await b.array(), [[1.5, 2, 3], [4, 5, 6]]);
  const c = tensor(gpu, [4294967295], [1], 'u32');
  assert.equal(Array.from(await c.data()), [4294967295]);
  assert.equal(tensor(gpu, [], [0, 2]).shape, [0, 2]);
});

test('full/zeros/ones/zerosLike for each dtype on sizes that are not workgroup multiples, over reused dirty buffers', async () => {
  const gpu = await testGpu();
  const all = async (t: Tensor, n: number, v: number, dtype: string) => {
    assert.is(t.dtype, dtype);
    const d = await t.data();
    assert.is(d.length, n);
    const bad = d.findIndex((x) => x !== v);
    assert.is(bad, -1, `element ${bad}: expected ${v}, got ${d[bad]}`);
    t.dispose();
  };
  // Each fill lands in a pooled buffer that held other values: every element must be written.
  const dirty = (n: number, dtype: 'f32' | 'i32' | 'u32') => tensor(gpu, Array.from({ length: n }, (_, i) => 1 + (i % 97)), [n], dtype).dispose();
  dirty(1041, 'f32');
  await all(full(gpu, [3, 347], -2.25), 1041, -2.25, 'f32');
  dirty(1001, 'i32');
  await all(full(gpu, [1001], -7, 'i32'), 1001, -7, 'i32');
  dirty(1037, 'u32');
  await all(ones(gpu, [1037], 'u32'), 1037, 1, 'u32');
  dirty(1037, 'f32');
  await all(ones(gpu, [17, 61]), 1037, 1, 'f32');
  dirty(1037, 'f32');
  await all(zeros(gpu, [1037]), 1037, 0, 'f32');
  await all(zeros(gpu, [1]), 1, 0, 'f32');
  dirty(9 * 131, 'i32');
  const src = tensor(gpu, new Int32Array(9 * 131).fill(5), [9, 131], 'i32');
  const z = zerosLike(src);
  assert.equal(z.shape, [9, 131]);
  await all(z, 9 * 131, 0, 'i32');
  src.dispose();
  assert.equal(full(gpu, [], 3).shape, []);
  assert.equal(Array.from(await full(gpu, [], 3).data()), [3]);
});

test('arange matches NumPy for float, negative and integer steps', async () => {
  const gpu = await testGpu();
  assert.equal(Array.from(await arange(gpu, 5).data()), [0, 1, 2, 3, 4]);
  const f = await arange(gpu, 1, 2, 0.1).data();
  assert.is(f.length, 10);
  // start + i·step in f32 (possibly one fused rounding): within an ulp of the float64 value.
  assertClose('arange', f, Array.from({ length: 10 }, (_, i) => 1 + i * 0.1), { atol: 0, rtol: 1.2e-7 });
  assert.equal(Array.from(await arange(gpu, 10, -3, -4, 'i32').data()), [10, 6, 2, -2]);
  assert.is(arange(gpu, 3, 3).size, 0);
  const big = await arange(gpu, 0, 300007, 1, 'i32').data();
  assert.ok(big.every((v, i) => v === i));
});

test('bad arguments name the problem', async () => {
  const gpu = await testGpu();
  throwsLike(() => tensor(gpu, [1, 2, 3], [2, 2]), GpuUsageError, /tensor: data: expected 4 values for shape \[2, 2\], got 3/);
  throwsLike(() => tensor(gpu, [1, NaN]), GpuUsageError, /tensor: data\[1\]: expected finite values/);
  throwsLike(() => tensor(gpu, [1], [-1]), GpuUsageError, /tensor: shape: expected non-negative integers, got \[-1\]/);
  throwsLike(() => full(gpu, [2], 1.5, 'i32'), GpuUsageError, /full: value: expected an integer for i32, got 1.5/);
  throwsLike(() => arange(gpu, 0, 1, 0), GpuUsageError, /arange: step: expected a non-zero number, got 0/);
  throwsLike(() => full(gpu, [2], 1, 'f64' as never), GpuUsageError, /full: dtype: expected one of f32, i32, u32, got f64/);
});

test.run();
