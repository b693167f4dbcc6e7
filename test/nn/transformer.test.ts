import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, liveGraphNodes, noGrad, OptionError, tensor } from '../../src/index.ts';
import { Mlp, TransformerBlock } from '../../src/nn/transformer.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { blockRef, mlpRef } from '../ref/attention.ts';
import { moduleGradCheck, scrambleVectors, stateOf } from './module-grad.ts';

const test = suite('nn/transformer');

// timm 1.0.8's Block(dim, qkv_bias=True, qk_norm=True).state_dict() keys, in its order.
const TIMM_KEYS = [
  'norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.q_norm.weight', 'attn.q_norm.bias',
  'attn.k_norm.weight', 'attn.k_norm.bias', 'attn.proj.weight', 'attn.proj.bias', 'norm2.weight', 'norm2.bias',
  'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias',
];

test('state names and order are timm\'s Block keys; hidden width int(dim · mlpRatio); timm\'s defaults', async () => {
  const gpu = await testGpu();
  const block = new TransformerBlock(gpu, 32, { heads: 1, mlpRatio: 2, qkvBias: true, qkNorm: true, seed: 1 });
  assert.equal(block.stateDict().map(([n]) => n), TIMM_KEYS);
  assert.equal([...block.mlp.fc1.weight.shape], [64, 32]);
  assert.is(block.norm1.eps, 1e-5);
  assert.is(block.attn.q_norm!.eps, 1e-5);
  const odd = new TransformerBlock(gpu, 10, { heads: 2, mlpRatio: 2.55, seed: 2 });
  assert.equal([...odd.mlp.fc1.weight.shape], [25, 10], 'int(10 · 2.55) = 25');
  const dflt = new TransformerBlock(gpu, 16, { seed: 3 });
  assert.is(dflt.attn.heads, 8);
  assert.equal([...dflt.mlp.fc1.weight.shape], [64, 16]);
  assert.equal(dflt.stateDict().map(([n]) => n).filter((n) => n.startsWith('attn')), ['attn.qkv.weight', 'attn.proj.weight', 'attn.proj.bias']);
  for (const m of [block, odd, dflt]) m.dispose();
});

test('Mlp: fc2(GELU(fc1(x))) forward and gradients against float64', async () => {
  const gpu = await testGpu();
  const m = new Mlp(gpu, 7, 13, 5, { seed: 4 });
  assert.equal(m.stateDict().map(([n, t]) => [n, [...t.shape]]), [['fc1.weight', [13, 7]], ['fc1.bias', [13]], ['fc2.weight', [5, 13]], ['fc2.bias', [5]]]);
  await moduleGradCheck(gpu, 'Mlp', {
    module: m,
    x: { data: uniform(3 * 4 * 7, 40, -2, 2), shape: [3, 4, 7] },
    ref: (x, p) => mlpRef(x, 12, 7, 13, p, 5),
  });
  m.dispose();
});

test('TransformerBlock forward and every gradient against float64 (Super-AD\'s settings and 3 heads)', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const cases = [
    { b: 2, n: 7, c: 8, heads: 1, mlpRatio: 2, qkvBias: true, qkNorm: true },
    { b: 2, n: 5, c: 12, heads: 3, mlpRatio: 1.5, qkvBias: false, qkNorm: true },
  ];
  for (const [i, k] of cases.entries()) {
    const m = new TransformerBlock(gpu, k.c, { ...k, seed: 30 + i });
    scrambleVectors(m, 300 + 20 * i);
    await moduleGradCheck(gpu, `block case ${i}`, {
      module: m,
      x: { data: uniform(k.b * k.n * k.c, 60 + i, -2, 2), shape: [k.b, k.n, k.c] },
      ref: (x, p) => blockRef(x, k.b, k.n, k.c, k.heads, p),
    });
    m.dispose();
  }
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('forward beyond one workgroup: 2 × 101 tokens of 40 channels, 5 heads', async () => {
  const gpu = await testGpu();
  const [b, n, c, heads] = [2, 101, 40, 5];
  const m = new TransformerBlock(gpu, c, { heads, mlpRatio: 2, qkvBias: true, qkNorm: true, seed: 6 });
  scrambleVectors(m, 70);
  const xd = uniform(b * n * c, 71, -3, 3);
  const x = tensor(gpu, xd, [b, n, c]);
  const y = noGrad(() => m.forward(x));
  assertClose('block [2, 101, 40]', await y.data(), blockRef(xd, b, n, c, heads, await stateOf(m)), { atol: 5e-5, rtol: 1e-4 });
  for (const t of [x, y]) t.dispose();
  m.dispose();
});

test('errors: options and input shape', async () => {
  const gpu = await testGpu();
  throwsLike(() => new TransformerBlock(gpu, 12, { heads: 5 }), OptionError, /MultiHeadAttention: heads: expected a divisor of dim 12, got 5/);
  throwsLike(() => new TransformerBlock(gpu, 12, { mlpRatio: 0 }), OptionError, /TransformerBlock: mlpRatio: expected a positive number giving a hidden width ≥ 1, got 0/);
  throwsLike(() => new TransformerBlock(gpu, -4), OptionError, /TransformerBlock: dim: expected a positive integer, got -4/);
  throwsLike(() => new Mlp(gpu, 4, 0), OptionError, /Mlp: hiddenFeatures: expected a positive integer, got 0/);
  const m = new TransformerBlock(gpu, 8, { heads: 2, seed: 1 });
  const x = tensor(gpu, new Float32Array(3 * 9), [3, 9]);
  throwsLike(() => m.forward(x), GpuUsageError, /TransformerBlock: input: expected shape \[B, N, 8\], got \[3, 9\]/);
  x.dispose();
  m.dispose();
});

test.run();
