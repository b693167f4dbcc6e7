import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Tensor } from '../../src/index.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { unaryRef } from '../ref/unary.ts';

const test = suite('ops/unary');

// Inputs per function: inside domains, and away from kinks (so finite differences are meaningful):
// abs, relu and leakyRelu take both signs, with |x| < 0.05 pushed out to ±0.05 (see awayFromZero).
const CASES: [name: keyof typeof unaryRef, lo: number, hi: number, args: number[]][] = [
  ['neg', -3, 3, []], ['abs', -3, 3, []], ['exp', -5, 3, []], ['log', 0.1, 5, []],
  ['sqrt', 0.1, 5, []], ['rsqrt', 0.2, 5, []], ['square', -3, 3, []], ['relu', -2, 2, []],
  ['leakyRelu', -2, 2, [0.2]], ['gelu', -4, 4, []], ['sigmoid', -8, 8, []], ['tanh', -4, 4, []],
  ['clamp', -2, 2, [-0.5, 0.7]],
];

const KINKED = new Set(['abs', 'relu', 'leakyRelu']);
const awayFromZero = (name: string, x: Float32Array): Float32Array =>
  (KINKED.has(name) ? x.map((v) => (Math.abs(v) < 0.05 ? Math.sign(v || 1) * 0.05 + v : v)) : x);

const call = (name: string, x: Tensor, args: number[]): Tensor => (ops as unknown as Record<string, (x: Tensor, ...a: number[]) => Tensor>)[name](x, ...args);

for (const [name, lo, hi, args] of CASES) {
  test(`${name}: forward on 1037 elements and the gradient match float64`, async () => {
    const gpu = await testGpu();
    const data = awayFromZero(name, uniform(1037, name.length * 7, lo, hi));
    if (KINKED.has(name)) assert.ok(data.some((v) => v < 0) && data.some((v) => v > 0), `${name}: inputs of both signs`);
    const ref = (x: Float64Array) => x.map((v) => unaryRef[name](v, args[0] ?? 0, args[1] ?? 0));
    const tol = name === 'gelu' ? { atol: 3e-7, rtol: 1e-5 } : { atol: 1e-6, rtol: 2e-6 };
    await gradCheck(gpu, name, { inputs: [{ shape: [1037], data }], shape: [1037], gpuFn: (x) => call(name, x, args), refFn: ref, forward: tol });
    const small = awayFromZero(name, uniform(29, 5, lo, hi));
    await gradCheck(gpu, name, { inputs: [{ shape: [29], data: small }], shape: [29], gpuFn: (x) => call(name, x, args), refFn: ref, forward: tol });
  });
}

test('kinks take PyTorch gradients: relu′(0) = 0, abs′(0) = 0, clamp′ = 1 at the bounds', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [0, -1, 1, -0.5, 0.7]);
  x.requiresGrad = true;
  for (const [f, want] of [[ops.relu, [0, 0, 1, 0, 1]], [ops.abs, [0, -1, 1, -1, 1]], [(t: Tensor) => ops.clamp(t, -0.5, 0.7), [1, 0, 0, 1, 1]]] as const) {
    const y = ops.sum(f(x));
    ops.backward(y);
    assert.equal(Array.from(await x.grad!.data()), want);
    x.grad!.dispose();
    x.grad = null;
    y.dispose();
  }
  x.dispose();
});

test('exp underflows to 0 (no denormals) and extreme sigmoid/tanh stay finite', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [-100, -87.5, 100, -100, 50]);
  const e = await ops.exp(x).data();
  assert.is(e[0], 0);
  assert.is(e[1], 0);
  assert.equal(Array.from(await ops.sigmoid(x).data()), [0, 0, 1, 0, 1]);
  assert.equal(Array.from(await ops.tanh(x).data()), [-1, -1, 1, -1, 1]);
});

test('one element, zero elements, and a grid folded beyond 65,535 workgroups', async () => {
  const gpu = await testGpu();
  assert.equal(Array.from(await ops.neg(tensor(gpu, [2.5], [1, 1])).data()), [-2.5]);
  const empty = ops.relu(tensor(gpu, [], [0, 3]));
  assert.equal(empty.shape, [0, 3]);
  const n = 65535 * 64 * 4 + 37;
  const data = uniform(n, 3);
  const y = await ops.relu(tensor(gpu, data)).data();
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) if (y[i] !== Math.max(data[i], 0)) bad = i;
  assert.is(bad, -1, `first wrong element ${bad}`);
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [1, 2]);
  throwsLike(() => ops.clamp(x, 2, 1), GpuUsageError, /clamp: bounds: expected min ≤ max, got 2 > 1/);
  throwsLike(() => ops.leakyRelu(x, NaN), GpuUsageError, /leakyRelu: slope: expected a finite number/);
  throwsLike(() => ops.exp(tensor(gpu, new Int32Array([1]))), GpuUsageError, /exp: input 0 dtype: expected f32, got i32/);
  x.dispose();
  throwsLike(() => ops.exp(x), GpuUsageError, /exp: tensor #\d+ \[2\]: expected a live tensor, got one already disposed/);
});

test.run();
