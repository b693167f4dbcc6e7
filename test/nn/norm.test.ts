import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  backward, GpuUsageError, liveGraphNodes, loadSafetensors, mul, OptionError, saveSafetensors, SGD, sum, tensor, type Gpu, type Tensor,
} from '../../src/index.ts';
import { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormBase } from '../../src/nn/norm.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { batchNormRef, layerNormRef } from '../ref/norm.ts';

const test = suite('nn/norm');

const TOL = { atol: 2e-5, rtol: 1e-5 };
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const T = (gpu: Gpu, data: ArrayLike<number>, shape: number[]): Tensor => tensor(gpu, Float32Array.from(data), shape);
const values = async (t: Tensor | null): Promise<number[]> => Array.from(await t!.data());

/** Σ over everything but the channel axis of r·v, for v laid out [N, C, L]. */
function perChannel(r: ArrayLike<number>, v: ArrayLike<number> | null, n: number, c: number, l: number): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < n * c * l; i++) out[Math.floor(i / l) % c] += r[i] * (v ? v[i] : 1);
  return out;
}

/** loss = Σ y·r, so dy = r; one backward and SGD step on the module's parameters (if any). */
function sgdStep(y: Tensor, r: Tensor, opt: SGD): void {
  if (opt.params.length === 0) return;
  const prodT = mul(y, r);
  const loss = sum(prodT);
  backward(loss);
  opt.step();
  opt.zeroGrad();
  for (const t of [prodT, loss]) t.dispose();
}

test('state names, shapes, dtypes and PyTorch initial values', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const bn = new BatchNorm2d(gpu, 3);
  assert.equal(bn.stateDict().map(([n, t]) => [n, [...t.shape], t.dtype]), [
    ['weight', [3], 'f32'], ['bias', [3], 'f32'], ['runningMean', [3], 'f32'], ['runningVar', [3], 'f32'], ['numBatchesTracked', [], 'i32'],
  ]);
  assert.equal(bn.namedParameters().map(([n]) => n), ['weight', 'bias']);
  assert.equal(await Promise.all(bn.stateDict().map(([, t]) => values(t))), [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1], [0]]);
  const plain = new BatchNorm1d(gpu, 2, { affine: false });
  assert.equal(plain.stateDict().map(([n]) => n), ['runningMean', 'runningVar', 'numBatchesTracked']);
  const untracked = new BatchNorm1d(gpu, 2, { trackRunningStats: false });
  assert.equal(untracked.stateDict().map(([n]) => n), ['weight', 'bias']);
  const ln = new LayerNorm(gpu, [4, 5]);
  assert.equal(ln.stateDict().map(([n, t]) => [n, [...t.shape]]), [['weight', [4, 5]], ['bias', [4, 5]]]);
  assert.equal(await values(ln.weight), new Array(20).fill(1));
  assert.equal(await values(ln.bias), new Array(20).fill(0));
  const noBias = new LayerNorm(gpu, 6, { bias: false });
  assert.equal(noBias.stateDict().map(([n]) => n), ['weight']);
  assert.equal(new LayerNorm(gpu, 6, { elementwiseAffine: false }).stateDict(), []);
  for (const m of [bn, plain, untracked, ln, noBias]) m.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

/** Float64 weight, bias and running statistics of a batch-norm layer. */
interface RefState {
  w: Float64Array;
  b: Float64Array;
  rm: ArrayLike<number>;
  rv: ArrayLike<number>;
}

