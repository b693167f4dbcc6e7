import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, liveGraphNodes, noGrad, OptionError, tensor } from '../../src/index.ts';
import { MultiHeadAttention } from '../../src/nn/attention.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { attentionRef } from '../ref/attention.ts';
import { moduleGradCheck, scrambleVectors, stateOf } from './module-grad.ts';

const test = suite('nn/attention');

test('state names are timm\'s Attention keys, with and without qkv bias and qk-norm', async () => {
  const gpu = await testGpu();
  const full = new MultiHeadAttention(gpu, 12, { heads: 3, qkvBias: true, qkNorm: true, seed: 1 });
  assert.equal(full.stateDict().map(([n, t]) => [n, [...t.shape]]), [
    ['qkv.weight', [36, 12]], ['qkv.bias', [36]], ['q_norm.weight', [4]], ['q_norm.bias', [4]],
    ['k_norm.weight', [4]], ['k_norm.bias', [4]], ['proj.weight', [12, 12]], ['proj.bias', [12]],
  ]);
  assert.is(full.scale, 0.5);
  const plain = new MultiHeadAttention(gpu, 8, { seed: 2 });
  assert.is(plain.heads, 8, 'timm\'s default of 8 heads');
  assert.equal(plain.stateDict().map(([n]) => n), ['qkv.weight', 'proj.weight', 'proj.bias']);
  for (const m of [full, plain]) m.dispose();
});

test('forward and every gradient against float64 (1 and 3 heads, qk-norm on and off)', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const cases = [
    { b: 2, n: 7, c: 8, heads: 1, qkvBias: true, qkNorm: true },
    { b: 2, n: 5, c: 12, heads: 3, qkvBias: true, qkNorm: true },
    { b: 1, n: 6, c: 6, heads: 2, qkvBias: false, qkNorm: false },
  ];
  for (const [i, k] of cases.entries()) {
    const m = new MultiHeadAttention(gpu, k.c, { heads: k.heads, qkvBias: k.qkvBias, qkNorm: k.qkNorm, seed: 10 + i });
    scrambleVectors(m, 100 + 10 * i);
    await moduleGradCheck(gpu, `attention case ${i}`, {
      module: m,
      x: { data: uniform(k.b * k.n * k.c, 20 + i, -2, 2), shape: [k.b, k.n, k.c] },
      ref: (x, p) => attentionRef(x, k.b, k.n, k.c, k.heads, p),
    });
    m.dispose();
  }
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('forward beyond one workgroup: 3 × 70 tokens of 48 channels in 4 heads', async () => {
  const gpu = await testGpu();
  const [b, n, c, heads] = [3, 70, 48, 4];
  const m = new MultiHeadAttention(gpu, c, { heads, qkvBias: true, qkNorm: true, seed: 5 });
  scrambleVectors(m, 50);
  const xd = uniform(b * n * c, 51, -3, 3);
  const x = tensor(gpu, xd, [b, n, c]);
  const y = noGrad(() => m.forward(x));
  assert.equal([...y.shape], [b, n, c]);
  assertClose('attention [3, 70, 48]', await y.data(), attentionRef(xd, b, n, c, heads, await stateOf(m)), { atol: 2e-5, rtol: 1e-4 });
  for (const t of [x, y]) t.dispose();
  m.dispose();
});

test('errors: heads not dividing dim, bad counts, input not [B, N, C]', async () => {
  const gpu = await testGpu();
  throwsLike(() => new MultiHeadAttention(gpu, 12, { heads: 5 }), OptionError, /MultiHeadAttention: heads: expected a divisor of dim 12, got 5/);
  throwsLike(() => new MultiHeadAttention(gpu, 0), OptionError, /MultiHeadAttention: dim: expected a positive integer, got 0/);
  throwsLike(() => new MultiHeadAttention(gpu, 8, { heads: 1.5 }), OptionError, /MultiHeadAttention: heads: expected a positive integer, got 1.5/);
  const m = new MultiHeadAttention(gpu, 8, { heads: 2, seed: 1 });
  for (const shape of [[5, 8], [2, 5, 6], [1, 2, 5, 8]]) {
    const x = tensor(gpu, new Float32Array(shape.reduce((a, d) => a * d, 1)), shape);
    throwsLike(() => m.forward(x), GpuUsageError, new RegExp(`MultiHeadAttention: input: expected shape \\[B, N, 8\\], got \\[${shape.join(', ')}\\]`));
    x.dispose();
  }
  m.dispose();
});

test.run();
