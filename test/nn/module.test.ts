import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, empty, Generator, GpuUsageError, liveGraphNodes, mul, noGrad, OptionError, scope, sum, tensor, type Tensor } from '../../src/index.ts';
import { calculateGain, constant_, fans, kaimingNormal_, kaimingStd, kaimingUniform_, normal_, uniform_, xavierNormal_, xavierStd, xavierUniform_ } from '../../src/nn/init.ts';
import { Lambda, Linear, Module, parameter, persistent, ReLU, Sequential } from '../../src/nn/module.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';

const test = suite('nn/module');

class Block extends Module {
  fc: Linear;
  act = new ReLU();
  scale: Tensor;
  stats: Tensor;
  cache: Tensor | null = null; // an unmarked tensor: neither listed nor disposed
  constructor(gpu: Awaited<ReturnType<typeof testGpu>>, n: number) {
    super();
    this.fc = new Linear(gpu, n, n, { seed: n });
    this.scale = parameter(tensor(gpu, [1]));
    this.stats = persistent(tensor(gpu, [0, 0]));
  }
}

class Net extends Module {
  stem: Sequential;
  blocks: Block[];
  head: Linear;
  tied: Linear; // the same module as head: listed once
  constructor(gpu: Awaited<ReturnType<typeof testGpu>>) {
    super();
    this.stem = new Sequential(new Linear(gpu, 4, 3, { seed: 1 }), new ReLU(), new Linear(gpu, 3, 3, { bias: false, seed: 2 }));
    this.blocks = [new Block(gpu, 3), new Block(gpu, 3)];
    this.head = new Linear(gpu, 3, 2, { seed: 3 });
    this.tied = this.head;
  }
}

test('PyTorch-style dotted names: properties, Sequential "0", arrays "blocks.1", shared modules once', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const net = new Net(gpu);
  const names = net.namedParameters().map(([n]) => n);
  assert.equal(names, [
    'stem.0.weight', 'stem.0.bias', 'stem.2.weight',
    'blocks.0.scale', 'blocks.0.fc.weight', 'blocks.0.fc.bias',
    'blocks.1.scale', 'blocks.1.fc.weight', 'blocks.1.fc.bias',
    'head.weight', 'head.bias',
  ]);
  assert.equal(net.namedBuffers().map(([n]) => n), ['blocks.0.stats', 'blocks.1.stats']);
  assert.equal(net.stateDict().map(([n]) => n).filter((n) => n.startsWith('blocks.0')), ['blocks.0.scale', 'blocks.0.stats', 'blocks.0.fc.weight', 'blocks.0.fc.bias']);
  assert.equal(net.namedChildren().map(([n]) => n), ['stem', 'blocks.0', 'blocks.1', 'head', 'tied']);
  assert.ok(net.parameters().every((p) => p.requiresGrad));
  assert.equal(net.head.weight.shape, [2, 3]);
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.blocks[1].act.training);
  net.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test('parameters survive scopes; a module made in a scope keeps its weights', async () => {
  const gpu = await testGpu();
  const lin = scope(() => new Linear(gpu, 5, 2, { seed: 4 }));
  assert.not.ok(lin.weight.disposed);
  assert.is((await lin.bias!.data()).length, 2);
  lin.dispose();
  assert.ok(lin.weight.disposed);
});

/** y = x·Wᵀ + b in float64 (x [n, in], W [out, in]). */
function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, n: number, inF: number, outF: number): Float64Array {
  const y = new Float64Array(n * outF);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}

test('Linear forward on [n, in], batched [2, 3, in] and vector inputs; gradients of x, W and b', async () => {
  const gpu = await testGpu();
  const lin = new Linear(gpu, 7, 5, { seed: 9 });
  const w = await lin.weight.data();
  const b = await lin.bias!.data();
  const xd = uniform(6 * 7, 21);
  const ref = (x: Float64Array) => linearRef(x, w, b, x.length / 7, 7, 5);
  await gradCheck(gpu, 'Linear', { inputs: [{ shape: [6, 7], data: xd }], gpuFn: (x) => lin.forward(x), refFn: ref });
  await gradCheck(gpu, 'Linear batched', { inputs: [{ shape: [2, 3, 7], data: xd }], gpuFn: (x) => lin.forward(x), refFn: ref });
  await gradCheck(gpu, 'Linear vector', { inputs: [{ shape: [7], data: xd.slice(0, 7) }], gpuFn: (x) => lin.forward(x), refFn: ref });
  lin.zeroGrad();
  // dW[o, i] = Σ_r dy[r, o]·x[r, i], db[o] = Σ_r dy[r, o] for loss = Σ y·dy.
  const dy = uniform(6 * 5, 22);
  const x = tensor(gpu, xd, [6, 7]);
  scope(() => backward(sum(mul(lin.forward(x), tensor(gpu, dy, [6, 5])))));
  const dW = new Float64Array(35);
  const db = new Float64Array(5);
  for (let r = 0; r < 6; r++) {
    for (let o = 0; o < 5; o++) {
      db[o] += dy[r * 5 + o];
      for (let i = 0; i < 7; i++) dW[o * 7 + i] += dy[r * 5 + o] * xd[r * 7 + i];
    }
  }
  assertClose('Linear dWeight', await lin.weight.grad!.data(), dW, { atol: 1e-5, rtol: 1e-5 });
  assertClose('Linear dBias', await lin.bias!.grad!.data(), db, { atol: 1e-5, rtol: 1e-5 });
  const noBias = new Linear(gpu, 7, 5, { bias: false, seed: 9 });
  assert.is(noBias.bias, null);
  assert.equal(Array.from(await noBias.weight.data()), Array.from(w), 'the same seed gives the same weight');
  const yNoBias = noGrad(() => noBias.forward(x));
  assertClose('Linear no bias', await yNoBias.data(), linearRef(xd, w, null, 6, 7, 5), { atol: 1e-5, rtol: 1e-5 });
  yNoBias.dispose();
  throwsLike(() => lin.forward(tensor(gpu, [1, 2, 3])), GpuUsageError, /Linear: input: expected shape \[\.\.\., 7\], got \[3\]/);
  throwsLike(() => new Linear(gpu, 2.5, 3), OptionError, /Linear: inFeatures: expected a non-negative integer, got 2.5/);
  lin.dispose();
  noBias.dispose();
  x.dispose();
});