/** Trains `bn` for `steps` SGD steps on [N, C, ...shape tail] batches against float64; returns the reference state. */
async function trainAgainstRef(gpu: Gpu, bn: BatchNormBase, shape: number[], steps: number, lr: number, seed: number): Promise<RefState> {
  const [n, c] = shape;
  const l = prod(shape.slice(2));
  const opt = new SGD(bn.parameters(), { lr });
  const ref: RefState = { w: new Float64Array(c).fill(1), b: new Float64Array(c), rm: new Float64Array(c), rv: new Float64Array(c).fill(1) };
  for (let step = 0; step < steps; step++) {
    // Batches drift in mean and scale, so the running statistics move every step.
    const xd = uniform(prod(shape), seed + step, -1 + step, 2 + 2 * step);
    const rd = uniform(prod(shape), seed + 100 + step);
    const [x, r] = [T(gpu, xd, shape), T(gpu, rd, shape)];
    const y = bn.forward(x);
    const want = batchNormRef(xd, n, c, l, ref.rm, ref.rv, ref.w, ref.b, true, bn.momentum, bn.eps);
    assertClose(`step ${step} y`, await y.data(), want.y, TOL);
    sgdStep(y, r, opt);
    // dWeight = Σ dy·x̂, dBias = Σ dy per channel (x̂ is the unscaled normalised batch).
    const xhat = batchNormRef(xd, n, c, l, null, null, null, null, true, bn.momentum, bn.eps).y;
    const [dW, dB] = [perChannel(rd, xhat, n, c, l), perChannel(rd, null, n, c, l)];
    // Without affine parameters w and b stay the identity.
    for (let ch = 0; ch < c && bn.weight; ch++) {
      ref.w[ch] -= lr * dW[ch];
      ref.b[ch] -= lr * dB[ch];
    }
    ref.rm = want.runningMean!;
    ref.rv = want.runningVar!;
    assertClose(`step ${step} runningMean`, await bn.runningMean!.data(), ref.rm, { atol: 1e-6, rtol: 1e-5 });
    assertClose(`step ${step} runningVar`, await bn.runningVar!.data(), ref.rv, { atol: 1e-6, rtol: 1e-5 });
    if (bn.weight) assertClose(`step ${step} weight`, await bn.weight.data(), ref.w, { atol: 1e-5, rtol: 1e-5 });
    if (bn.bias) assertClose(`step ${step} bias`, await bn.bias.data(), ref.b, { atol: 1e-5, rtol: 1e-5 });
    for (const t of [x, r, y]) t.dispose();
  }
  return ref;
}

