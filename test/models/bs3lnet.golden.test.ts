/**
 * BS3LNet's network (src/models/bs3lnet.ts) against PyTorch goldens (scripts/golden/bs3lnet.py;
 * test/fixtures/golden/): the reference code's network ('mask') and our true blind-spot variant
 * ('conv', centre-masked encoder, dilation 2), 9 bands, 11 × 13 pixels, 8 kernels, 2 residual
 * blocks, BatchNorm in training mode (output, every gradient, running statistics and batch counts),
 * then the eval-mode output with the updated statistics. All in float64 in PyTorch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { liveGraphNodes, type Gpu } from '../../src/index.ts';
import { Bs3lnet, type BlindSpot } from '../../src/models/bs3lnet.ts';
import { testGpu } from '../harness/gpu.ts';
import { goldenCheck } from '../nn/golden-check.ts';
import { readFixture } from '../ref/safetensors-read.ts';
import maskNet from '../fixtures/golden/bs3lnet_mask.safetensors' with { type: 'bytes' };
import convNet from '../fixtures/golden/bs3lnet_conv.safetensors' with { type: 'bytes' };

const test = suite('models/bs3lnet.golden');

async function check(gpu: Gpu, name: string, bytes: Uint8Array): Promise<void> {
  const before = gpu.stats().liveBytes;
  const m = readFixture(bytes).metadata;
  assert.is(m.module, 'Bs3lnet');
  const net = new Bs3lnet(gpu, { bands: Number(m.bands), hidden: Number(m.hidden), blocks: Number(m.blocks), blindspot: m.blindspot as BlindSpot, seed: 1 });
  net.train(m.training === 'True');
  await goldenCheck(gpu, name, bytes, net);
  net.dispose();
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
}

test('the code\'s network (mask) = PyTorch float64: output, gradients, running statistics, eval output', async () => {
  await check(await testGpu(), 'bs3lnet_mask', maskNet);
});

test('the true blind-spot network (conv) = PyTorch float64 with weight·mask and dilation 2', async () => {
  await check(await testGpu(), 'bs3lnet_conv', convNet);
});

test.run();
