import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, liveGraphNodes, noGrad, OptionError, tensor } from '../../src/index.ts';
import { BasicBlock } from '../../src/nn/resnet.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { basicBlockRef } from '../ref/resnet.ts';
import { moduleGradCheck, scrambleVectors, stateOf } from './module-grad.ts';

const test = suite('nn/resnet');

const BN = ['weight', 'bias', 'runningMean', 'runningVar', 'numBatchesTracked'];
const bnNames = (m: string): string[] => BN.map((k) => `${m}.${k}`);

test('state names are torchvision\'s (downsample.0 / .1 only when the shape changes); kaiming_normal(fan_out) init', async () => {
  const gpu = await testGpu();
  const same = new BasicBlock(gpu, 6, 6, { seed: 1 });
  assert.equal(same.stateDict().map(([n]) => n), ['conv1.weight', ...bnNames('bn1'), 'conv2.weight', ...bnNames('bn2')]);
  assert.is(same.downsample, null);
  const proj = new BasicBlock(gpu, 4, 8, { seed: 2 });
  assert.equal(proj.stateDict().map(([n, t]) => [n, [...t.shape]]).filter(([n]) => String(n).startsWith('downsample') && !String(n).includes('running')), [
    ['downsample.0.weight', [8, 4, 1, 1]], ['downsample.1.weight', [8]], ['downsample.1.bias', [8]], ['downsample.1.numBatchesTracked', []],
  ]);
  const strided = new BasicBlock(gpu, 5, 5, { stride: 2, seed: 3 });
  assert.ok(strided.downsample !== null, 'a stride alone asks for a projection');
  // fan_out = planes · 9 for the 3×3 convs: std √(2 / (8 · 9)) = 0.1667; 8·4·9 = 288 samples.
  const w = Array.from(await proj.conv1.weight.data());
  const sd = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(sd - Math.sqrt(2 / 72)) < 0.02, `conv1 weight std ${sd}, expected ${Math.sqrt(2 / 72)}`);
  for (const m of [same, proj, strided]) m.dispose();
});

test('training mode (batch statistics): forward and every gradient against float64, with and without projection', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const cases = [
    { shape: [2, 4, 6, 5], planes: 4, stride: 1 },
    { shape: [2, 3, 7, 6], planes: 5, stride: 1 },
    { shape: [2, 3, 7, 6], planes: 5, stride: 2 },
  ];
  for (const [i, k] of cases.entries()) {
    const m = new BasicBlock(gpu, k.shape[1], k.planes, { stride: k.stride, seed: 10 + i });
    scrambleVectors(m, 200 + 10 * i);
    await moduleGradCheck(gpu, `BasicBlock case ${i}`, {
      module: m,
      x: { data: uniform(k.shape.reduce((a, d) => a * d, 1), 30 + i, -2, 2), shape: k.shape },
      ref: (x, p) => basicBlockRef(x, k.shape, p, { stride: k.stride, training: true }).y,
    });
    m.dispose();
  }
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('eval mode (running statistics) with projection, beyond one workgroup: [2, 24, 17, 19] → 40 planes', async () => {
  const gpu = await testGpu();
  const shape = [2, 24, 17, 19];
  const m = new BasicBlock(gpu, 24, 40, { seed: 4 }).eval();
  scrambleVectors(m, 90);
  const xd = uniform(shape.reduce((a, d) => a * d, 1), 91, -2, 2);
  const x = tensor(gpu, xd, shape);
  const y = noGrad(() => m.forward(x));
  const want = basicBlockRef(xd, shape, await stateOf(m), { stride: 1, training: false });
  assert.equal([...y.shape], want.shape);
  assertClose('BasicBlock eval', await y.data(), want.y, { atol: 1e-4, rtol: 1e-4 });
  for (const t of [x, y]) t.dispose();
  m.dispose();
});

test('errors: counts and input channels', async () => {
  const gpu = await testGpu();
  throwsLike(() => new BasicBlock(gpu, 4, 0), OptionError, /BasicBlock: planes: expected a positive integer, got 0/);
  throwsLike(() => new BasicBlock(gpu, 4, 4, { stride: 0 }), OptionError, /BasicBlock: stride: expected a positive integer, got 0/);
  const m = new BasicBlock(gpu, 3, 4, { seed: 1 });
  const x = tensor(gpu, new Float32Array(2 * 4 * 5 * 5), [2, 4, 5, 5]);
  throwsLike(() => m.forward(x), GpuUsageError, /BasicBlock: input: expected shape \[N, 3, H, W\], got \[2, 4, 5, 5\]/);
  x.dispose();
  m.dispose();
});

test.run();