test('BatchNorm2d: SGD steps follow float64 (output, running statistics, parameters, count); eval uses the running statistics', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const shape = [3, 5, 7, 6]; // 126 values per channel
  const bn = new BatchNorm2d(gpu, 5, { momentum: 0.2 });
  const ref = await trainAgainstRef(gpu, bn, shape, 4, 0.05, 10);
  assert.equal(await values(bn.numBatchesTracked), [4]);
  bn.eval();
  assert.is(bn.training, false);
  const xd = uniform(prod(shape), 30, -3, 3);
  const x = T(gpu, xd, shape);
  const [rm, rv] = [await values(bn.runningMean), await values(bn.runningVar)];
  const y = bn.forward(x);
  assertClose('eval y', await y.data(), batchNormRef(xd, 3, 5, 42, ref.rm, ref.rv, ref.w, ref.b, false).y, TOL);
  // Eval neither moves the statistics nor counts the batch.
  assert.equal([await values(bn.runningMean), await values(bn.runningVar)], [rm, rv]);
  assert.equal(await values(bn.numBatchesTracked), [4]);
  bn.resetRunningStats();
  assert.equal([await values(bn.runningMean), await values(bn.runningVar), await values(bn.numBatchesTracked)], [[0, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0]]);
  for (const t of [x, y]) t.dispose();
  bn.dispose();
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('BatchNorm1d: [N, C] and [N, C, L] without affine; without running statistics eval uses the batch', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const bn = new BatchNorm1d(gpu, 4, { affine: false });
  await trainAgainstRef(gpu, bn, [9, 4], 2, 0.1, 40);
  assert.equal(await values(bn.numBatchesTracked), [2]);
  const seq = new BatchNorm1d(gpu, 4);
  const ref = await trainAgainstRef(gpu, seq, [5, 4, 3], 2, 0.1, 50);
  seq.eval();
  const ed = uniform(2 * 4 * 3, 55, -2, 2);
  const e = T(gpu, ed, [2, 4, 3]);
  const ey = seq.forward(e);
  assertClose('[N, C, L] eval y', await ey.data(), batchNormRef(ed, 2, 4, 3, ref.rm, ref.rv, ref.w, ref.b, false).y, TOL);
  const untracked = new BatchNorm1d(gpu, 4, { trackRunningStats: false }).eval();
  const xd = uniform(5 * 4 * 3, 60, -2, 5);
  const x = T(gpu, xd, [5, 4, 3]);
  const y = untracked.forward(x);
  assertClose('untracked eval y', await y.data(), batchNormRef(xd, 5, 4, 3, null, null, null, null, true).y, TOL);
  for (const t of [e, ey, x, y]) t.dispose();
  for (const m of [bn, seq, untracked]) m.dispose();
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('BatchNorm2d at a BS3LNet-like size: 48 chunks per channel through SGD steps, and dx against float64', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const shape = [2, 6, 37, 41]; // 3034 values per channel: 48 chunks (the last ragged)
  const [n, c, l] = [2, 6, 37 * 41];
  const bn = new BatchNorm2d(gpu, c);
  const ref = await trainAgainstRef(gpu, bn, shape, 2, 0.05, 70);
  const xd = uniform(prod(shape), 80, -2, 4);
  const rd = uniform(prod(shape), 81);
  const [x, r] = [T(gpu, xd, shape), T(gpu, rd, shape)];
  x.requiresGrad = true;
  const y = bn.forward(x);
  const yr = mul(y, r);
  const loss = sum(yr);
  backward(loss);
  // dx = w·invstd·(dy − mean(dy) − x̂·mean(dy·x̂)) per channel, in float64 from the batch itself.
  const xhat = batchNormRef(xd, n, c, l, null, null, null, null, true, bn.momentum, bn.eps).y;
  const [sumDy, sumDyX] = [perChannel(rd, null, n, c, l), perChannel(rd, xhat, n, c, l)];
  const invstd = new Float64Array(c);
  const mean = perChannel(xd, null, n, c, l).map((v) => v / (n * l));
  for (let i = 0; i < xd.length; i++) invstd[Math.floor(i / l) % c] += (xd[i] - mean[Math.floor(i / l) % c]) ** 2;
  for (let ch = 0; ch < c; ch++) invstd[ch] = 1 / Math.sqrt(invstd[ch] / (n * l) + bn.eps);
  const dx = Float64Array.from(rd, (dy, i) => {
    const ch = Math.floor(i / l) % c;
    return ref.w[ch] * invstd[ch] * (dy - sumDy[ch] / (n * l) - xhat[i] * sumDyX[ch] / (n * l));
  });
  assertClose('BatchNorm2d dx', await x.grad!.data(), dx, { atol: 1e-5, rtol: 1e-4 });
  for (const t of [x, x.grad!, r, y, yr, loss]) t.dispose();
  x.grad = null;
  bn.dispose();
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('LayerNorm: last axis and trailing dimensions follow float64 through an SGD step; the same in eval', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  // [301, 11]: the parameter gradients sum rows in blocks of 256, so two blocks, the last ragged.
  for (const [shape, ns, opts] of [[[7, 13], 13, {}], [[301, 11], 11, {}], [[3, 4, 5], [4, 5], { bias: false }], [[6, 9], 9, { elementwiseAffine: false, eps: 1e-3 }]] as const) {
    const ln = new LayerNorm(gpu, ns, opts);
    const d = typeof ns === 'number' ? ns : prod(ns);
    const rows = prod(shape) / d;
    const xd = uniform(prod(shape), d, -2, 3);
    const rd = uniform(prod(shape), d + 1);
    const [x, r] = [T(gpu, xd, [...shape]), T(gpu, rd, [...shape])];
    const y = ln.forward(x);
    assertClose(`LayerNorm ${shape} y`, await y.data(), layerNormRef(xd, rows, d, null, null, ln.eps), TOL);
    const lr = 0.1;
    const opt = new SGD(ln.parameters(), { lr });
    sgdStep(y, r, opt);
    // dWeight = Σ_rows dy·x̂, dBias = Σ_rows dy per feature.
    const xhat = layerNormRef(xd, rows, d, null, null, ln.eps);
    const w = new Float64Array(d).fill(1);
    const b = new Float64Array(d);
    for (let i = 0; i < rows * d; i++) {
      if (ln.weight) w[i % d] -= lr * rd[i] * xhat[i];
      if (ln.bias) b[i % d] -= lr * rd[i];
    }
    if (ln.weight) assertClose('weight after a step', await ln.weight.data(), w, { atol: 1e-5, rtol: 1e-5 });
    if (ln.bias) assertClose('bias after a step', await ln.bias.data(), b, { atol: 1e-5, rtol: 1e-5 });
    ln.eval();
    const y2 = ln.forward(x);
    assertClose(`LayerNorm ${shape} eval y`, await y2.data(), layerNormRef(xd, rows, d, w, b, ln.eps), TOL);
    for (const t of [x, r, y, y2]) t.dispose();
    ln.dispose();
  }
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('safetensors round trip: parameters and running statistics load into a fresh module', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const bn = new BatchNorm2d(gpu, 5, { momentum: 0.3 });
  await trainAgainstRef(gpu, bn, [2, 5, 3, 4], 3, 0.1, 70);
  const bytes = await saveSafetensors(bn);
  const fresh = new BatchNorm2d(gpu, 5);
  const result = loadSafetensors(fresh, bytes);
  assert.equal([...result.loaded].sort(), ['bias', 'numBatchesTracked', 'runningMean', 'runningVar', 'weight']);
  for (const [name, t] of fresh.stateDict()) {
    assert.equal(await values(t), await values(bn.stateDict().find(([n]) => n === name)![1]), name);
  }
  assert.equal(await values(fresh.numBatchesTracked), [3]);
  const x = T(gpu, uniform(2 * 5 * 3 * 4, 80, -2, 2), [2, 5, 3, 4]);
  const [y0, y1] = [bn.eval().forward(x), fresh.eval().forward(x)];
  assert.equal(await values(y1), await values(y0));
  // Shapes must match: the checkpoint does not fit a layer of another width.
  const other = new BatchNorm2d(gpu, 4);
  throwsLike(() => loadSafetensors(other, bytes), Error, /loadSafetensors: parameter weight: expected shape \[4\], got \[5\]/);
  for (const t of [x, y0, y1]) t.dispose();
  for (const m of [bn, fresh, other]) m.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test('bad arguments are refused at the module; nothing is counted or leaked', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  throwsLike(() => new BatchNorm2d(gpu, 0), OptionError, /BatchNorm2d: numFeatures: expected a positive integer, got 0/);
  throwsLike(() => new BatchNorm1d(gpu, 3, { momentum: NaN }), GpuUsageError, /BatchNorm1d: momentum: expected a finite number, got NaN/);
  throwsLike(() => new BatchNorm2d(gpu, 3, { eps: -1 }), OptionError, /BatchNorm2d: eps: expected a number ≥ 0, got -1/);
  throwsLike(() => new LayerNorm(gpu, []), OptionError, /LayerNorm: normalizedShape: expected a positive integer or a non-empty list of them, got \[\]/);
  throwsLike(() => new LayerNorm(gpu, 2.5), OptionError, /LayerNorm: normalizedShape: expected a positive integer/);
  const bn2 = new BatchNorm2d(gpu, 3);
  const bn1 = new BatchNorm1d(gpu, 3);
  const ln = new LayerNorm(gpu, [4, 5]);
  const x3 = T(gpu, uniform(2 * 3 * 4, 1), [2, 3, 4]);
  const x4 = T(gpu, uniform(2 * 4 * 2 * 2, 2), [2, 4, 2, 2]);
  const one = T(gpu, [1, 2, 3], [1, 3]);
  const x354 = T(gpu, uniform(60, 3), [3, 5, 4]);
  throwsLike(() => bn2.forward(x3), GpuUsageError, /BatchNorm2d: input: expected shape \[N, 3, H, W\], got \[2, 3, 4\]/);
  throwsLike(() => bn2.forward(x4), GpuUsageError, /BatchNorm2d: input: expected shape \[N, 3, H, W\], got \[2, 4, 2, 2\]/);
  throwsLike(() => bn1.forward(x4), GpuUsageError, /BatchNorm1d: input: expected shape \[N, 3\] or \[N, 3, L\], got \[2, 4, 2, 2\]/);
  throwsLike(() => bn1.forward(one), GpuUsageError, /batchNorm: input: expected more than 1 value per channel when training, got shape \[1, 3\]/);
  throwsLike(() => ln.forward(x354), GpuUsageError, /LayerNorm: input: expected shape \[\.\.\., 4, 5\], got \[3, 5, 4\]/);
  throwsLike(() => ln.forward(x3), GpuUsageError, /LayerNorm: input: expected shape \[\.\.\., 4, 5\], got \[2, 3, 4\]/);
  // A refused batch is not counted; eval accepts a batch of one.
  assert.equal(await values(bn1.numBatchesTracked), [0]);
  const y = bn1.eval().forward(one);
  assertClose('eval batch of one', await y.data(), batchNormRef([1, 2, 3], 1, 3, 1, [0, 0, 0], [1, 1, 1], null, null, false).y, TOL);
  for (const t of [x3, x4, one, x354, y]) t.dispose();
  for (const m of [bn2, bn1, ln]) m.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
