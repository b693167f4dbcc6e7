import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, liveGraphNodes, mul, OptionError, sum, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { Dropout, Gelu, LeakyReLU } from '../../src/nn/activation.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { unaryRef } from '../ref/unary.ts';

const test = suite('nn/activation');

test('Gelu is the exact erf GELU: forward and gradient against float64, tails included', async () => {
  const gpu = await testGpu();
  // [-6, 6] reaches the tails where the tanh approximation differs from erf by ~1e-3 relative.
  const data = uniform(3 * 37, 5, -6, 6);
  await gradCheck(gpu, 'Gelu', {
    inputs: [{ shape: [3, 37], data }],
    gpuFn: (x) => new Gelu().forward(x),
    refFn: (x) => x.map((v) => unaryRef.gelu(v, 0, 0)),
  });
  // At x = −3 the exact GELU is −3·Φ(−3) = −0.0040495…; the tanh form gives −0.0036374.
  const x = tensor(gpu, [-3, 0, 1], [3]);
  const y = new Gelu().forward(x);
  const got = await y.data();
  assert.ok(Math.abs(got[0] - -0.004049515) < 2e-6, `gelu(-3) = ${got[0]}`);
  assert.ok(Math.abs(got[2] - 0.8413447) < 2e-6, `gelu(1) = ${got[2]}`);
  for (const t of [x, y]) t.dispose();
});

test('LeakyReLU: default slope 0.01 and Super-AD\'s 0.1, forward and gradient; a bad slope is refused', async () => {
  const gpu = await testGpu();
  for (const slope of [undefined, 0.1]) {
    const m = slope === undefined ? new LeakyReLU() : new LeakyReLU(slope);
    assert.is(m.slope, slope ?? 0.01);
    await gradCheck(gpu, `LeakyReLU(${m.slope})`, {
      inputs: [{ shape: [5, 29], data: uniform(5 * 29, 8, -3, 3) }],
      gpuFn: (x) => m.forward(x),
      refFn: (x) => x.map((v) => unaryRef.leakyRelu(v, m.slope, 0)),
    });
  }
  throwsLike(() => new LeakyReLU(Number.NaN), OptionError, /LeakyReLU: slope: expected a finite number, got NaN/);
});

/** y = drop(x) and dx of Σ y·w, read back; disposes its tensors. */
async function dropRun(gpu: Gpu, drop: Dropout, xd: Float32Array, w: Float32Array): Promise<{ y: Float32Array; dx: Float32Array }> {
  const x = tensor(gpu, xd, [xd.length]);
  x.requiresGrad = true;
  const wt = tensor(gpu, w, [w.length]);
  const y = drop.forward(x);
  const yw = mul(y, wt);
  const loss = sum(yw);
  backward(loss);
  const out = { y: Float32Array.from(await y.data()), dx: Float32Array.from(await x.grad!.data()) };
  for (const t of [x, wt, y, yw, loss] as Tensor[]) t.dispose();
  return out;
}

test('Dropout train: each value is 0 or x/(1−p), about p of them dropped, the gradient through the same mask', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const n = 20_011; // not a multiple of any workgroup size
  const p = 0.3;
  const xd = uniform(n, 3, 0.5, 2); // no zeros, so a dropped value is recognisable
  const w = uniform(n, 4);
  const { y, dx } = await dropRun(gpu, new Dropout(p, { seed: 7 }), xd, w);
  let dropped = 0;
  for (let i = 0; i < n; i++) {
    const kept = y[i] !== 0;
    if (!kept) dropped++;
    // Kept: y = x·(1/(1−p)) rounded once in float32; dx = w·(1/(1−p)) where kept, 0 where dropped.
    const want = kept ? Math.fround(xd[i] * Math.fround(1 / (1 - p))) : 0;
    if (Math.abs(y[i] - want) > 1e-6 * Math.abs(want)) assert.unreachable(`y[${i}]: expected ${want}, got ${y[i]}`);
    const wantDx = kept ? w[i] / (1 - p) : 0;
    if (Math.abs(dx[i] - wantDx) > 1e-6) assert.unreachable(`dx[${i}]: expected ${wantDx}, got ${dx[i]}`);
  }
  // Binomial(n, p): 5 standard deviations is ±0.016 here.
  const sd = Math.sqrt((p * (1 - p)) / n);
  assert.ok(Math.abs(dropped / n - p) < 5 * sd, `dropped fraction ${dropped / n}, expected ${p} ± ${5 * sd}`);
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('Dropout: seeded masks repeat, successive calls differ; eval, p = 0 and p = 1; a bad p is refused', async () => {
  const gpu = await testGpu();
  const n = 1_000;
  const xd = uniform(n, 9, 0.5, 2);
  const w = uniform(n, 10);
  const [a, b] = [new Dropout(0.5, { seed: 11 }), new Dropout(0.5, { seed: 11 })];
  const a1 = await dropRun(gpu, a, xd, w);
  const a2 = await dropRun(gpu, a, xd, w);
  const b1 = await dropRun(gpu, b, xd, w);
  assert.equal(b1.y, a1.y, 'the same seed gives the same first mask');
  assert.not.equal(a2.y, a1.y, 'the second call draws a new mask');
  a.eval();
  const e = await dropRun(gpu, a, xd, w);
  assert.equal(e.y, xd, 'eval is the identity');
  assert.equal(e.dx, w, 'and passes the gradient through');
  const zero = await dropRun(gpu, new Dropout(0, { seed: 1 }), xd, w);
  assert.equal(zero.y, xd);
  const all = await dropRun(gpu, new Dropout(1, { seed: 1 }), xd, w);
  assert.equal(all.y, new Float32Array(n));
  assert.equal(all.dx, new Float32Array(n));
  assert.is(new Dropout().p, 0.5);
  for (const bad of [-0.1, 1.5, Number.NaN]) throwsLike(() => new Dropout(bad), OptionError, /Dropout: p: expected a probability in \[0, 1\], got/);
});

test.run();
