import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Shape, type Tensor } from '../../src/index.ts';
import { assertClose, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { binaryRef, broadcastMap } from '../ref/binary.ts';

const test = suite('ops/binary');
type Fn = (a: ops.Operand, b: ops.Operand) => Tensor;
const fns = ops as unknown as Record<string, Fn>;

// Every kind of broadcast: same shape, trailing and leading size-1, missing leading dims,
// both sides broadcast, a 0-d operand, all ones, and rank 5 that does not merge.
const SHAPES: [Shape, Shape][] = [
  [[37, 29], [37, 29]], [[4, 1, 5], [3, 1]], [[], [7, 3]], [[5], [1]], [[1, 1], [1]],
  [[2, 3, 4, 5], [3, 1, 5]], [[3, 1, 2, 1, 3], [1, 2, 1, 4, 1]],
];

// Operand ranges keep each function smooth and inside its domain.

function data(op: string, shape: Shape, side: 0 | 1, seed: number): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  if (op === 'pow') return side === 0 ? uniform(n, seed, 0.5, 2) : uniform(n, seed, -2, 2);
  if (op === 'div' && side === 1) {
    const r = rng(seed);
    return Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.5 + 1.5 * r()));
  }
  return uniform(n, seed, -2, 2);
}

for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum']) {
  test(`${op}: forward and gradients match float64 for every kind of broadcast`, async () => {
    const gpu = await testGpu();
    for (const [i, [sa, sb]] of SHAPES.entries()) {
      for (const [x, y] of [[sa, sb], [sb, sa]] as const) {
        await gradCheck(gpu, `${op} ${JSON.stringify(x)}·${JSON.stringify(y)}`, {
          inputs: [{ shape: x, data: data(op, x, 0, 10 + i) }, { shape: y, data: data(op, y, 1, 20 + i) }],
          gpuFn: (a, b) => fns[op](a, b),
          refFn: (a, b) => broadcastMap([x, y], [a, b], binaryRef[op]),
          forward: { atol: 1e-6, rtol: 4e-6 },
        });
      }
    }
  });
}

test('pow follows PyTorch for zero and negative bases with integral exponents', async () => {
  const gpu = await testGpu();
  const a = tensor(gpu, [-2, -2, 0, 0, 3, -1.5]);
  const b = tensor(gpu, [3, 2, 0, 2, 0, -1]);
  // WGSL's pow is exp2(y·log2 x): a few ulps, not correctly rounded.
  assertClose('pow', await ops.pow(a, b).data(), [-8, 4, 1, 0, 1, -1 / 1.5], { atol: 0, rtol: 4e-7 });
});

test('maximum and minimum split the gradient of a tie', async () => {
  const gpu = await testGpu();
  const a = tensor(gpu, [1, 2, 3]);
  const b = tensor(gpu, [1, 5, 0]);
  a.requiresGrad = b.requiresGrad = true;
  ops.backward(ops.sum(ops.maximum(a, b)));
  assert.equal(Array.from(await a.grad!.data()), [0.5, 0, 1]);
  assert.equal(Array.from(await b.grad!.data()), [0.5, 1, 0]);
});

test('comparisons return 1/0 under broadcasting, ties included, and record no gradient', async () => {
  const gpu = await testGpu();
  const r = rng(4);
  const sa: Shape = [3, 1, 7];
  const sb: Shape = [5, 1];
  const da = Float32Array.from({ length: 21 }, () => Math.floor(r() * 4));
  const db = Float32Array.from({ length: 5 }, () => Math.floor(r() * 4));
  const a = tensor(gpu, da, sa);
  a.requiresGrad = true;
  const b = tensor(gpu, db, sb);
  for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
    const y = fns[op](a, b);
    assert.equal(y.shape, [3, 5, 7]);
    assert.is(y.node, null, `${op} is not differentiable`);
    assert.equal(Array.from(await y.data()), Array.from(broadcastMap([sa, sb], [da, db], binaryRef[op])), op);
  }
});

test('where picks by a broadcast condition and routes gradients to the chosen side', async () => {
  const gpu = await testGpu();
  const sc: Shape = [4, 1];
  const sa: Shape = [4, 6];
  const sb: Shape = [6];
  const cond = Float32Array.from(uniform(4, 3), (v) => Number(v > 0));
  await gradCheck(gpu, 'where', {
    inputs: [{ shape: sc, data: cond, diff: false }, { shape: sa, data: uniform(24, 5) }, { shape: sb, data: uniform(6, 6) }],
    gpuFn: (c, a, b) => ops.where(c, a, b),
    refFn: (c, a, b) => broadcastMap([sc, sa, sb], [c, a, b], (cv, av, bv) => (cv !== 0 ? av : bv)),
  });
});

test('expand copies along broadcast axes and sums the gradient back', async () => {
  const gpu = await testGpu();
  const sx: Shape = [3, 1, 2];
  const out: Shape = [4, 3, 5, 2];
  await gradCheck(gpu, 'expand', {
    inputs: [{ shape: sx, data: uniform(6, 8) }],
    gpuFn: (x) => ops.expand(x, out),
    refFn: (x) => broadcastMap([sx, out], [x, new Float64Array(120)], (v) => v),
  });
  throwsLike(() => ops.expand(tensor(gpu, [1, 2], [2]), [3]), GpuUsageError, /expand: shapes: expected broadcastable shapes, got \[2\] and \[3\]/);
  throwsLike(() => ops.expand(tensor(gpu, [1, 2], [2]), [2, 1]), GpuUsageError, /expand: shape: expected a shape \[2\] broadcasts to, got \[2, 1\]/);
});

test('number operands on either side, with gradients to the tensor', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, [1, 2, 4]);
  x.requiresGrad = true;
  const y = ops.sum(ops.add(ops.div(3, x), ops.mul(ops.sub(x, 1), 2)));
  assert.is((await y.data())[0], 3 + 1.5 + 0.75 + 0 + 2 + 6);
  ops.backward(y);
  assertClose('d/dx', await x.grad!.data(), [-3 + 2, -0.75 + 2, -3 / 16 + 2], { atol: 0, rtol: 1e-7 });
});

test('a grid beyond 65,535 workgroups, zero-size operands, and shape errors', async () => {
  const gpu = await testGpu();
  const n = 65535 * 64 * 4 + 11;
  const a = uniform(n, 1);
  const y = await ops.mul(tensor(gpu, a), tensor(gpu, [3], [1])).data();
  let bad = -1;
  for (let i = 0; i < n && bad < 0; i++) if (y[i] !== Math.fround(a[i] * 3)) bad = i;
  assert.is(bad, -1, `first wrong element ${bad}`);
  assert.equal(ops.add(tensor(gpu, [], [0, 3]), tensor(gpu, [1, 2, 3])).shape, [0, 3]);
  throwsLike(() => ops.add(tensor(gpu, [1, 2], [2]), tensor(gpu, [1, 2, 3])), GpuUsageError, /add: shapes: expected broadcastable shapes, got \[2\] and \[3\]/);
  throwsLike(() => ops.add(tensor(gpu, new Int32Array([1])), tensor(gpu, [1])), GpuUsageError, /add: input 0 dtype: expected f32, got i32/);
});

test.run();
