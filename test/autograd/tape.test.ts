import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { backward, clearGraph, detach, GpuUsageError, keep, liveGraphNodes, noGrad, scope, tensor, type Gpu } from '../../src/index.ts';
import { assertClose, testGpu, throwsLike } from '../harness/gpu.ts';
import { isRecording } from '../../src/autograd/tape.ts';

const test = suite('autograd/tape');

function leaf(gpu: Gpu, data: number[], shape?: number[]) {
  const t = tensor(gpu, data, shape);
  t.requiresGrad = true;
  return t;
}

test('fan-out accumulates: d/dx (x·x + x) = 2x + 1, and a second backward adds to .grad', async () => {
  const gpu = await testGpu();
  const x = leaf(gpu, [1, -2, 3]);
  const y = ops.sum(ops.add(ops.mul(x, x), x));
  backward(y);
  assert.equal(Array.from(await x.grad!.data()), [3, -3, 7]);
  backward(ops.sum(ops.mul(x, 2)));
  assert.equal(Array.from(await x.grad!.data()), [5, -1, 9]);
  assert.is(liveGraphNodes(), 0);
  x.dispose();
});

test('a broadcast input receives the gradient summed to its own shape', async () => {
  const gpu = await testGpu();
  const b = leaf(gpu, [1, 2, 3], [1, 3]);
  const x = tensor(gpu, [1, 2, 3, 4, 5, 6], [2, 3]);
  backward(ops.sum(ops.mul(x, b)));
  assert.equal(b.grad!.shape, [1, 3]);
  assert.equal(Array.from(await b.grad!.data()), [5, 7, 9]);
});

test('detach and noGrad stop gradients and record nothing', async () => {
  const gpu = await testGpu();
  const x = leaf(gpu, [2, 3]);
  const d = detach(x);
  assert.is(d.requiresGrad, false);
  assert.is(d.node, null);
  const y = ops.sum(ops.mul(ops.mul(x, d), 1));
  backward(y);
  assert.equal(Array.from(await x.grad!.data()), [2, 3], 'the detached factor is a constant');
  const before = liveGraphNodes();
  const z = noGrad(() => ops.exp(ops.mul(x, x)));
  assert.is(z.node, null);
  assert.is(liveGraphNodes(), before);
  throwsLike(() => backward(z), GpuUsageError, /backward: loss Tensor\(\[2\], f32\): expected a tensor computed from tensors with requiresGrad, got one without a graph/);
});

test('isRecording: true outside noGrad, false inside (nested too), restored after a throw', async () => {
  assert.is(isRecording(), true);
  noGrad(() => {
    assert.is(isRecording(), false);
    noGrad(() => assert.is(isRecording(), false));
    assert.is(isRecording(), false, 'an inner noGrad does not switch recording back on');
  });
  assert.is(isRecording(), true);
  try {
    noGrad(() => {
      throw new Error('inside');
    });
  } catch {
    // expected
  }
  assert.is(isRecording(), true, 'a throw inside noGrad restores recording');
});

test('saved tensors are freed by backward: memory returns to the leaves and their gradients', async () => {
  const gpu = await testGpu();
  const x = keep(leaf(gpu, [0.5, 1, 1.5, 2]));
  const base = gpu.stats().liveBytes;
  scope(() => {
    const y = ops.sum(ops.tanh(ops.mul(ops.exp(x), ops.sigmoid(x))));
    assert.ok(liveGraphNodes() >= 4);
    backward(y);
  });
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes - base, x.grad!.buffer.capacity, 'only the gradient remains');
  x.dispose();
  assert.is(gpu.stats().liveBytes, base - x.storage.buffer.capacity);
});

test('scope frees intermediates but not what it returns; clearGraph drops unused graphs', async () => {
  const gpu = await testGpu();
  const x = leaf(gpu, [1, 2]);
  const base = gpu.stats().liveBytes;
  const { kept } = scope(() => {
    const a = ops.exp(x);
    const b = ops.add(a, 1);
    return { kept: ops.mul(b, b) };
  });
  assert.ok(!kept.disposed);
  assert.ok(liveGraphNodes() > 0, 'the graph of kept holds its saved tensors');
  clearGraph();
  assert.is(liveGraphNodes(), 0);
  kept.dispose();
  assert.is(gpu.stats().liveBytes, base);
  const r = await scope(async () => {
    const t = ops.add(x, 1);
    await t.data();
    return ops.mul(t, 2);
  });
  assert.equal(Array.from(await r.data()), [4, 6]);
  r.dispose();
  x.dispose();
});

test('disposed results free their graph: a scope around inference leaks nothing', async () => {
  const gpu = await testGpu();
  const x = keep(leaf(gpu, [1, 2, 3]));
  const base = gpu.stats().liveBytes;
  const nodes = liveGraphNodes();
  const v = await scope(async () => (await ops.sum(ops.exp(ops.mul(x, x))).data())[0]);
  assert.ok(Math.abs(v - (Math.exp(1) + Math.exp(4) + Math.exp(9))) < 1e-2);
  assert.is(liveGraphNodes(), nodes);
  assert.is(gpu.stats().liveBytes, base);
  // An intermediate disposed before backward still passes its gradient on.
  const y = ops.mul(x, x);
  const l = ops.sum(y);
  y.dispose();
  backward(l);
  assert.equal(Array.from(await x.grad!.data()), [2, 4, 6]);
  x.dispose();
});

test('backward refuses a non-scalar loss without dy, a wrong dy, and a consumed graph', async () => {
  const gpu = await testGpu();
  const x = leaf(gpu, [1, 2]);
  const y = ops.mul(x, 3);
  throwsLike(() => backward(y), GpuUsageError, /backward: loss: expected a single value \(or pass dy\), got shape \[2\]/);
  throwsLike(() => backward(y, tensor(gpu, [1, 2, 3])), GpuUsageError, /backward: dy: expected shape \[2\], got \[3\]/);
  backward(y, tensor(gpu, [1, -1]));
  assertClose('dy', await x.grad!.data(), [3, -3], { atol: 0, rtol: 0 });
  throwsLike(() => backward(y), GpuUsageError, /backward: loss/);
});

test.run();
