import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, liveGraphNodes, OptionError, tensor } from '../../src/index.ts';
import { centreMask } from '../../src/ops/conv2d.ts';
import { BlindSpotBlock, Conv2d } from '../../src/nn/conv.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { assertBlindSpot } from '../harness/blindspot.ts';
import { conv2dRef } from '../ref/conv2d.ts';

const test = suite('nn/conv');

test('Conv2d: parameter names, shapes, PyTorch init bounds, forward as conv2d', async () => {
  const gpu = await testGpu();
  const conv = new Conv2d(gpu, 6, 4, [3, 5], { padding: [1, 2], groups: 2, seed: 3 });
  assert.equal(conv.namedParameters().map(([n, t]) => [n, [...t.shape]]), [['weight', [4, 3, 3, 5]], ['bias', [4]]]);
  assert.equal(conv.namedBuffers(), []);
  const bound = 1 / Math.sqrt(3 * 3 * 5);
  const w = await conv.weight.data();
  const b = await conv.bias!.data();
  for (const v of [...w, ...b]) assert.ok(Math.abs(v) <= bound, `init ${v} within ±${bound}`);
  assert.ok(Math.max(...w.map(Math.abs)) > 0.8 * bound, 'weights fill their range');
  const xd = uniform(2 * 6 * 5 * 7, 1);
  const x = tensor(gpu, xd, [2, 6, 5, 7]);
  const y = conv.forward(x);
  assert.equal([...y.shape], [2, 4, 5, 7]);
  assertClose('Conv2d forward', await y.data(), conv2dRef(xd, [2, 6, 5, 7], w, [4, 3, 3, 5], b, { padding: [1, 2], groups: 2 }), { atol: 1e-5, rtol: 1e-5 });
  const plain = new Conv2d(gpu, 2, 3, 1, { bias: false, seed: 1 });
  assert.equal(plain.namedParameters().map(([n]) => n), ['weight']);
  const m = centreMask(gpu, 3);
  const masked = new Conv2d(gpu, 2, 3, 3, { padding: 1, paddingMode: 'reflect', mask: m, seed: 2 });
  m.dispose(); // the module keeps its own handle
  assert.equal(masked.namedBuffers().map(([n, t]) => [n, [...t.shape]]), [['mask', [3, 3]]]);
  assert.equal(Array.from(await masked.mask!.data()), [1, 1, 1, 1, 0, 1, 1, 1, 1]);
  for (const t of [x, y]) t.dispose();
  for (const mod of [conv, plain, masked]) mod.dispose();
  throwsLike(() => new Conv2d(gpu, 6, 4, 3, { groups: 4 }), OptionError, /Conv2d: groups: expected a divisor of inChannels 6 and outChannels 4, got 4/);
  throwsLike(() => new Conv2d(gpu, 2, 2, 3, { mask: tensor(gpu, [1, 1], [1, 2]) }), GpuUsageError, /Conv2d: mask: expected \[3, 3\] like the kernel, got \[1, 2\]/);
});

test('BlindSpotBlock: names and shapes; d out(p)/d x(p) is exactly 0 in every channel, neighbours are not', async () => {
  const gpu = await testGpu();
  const block = new BlindSpotBlock(gpu, 3, 2, { hidden: 6, depth: 2, seed: 5 });
  assert.equal(block.namedParameters().map(([n, t]) => [n, [...t.shape]]), [
    ['masked.weight', [6, 3, 3, 3]], ['masked.bias', [6]],
    ['dilated.0.weight', [6, 6, 3, 3]], ['dilated.0.bias', [6]], ['dilated.1.weight', [6, 6, 3, 3]], ['dilated.1.bias', [6]],
    ['head.weight', [2, 6, 1, 1]], ['head.bias', [2]],
  ]);
  assert.equal(block.namedBuffers().map(([n]) => n), ['masked.mask']);
  const [c, h, w] = [3, 13, 12];
  const x = tensor(gpu, uniform(c * h * w, 7), [1, c, h, w]);
  x.requiresGrad = true;
  const y0 = block.forward(x);
  assert.equal([...y0.shape], [1, 2, h, w]);
  y0.dispose();
  // An interior pixel, a border pixel and a corner.
  await assertBlindSpot(gpu, block, x, [[6, 5], [0, 4], [12, 11]], [[-1, 0], [1, 0], [0, -1], [0, 1], [1, 1], [-1, -1]]);
  assert.is(liveGraphNodes(), 0);
  x.dispose();
  block.dispose();
  throwsLike(() => new BlindSpotBlock(gpu, 3, 2, { dilation: 3 }), OptionError, /BlindSpotBlock: dilation: expected an even integer ≥ 2/);
});

test.run();
