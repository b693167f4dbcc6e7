import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, mul, OptionError, scope, sum, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { Adam, adamFlush, AdamW, SGD, type Optimizer } from '../../src/nn/optim.ts';
import { CosineAnnealingLR, StepLR } from '../../src/nn/schedule.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { adamRef, cosineLrChain, sgdRef, stepLrChain, type AdamRef, type SgdRef } from '../ref/optim.ts';

const test = suite('nn/optim');
const TOL = { atol: 1e-6, rtol: 1e-5 };
const STEPS = 7;

/** Three parameters: one larger than a workgroup's 256 elements and not a multiple, one [3, 5], one [1]. */
const SHAPES = [[1037], [3, 5], [1]];

interface Case {
  make: (params: Tensor[]) => Optimizer;
  ref: (p0: Float32Array, grads: (Float32Array | null)[], lrs: number[]) => Float64Array[];
  /** Learning rate set before each step (exercises the lr setter). */
  lrs?: number[];
}

/** Runs STEPS steps with varying gradients; the [3, 5] parameter gets none on steps 2 and 5. */
async function runCase(gpu: Gpu, name: string, c: Case): Promise<void> {
  const p0 = SHAPES.map((s, i) => uniform(s.reduce((a, b) => a * b, 1), 11 + i, -2, 2));
  const params = p0.map((d, i) => tensor(gpu, d, SHAPES[i]));
  params.forEach((p) => (p.requiresGrad = true));
  const grads = SHAPES.map((_, i) => Array.from({ length: STEPS }, (_, t) => (i === 1 && (t === 2 || t === 5) ? null : uniform(p0[i].length, 100 * i + t, -1.5, 1.5))));
  const opt = c.make(params);
  const lrs = c.lrs ?? new Array(STEPS).fill(opt.lr);
  for (let t = 0; t < STEPS; t++) {
    params.forEach((p, i) => (p.grad = grads[i][t] ? tensor(gpu, grads[i][t]!, p.shape) : null));
    opt.lr = lrs[t];
    opt.step();
    opt.zeroGrad();
  }
  for (let i = 0; i < params.length; i++) {
    const want = c.ref(p0[i], grads[i], lrs)[STEPS - 1];
    assertClose(`${name} param ${i}`, await params[i].data(), want, TOL);
  }
  assert.is(opt.stepCount(params[1]), STEPS - 2);
  opt.dispose();
  params.forEach((p) => p.dispose());
}

const sgd = (o: Partial<SgdRef> & { lr: number }): Case => ({
  make: (ps) => new SGD(ps, o),
  ref: (p0, g, lrs) => sgdRef(p0, g, lrs, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...o }),
});

const adam = (o: Partial<AdamRef> & { lr: number }, W = false): Case => ({
  make: (ps) => (W ? new AdamW(ps, { lr: o.lr, betas: o.beta1 ? [o.beta1, o.beta2!] : undefined, eps: o.eps, weightDecay: o.weightDecay, amsgrad: o.amsgrad })
    : new Adam(ps, { lr: o.lr, betas: o.beta1 ? [o.beta1, o.beta2!] : undefined, eps: o.eps, weightDecay: o.weightDecay, amsgrad: o.amsgrad })),
  ref: (p0, g, lrs) => adamRef(p0, g, lrs, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: W ? 1e-2 : 0, decoupled: W, amsgrad: false, ...o }),
});

const CASES: [string, Case][] = [
  ['SGD plain', sgd({ lr: 0.1 })],
  ['SGD weight decay', sgd({ lr: 0.05, weightDecay: 0.1 })],
  ['SGD momentum + dampening + weight decay', sgd({ lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 })],
  ['SGD nesterov + weight decay', sgd({ lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.02 })],
  ['Adam defaults', adam({ lr: 1e-3 })],
  ['Adam L2 weight decay, custom betas and eps', adam({ lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 })],
  ['Adam amsgrad + weight decay', adam({ lr: 0.01, weightDecay: 0.05, amsgrad: true })],
  ['AdamW default decay', adam({ lr: 0.01 }, true)],
  ['AdamW strong decay + amsgrad', adam({ lr: 0.03, weightDecay: 0.5, amsgrad: true }, true)],
];

for (const [name, c] of CASES) {
  test(`${name}: ${STEPS} steps match PyTorch's rule in float64`, async () => runCase(await testGpu(), name, c));
}

test('a learning rate changed between steps (as a schedule does) takes effect', async () => {
  const gpu = await testGpu();
  const lrs = [0.1, 0.05, 0.05, 0.2, 0.01, 0.01, 0.3];
  await runCase(gpu, 'SGD varying lr', { ...sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 }), lrs });
  await runCase(gpu, 'AdamW varying lr', { ...adam({ lr: 0.1, weightDecay: 0.1 }, true), lrs });
});

