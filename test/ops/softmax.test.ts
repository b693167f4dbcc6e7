import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Shape, type Tensor } from '../../src/index.ts';
import { logSoftmax, softmax } from '../../src/ops/softmax.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { softmaxRef } from '../ref/softmax.ts';

const test = suite('ops/softmax');
const FNS = [['softmax', softmax, false], ['logSoftmax', logSoftmax, true]] as const;
// Relative, sized to f32: softmax values span e⁻¹⁶/131 to 1, so an absolute floor would hide a wrong
// normaliser on long rows (100,003 values near 1e-5); logSoftmax is x − lse, whose rounding is
// absolute (an ulp of lse ≈ 1e-6), and a normaliser off by 0.6 % moves it by 6e-3.
const TOL_OF = (log: boolean) => (log ? { atol: 2e-6, rtol: 1e-5 } : { atol: 1e-30, rtol: 2e-5 });

test('softmax and logSoftmax: forward and gradients along every axis of [3, 4, 5] and edge shapes', async () => {
  const gpu = await testGpu();
  const cases: [Shape, number][] = [[[3, 4, 5], 0], [[3, 4, 5], 1], [[3, 4, 5], 2], [[3, 4, 5], -2], [[7], 0], [[4, 1], 1], [[1, 6], -1], [[2, 3, 1, 2], 2]];
  for (const [name, fn, log] of FNS) {
    for (const [i, [shape, axis]] of cases.entries()) {
      const n = shape.reduce((p, d) => p * d, 1);
      await gradCheck(gpu, `${name} ${JSON.stringify(shape)} axis ${axis}`, {
        inputs: [{ shape, data: uniform(n, 20 + i, -3, 3) }],
        gpuFn: (x) => fn(x, axis),
        refFn: (x) => softmaxRef(x, shape, axis, log),
        shape,
        forward: TOL_OF(log),
      });
    }
  }
});

test('default axis is the last; rows of many lengths and a long row', async () => {
  const gpu = await testGpu();
  for (const [name, fn, log] of FNS) {
    for (const shape of [[97, 131], [5, 67, 3], [2, 100003]] as Shape[]) {
      const n = shape.reduce((p, d) => p * d, 1);
      const data = uniform(n, 30, -8, 8);
      const x = tensor(gpu, data, shape);
      const y = fn(x);
      assertClose(`${name} ${JSON.stringify(shape)}`, await y.data(), softmaxRef(data, shape, -1, log), TOL_OF(log));
      for (const t of [x, y]) t.dispose();
    }
  }
});

test('inputs of ±1e4 neither overflow nor lose the small terms; the gradient stays finite', async () => {
  const gpu = await testGpu();
  const data = Float32Array.from([1e4, -1e4, 9999, 3, -1e4, -1e4, -9990, -1e4, 0, 0, 0, 0]);
  for (const [name, fn, log] of FNS) {
    for (const axis of [0, 1]) {
      const x = tensor(gpu, data, [3, 4]);
      x.requiresGrad = true;
      const y = fn(x, axis);
      const got = await y.data();
      assertClose(`${name} axis ${axis}`, got, softmaxRef(data, [3, 4], axis, log), { atol: 1e-6, rtol: 1e-6 });
      const loss = ops.sum(ops.mul(y, tensor(gpu, uniform(12, 3), [3, 4])));
      ops.backward(loss);
      const g = await x.grad!.data();
      assert.ok(g.every(Number.isFinite), `${name}: gradient finite`);
      x.dispose();
    }
  }
});

test('more than 65,535 workgroups: 4,194,400 rows of 2', async () => {
  const gpu = await testGpu();
  const rows = 65535 * 64 + 160;
  const data = uniform(rows * 2, 40, -5, 5);
  const x = tensor(gpu, data, [rows, 2]);
  const y = await softmax(x).data();
  let bad = -1;
  for (let r = 0; r < rows && bad < 0; r++) {
    const want = 1 / (1 + Math.exp(data[2 * r + 1] - data[2 * r]));
    if (!(Math.abs(y[2 * r] - want) <= 1e-6 && Math.abs(y[2 * r] + y[2 * r + 1] - 1) <= 1e-6)) bad = r;
  }
  assert.is(bad, -1, `first wrong row ${bad}`);
  x.dispose();
});

test('empty tensors, bad arguments, no leaks', async () => {
  const gpu = await testGpu();
  assert.equal(softmax(tensor(gpu, [], [3, 0])).shape, [3, 0]);
  const x = tensor(gpu, uniform(6, 1), [2, 3]);
  throwsLike(() => softmax(x, 2), GpuUsageError, /softmax: axis: expected an integer in \[-2, 1\], got 2/);
  throwsLike(() => logSoftmax(tensor(gpu, new Int32Array([1, 2]))), GpuUsageError, /logSoftmax: input 0 dtype: expected f32, got i32/);
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  x.requiresGrad = true;
  for (const fn of [softmax, logSoftmax]) {
    const y: Tensor = fn(x, 0);
    const loss = ops.sum(y);
    ops.backward(loss);
    for (const t of [y, loss]) t.dispose();
  }
  x.grad!.dispose();
  x.grad = null;
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
  x.dispose();
});

test.run();