test('Linear init: U(−1/√in, 1/√in) for weight and bias (PyTorch default), statistics of a large layer', async () => {
  const gpu = await testGpu();
  const lin = new Linear(gpu, 400, 300, { seed: 5 });
  const bound = 1 / Math.sqrt(400);
  assert.ok(Math.abs(kaimingStd([300, 400], { a: Math.sqrt(5) }) * Math.sqrt(3) - bound) < 1e-15);
  checkUniform('Linear.weight', await lin.weight.data(), -bound, bound);
  const b = await lin.bias!.data();
  assert.ok(b.every((v) => Math.abs(v) <= bound), 'bias within the bound');
  assert.ok(Math.max(...b) > 0.8 * bound && Math.min(...b) < -0.8 * bound, 'bias spans the range');
  lin.dispose();
});

test('Sequential chains layers; Lambda wraps a function; intermediates are freed', async () => {
  const gpu = await testGpu();
  const seq = new Sequential(new Linear(gpu, 4, 6, { seed: 1 }), new ReLU(), new Lambda((x) => mul(x, 2)), new Linear(gpu, 6, 3, { seed: 2 }));
  assert.is(seq.length, 4);
  assert.equal(seq.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '3.weight', '3.bias']);
  const xd = uniform(20, 3);
  const [w0, b0, w3, b3] = await Promise.all(seq.parameters().map((p) => p.data()));
  const x = tensor(gpu, xd, [5, 4]);
  const live = gpu.stats().liveBytes;
  const y = noGrad(() => seq.forward(x));
  const h = linearRef(xd, w0, b0, 5, 4, 6).map((v) => 2 * Math.max(v, 0));
  assertClose('Sequential', await y.data(), linearRef(h, w3, b3, 5, 6, 3), { atol: 1e-5, rtol: 1e-5 });
  y.dispose();
  assert.is(gpu.stats().liveBytes, live);
  // With recording on, the graph keeps what backward needs although Sequential freed its handles.
  const nodes = liveGraphNodes();
  scope(() => backward(sum(seq.forward(x))));
  assert.ok(seq.parameters().every((p) => p.grad !== null), 'every layer got a gradient');
  assert.is(liveGraphNodes(), nodes);
  throwsLike(() => new Sequential({} as never), OptionError, /Sequential: layer 0: expected a Module with forward\(\)/);
  seq.dispose();
  x.dispose();
});

/** Checks bounds, mean and standard deviation of U(lo, hi) samples within 5 standard errors. */
function checkUniform(what: string, d: ArrayLike<number>, lo: number, hi: number): void {
  const n = d.length;
  let m = 0;
  let v = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    m += d[i] / n;
    min = Math.min(min, d[i]);
    max = Math.max(max, d[i]);
  }
  for (let i = 0; i < n; i++) v += (d[i] - m) ** 2 / (n - 1);
  const sd = (hi - lo) / Math.sqrt(12);
  assert.ok(min >= lo && max <= hi, `${what}: range [${min}, ${max}] outside [${lo}, ${hi}]`);
  assert.ok(min < lo + 0.01 * (hi - lo) && max > hi - 0.01 * (hi - lo), `${what}: range [${min}, ${max}] does not fill [${lo}, ${hi}]`);
  assert.ok(Math.abs(m - (lo + hi) / 2) < (5 * sd) / Math.sqrt(n), `${what}: mean ${m}`);
  // The variance of a uniform sample variance is (4/5)·σ⁴/n: a relative sd of √(0.2/n) for σ.
  assert.ok(Math.abs(Math.sqrt(v) / sd - 1) < 5 * Math.sqrt(0.2 / n), `${what}: std ${Math.sqrt(v)} vs ${sd}`);
}