test('gradients from backward; parameters keep identity; no memory beyond parameters and state', async () => {
  const gpu = await testGpu();
  const w = tensor(gpu, uniform(300, 1), [300]);
  const b = tensor(gpu, [0.5], [1]);
  w.requiresGrad = b.requiresGrad = true;
  const c = tensor(gpu, uniform(300, 2), [300]);
  const before = gpu.stats().liveBytes;
  const opt = new Adam([w, b], { lr: 0.01 });
  const buffer = w.buffer;
  for (let t = 0; t < 5; t++) {
    scope(() => backward(sum(mul(mul(w, c), b))));
    opt.step();
    opt.zeroGrad();
  }
  assert.is(w.buffer, buffer);
  assert.is(w.grad, null);
  assert.is(opt.stateTensors().length, 4);
  assert.is(gpu.stats().liveBytes, before + opt.stateBytes());
  opt.dispose();
  assert.is(gpu.stats().liveBytes, before);
  for (const t of [w, b, c]) t.dispose();
});

test('tiny gradients leave no denormals in the state (flushed) and match the float64 rule', async () => {
  const gpu = await testGpu();
  const p0 = uniform(300, 5);
  const p = tensor(gpu, p0);
  p.requiresGrad = true;
  const g = Float32Array.from(uniform(300, 6), (v) => v * 1e-19);
  const opt = new Adam([p], { lr: 0.01 });
  const grads: (Float32Array | null)[] = [];
  for (let t = 0; t < 6; t++) {
    // Later gradients are exactly zero: v then decays by β2 each step.
    const gt = t < 2 ? g : new Float32Array(300);
    grads.push(gt);
    p.grad = tensor(gpu, gt);
    opt.step();
    opt.zeroGrad();
  }
  const want = adamRef(p0, grads, new Array(6).fill(0.01), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, amsgrad: false })[5];
  assertClose('Adam tiny gradients', await p.data(), want, TOL);
  // SGD's momentum buffer: 4e-38 decays by 0.5 per step into the denormal range.
  const q = tensor(gpu, new Float32Array(300).fill(1));
  q.requiresGrad = true;
  const sgd = new SGD([q], { lr: 0.1, momentum: 0.5 });
  for (let t = 0; t < 4; t++) {
    q.grad = tensor(gpu, new Float32Array(300).fill(t === 0 ? 4e-38 : 0));
    sgd.step();
    sgd.zeroGrad();
  }
  for (const s of [...opt.stateTensors(), ...sgd.stateTensors()]) {
    const d = await s.data();
    const bad = d.findIndex((v) => v !== 0 && Math.abs(v) < 1.17549435e-38);
    assert.is(bad, -1, `denormal state value ${d[bad]} at ${bad}`);
  }
  assert.equal(Array.from(await sgd.stateTensors()[0].data()), new Array(300).fill(0));
  sgd.dispose();
  opt.dispose();
  p.dispose();
  q.dispose();
});

test('denormal flushing is on only where it cannot change results: eps > 8.2e-11 at β2 = 0.999', () => {
  const MIN_NORMAL = 2 ** -126;
  // √2·√(MIN_NORMAL/(1 − β2)) = 4.86e-18 at β2 = 0.999 must be below eps·2⁻²⁴ (eps > 8.13e-11).
  const on = adamFlush(1e-8, 0.999);
  assert.is(on.tiny, MIN_NORMAL);
  assert.ok(Math.abs(on.d_floor - Math.sqrt(MIN_NORMAL / 0.001)) < 1e-30);
  assert.is(adamFlush(1e-10, 0.999).tiny, MIN_NORMAL);
  assert.equal(adamFlush(5e-11, 0.999), { tiny: 0, d_floor: 0 });
  assert.is(adamFlush(5e-11, 0.9).tiny, MIN_NORMAL);
  assert.equal(adamFlush(1e-8, 1 - 1e-8), { tiny: 0, d_floor: 0 });
  // WGSL lets a device flush subnormals itself (SwiftShader does), so what happens to values
  // below 1.18e-38 with the flush off is the device's choice; no GPU check for that case.
});

