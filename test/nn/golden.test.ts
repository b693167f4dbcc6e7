/**
 * The src/nn blocks against PyTorch goldens (scripts/golden/blocks.py; test/fixtures/golden/):
 * TransformerBlock as timm 1.0.8's Block with qk-norm (1 and 2 heads), and ResNet's BasicBlock
 * with a projection shortcut, the identity and a stride of 2, all in float64 in PyTorch.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { liveGraphNodes, type Gpu } from '../../src/index.ts';
import { TransformerBlock } from '../../src/nn/transformer.ts';
import { BasicBlock } from '../../src/nn/resnet.ts';
import { testGpu } from '../harness/gpu.ts';
import { readFixture } from '../ref/safetensors-read.ts';
import { goldenCheck } from './golden-check.ts';
import blockH1 from '../fixtures/golden/block_h1.safetensors' with { type: 'bytes' };
import blockH2 from '../fixtures/golden/block_h2.safetensors' with { type: 'bytes' };
import basicProj from '../fixtures/golden/basic_proj.safetensors' with { type: 'bytes' };
import basicIdentity from '../fixtures/golden/basic_identity.safetensors' with { type: 'bytes' };
import basicStride2 from '../fixtures/golden/basic_stride2.safetensors' with { type: 'bytes' };

const test = suite('nn/golden');

/** The fixture's metadata (written by the Python script), numbers and booleans parsed. */
function meta(bytes: Uint8Array): Record<string, string> {
  return readFixture(bytes).metadata;
}

async function checkBlock(gpu: Gpu, name: string, bytes: Uint8Array): Promise<void> {
  const m = meta(bytes);
  assert.is(m.module, 'TransformerBlock');
  const block = new TransformerBlock(gpu, Number(m.dim), {
    heads: Number(m.heads), mlpRatio: Number(m.mlpRatio), qkvBias: m.qkvBias === 'True', qkNorm: m.qkNorm === 'True', eps: Number(m.eps), seed: 1,
  });
  await goldenCheck(gpu, name, bytes, block);
  block.dispose();
}

async function checkBasic(gpu: Gpu, name: string, bytes: Uint8Array): Promise<void> {
  const m = meta(bytes);
  assert.is(m.module, 'BasicBlock');
  const block = new BasicBlock(gpu, Number(m.inPlanes), Number(m.planes), { stride: Number(m.stride), seed: 1 });
  block.train(m.training === 'True');
  await goldenCheck(gpu, name, bytes, block);
  block.dispose();
}

test('TransformerBlock = timm Block in PyTorch float64: Super-AD\'s settings (1 head, ratio 2, qkv bias, qk-norm)', async () => {
  await checkBlock(await testGpu(), 'block_h1', blockH1);
});

test('TransformerBlock = timm Block in PyTorch float64: 2 heads, ratio 4, no qkv bias, qk-norm', async () => {
  await checkBlock(await testGpu(), 'block_h2', blockH2);
});

test('BasicBlock = torchvision BasicBlock in PyTorch float64 (BN training mode, then eval): projection, identity, stride 2', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  await checkBasic(gpu, 'basic_proj', basicProj);
  await checkBasic(gpu, 'basic_identity', basicIdentity);
  await checkBasic(gpu, 'basic_stride2', basicStride2);
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