/** Checks mean and standard deviation of N(mean, std²) samples within 5 standard errors. */
function checkNormal(what: string, d: ArrayLike<number>, mean: number, std: number): void {
  const n = d.length;
  let m = 0;
  let v = 0;
  for (let i = 0; i < n; i++) m += d[i] / n;
  for (let i = 0; i < n; i++) v += (d[i] - m) ** 2 / (n - 1);
  assert.ok(Math.abs(m - mean) < (5 * std) / Math.sqrt(n), `${what}: mean ${m} vs ${mean}`);
  assert.ok(Math.abs(Math.sqrt(v) / std - 1) < 5 / Math.sqrt(2 * n), `${what}: std ${Math.sqrt(v)} vs ${std}`);
}

const init = suite('nn/init');

init('gains, fans and bounds equal torch.nn.init\'s formulas (hand-computed)', () => {
  assert.is(calculateGain('linear'), 1);
  assert.is(calculateGain('conv2d'), 1);
  assert.is(calculateGain('sigmoid'), 1);
  assert.is(calculateGain('tanh'), 5 / 3);
  assert.is(calculateGain('relu'), Math.SQRT2);
  assert.is(calculateGain('selu'), 0.75);
  assert.is(calculateGain('leaky_relu'), Math.sqrt(2 / 1.0001));
  assert.is(calculateGain('leaky_relu', 0.2), Math.sqrt(2 / 1.04));
  assert.equal(fans([64, 32, 3, 3]), { fanIn: 288, fanOut: 576 });
  assert.equal(fans([10, 7]), { fanIn: 7, fanOut: 10 });
  // kaiming_uniform_ defaults (a = 0, fan_in, leaky_relu): gain √2, std √2/√288 = 1/12.
  assert.ok(Math.abs(kaimingStd([64, 32, 3, 3]) - 1 / 12) < 1e-16);
  assert.ok(Math.abs(kaimingStd([64, 32, 3, 3], { mode: 'fan_out', nonlinearity: 'relu' }) - 1 / Math.sqrt(288)) < 1e-16);
  assert.ok(Math.abs(kaimingStd([64, 32, 3, 3], { nonlinearity: 'tanh' }) - 5 / 3 / Math.sqrt(288)) < 1e-16);
  // xavier: gain·√(2/(fanIn + fanOut)) = √(2/864) = 1/√432.
  assert.ok(Math.abs(xavierStd([64, 32, 3, 3]) - 1 / Math.sqrt(432)) < 1e-16);
  assert.ok(Math.abs(xavierStd([10, 7], 2) - 2 * Math.sqrt(2 / 17)) < 1e-16);
  throwsLike(() => fans([5]), OptionError, /fans: shape: expected at least 2 dimensions \[out, in, …\], got \[5\]/);
  throwsLike(() => calculateGain('swish' as never), OptionError, /calculateGain: nonlinearity: expected one of/);
  throwsLike(() => kaimingStd([3, 3], { mode: 'fan_avg' as never }), OptionError, /kaiming: mode: expected fan_in or fan_out, got fan_avg/);
});

init('large draws have the asked bounds, means and standard deviations; tensors keep identity', async () => {
  const gpu = await testGpu();
  const shape = [128, 64, 3, 3]; // 73,728 values
  const t = empty(gpu, shape);
  const buffer = t.buffer;
  const gen = new Generator(17);
  const ku = Math.sqrt(3) * kaimingStd(shape, { a: 0.1 });
  checkUniform('kaimingUniform_', await kaimingUniform_(t, { a: 0.1 }, gen).data(), -ku, ku);
  checkNormal('kaimingNormal_', await kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' }, gen).data(), 0, Math.SQRT2 / Math.sqrt(128 * 9));
  const xu = Math.sqrt(3) * xavierStd(shape, 1.5);
  checkUniform('xavierUniform_', await xavierUniform_(t, 1.5, gen).data(), -xu, xu);
  checkNormal('xavierNormal_', await xavierNormal_(t, 0.5, gen).data(), 0, 0.5 * Math.sqrt(2 / (64 * 9 + 128 * 9)));
  checkUniform('uniform_', await uniform_(t, -3, 5, gen).data(), -3, 5);
  checkNormal('normal_', await normal_(t, 2, 0.25, gen).data(), 2, 0.25);
  assert.ok((await constant_(t, 0.5).data()).every((v) => v === 0.5));
  assert.is(t.buffer, buffer);
  const a = await uniform_(t, 0, 1, 3).data();
  const b = await uniform_(t, 0, 1, 3).data();
  assert.equal(Array.from(a), Array.from(b), 'a number seed repeats its draw');
  const none = empty(gpu, [0, 5]);
  assert.is(kaimingUniform_(none), none);
  throwsLike(() => uniform_(tensor(gpu, new Int32Array([1])), 0, 1), GpuUsageError, /uniform_: tensor dtype: expected f32, got i32/);
  t.dispose();
  throwsLike(() => normal_(t), GpuUsageError, /normal_: tensor #\d+ \[128, 64, 3, 3\]: expected a live tensor/);
});

test.run();
init.run();