test('a parameter beyond 65,535 workgroups (folded grid): every kernel entry updates its far end', async () => {
  const gpu = await testGpu();
  const n = 65535 * 256 + 37;
  const p0 = uniform(n, 31);
  const g = uniform(n, 32);
  const grad = tensor(gpu, g);
  // First steps in closed form: SGD p − lr·g (Nesterov p − lr·(1 + μ)·g); Adam and AMSGrad
  // m̂ = g, v̂ = g², so p − lr·g / (|g| + eps).
  const cases: [string, (p: Tensor) => Optimizer, (i: number) => number][] = [
    ['SGD', (p) => new SGD([p], { lr: 0.1 }), (i) => p0[i] - 0.1 * g[i]],
    ['SGD nesterov', (p) => new SGD([p], { lr: 0.1, momentum: 0.5, nesterov: true }), (i) => p0[i] - 0.1 * 1.5 * g[i]],
    ['Adam', (p) => new Adam([p], { lr: 0.01 }), (i) => p0[i] - (0.01 * g[i]) / (Math.abs(g[i]) + 1e-8)],
    ['Adam amsgrad', (p) => new Adam([p], { lr: 0.01, amsgrad: true }), (i) => p0[i] - (0.01 * g[i]) / (Math.abs(g[i]) + 1e-8)],
  ];
  for (const [name, make, ref] of cases) {
    const p = tensor(gpu, p0);
    p.requiresGrad = true;
    const opt = make(p);
    p.grad = grad;
    opt.step();
    p.grad = null;
    const got = await p.data();
    // Every 97th element and the whole tail, where the folded rows end.
    const idx = Array.from({ length: Math.ceil(n / 97) }, (_, k) => k * 97).concat(Array.from({ length: 5000 }, (_, k) => n - 5000 + k));
    assertClose(`${name} n = ${n}`, idx.map((i) => got[i]), idx.map(ref), TOL);
    opt.dispose();
    p.dispose();
  }
  grad.dispose();
});

test('schedules: StepLR and CosineAnnealingLR match PyTorch\'s chained rates and hand values', () => {
  const opt = { lr: 0.1 };
  const s = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
  const chain = stepLrChain(0.1, 10, 3, 0.5);
  assert.is(s.lastLr, 0.1);
  for (let e = 1; e <= 10; e++) {
    s.step();
    assert.ok(Math.abs(opt.lr - chain[e]) <= 1e-15, `StepLR epoch ${e}: got ${opt.lr}, expected ${chain[e]}`);
    assert.is(s.lastLr, opt.lr);
  }
  assert.is(opt.lr, 0.1 * 0.125); // epochs 9, 10: three halvings
  const o2 = { lr: 0.2 };
  const c = new CosineAnnealingLR(o2, { tMax: 4, etaMin: 0.02 });
  const cchain = cosineLrChain(0.2, 13, 4, 0.02);
  const hand = [0.2, 0.02 + 0.18 * (1 + Math.SQRT1_2) / 2, 0.11, 0.02 + 0.18 * (1 - Math.SQRT1_2) / 2, 0.02, 0.02 + 0.18 * (1 - Math.SQRT1_2) / 2, 0.11];
  for (let e = 1; e <= 13; e++) {
    c.step();
    assert.ok(Math.abs(o2.lr - cchain[e]) <= 1e-12, `Cosine epoch ${e}: got ${o2.lr}, expected ${cchain[e]}`);
    if (e < hand.length) assert.ok(Math.abs(o2.lr - hand[e]) <= 1e-15, `Cosine epoch ${e}: got ${o2.lr}, expected ${hand[e]}`);
  }
  throwsLike(() => new StepLR(opt, { stepSize: 0 }), OptionError, /StepLR: stepSize: expected a positive integer, got 0/);
  throwsLike(() => new CosineAnnealingLR(opt, { tMax: 2.5 }), OptionError, /CosineAnnealingLR: tMax: expected a positive integer, got 2.5/);
});

test('bad arguments are refused before any GPU work', async () => {
  const gpu = await testGpu();
  const p = tensor(gpu, [1, 2, 3]);
  p.requiresGrad = true;
  throwsLike(() => new SGD([p], { lr: -1 }), OptionError, /SGD: lr: expected a finite number ≥ 0, got -1/);
  throwsLike(() => new SGD([p], { lr: 0.1, nesterov: true }), OptionError, /SGD: nesterov: expected momentum > 0 and dampening = 0/);
  throwsLike(() => new SGD([p, p], { lr: 0.1 }), GpuUsageError, /SGD: params\[1\]: expected each parameter once/);
  throwsLike(() => new Adam([p], { betas: [0.9, 1] }), OptionError, /Adam: betas\[1\]: expected a number in \[0, 1\), got 1/);
  throwsLike(() => new AdamW([p], { eps: 0 }), OptionError, /AdamW: eps: expected a finite number > 0, got 0/);
  throwsLike(() => new Adam([tensor(gpu, new Int32Array([1]))]), GpuUsageError, /Adam: params\[0\] dtype: expected f32, got i32/);
  const opt = new Adam([p]);
  p.grad = tensor(gpu, [1, 2], [2]);
  const before = gpu.stats().dispatches;
  throwsLike(() => opt.step(), GpuUsageError, /Adam: params\[0\]\.grad: expected f32 \[3\], got f32 \[2\]/);
  assert.is(gpu.stats().dispatches, before);
  throwsLike(() => (opt.lr = NaN), OptionError, /Adam: lr: expected a finite number/);
  opt.zeroGrad();
  p.dispose();
});

test.run();
