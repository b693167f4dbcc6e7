/**
 * End to end: a small MLP learns a known function in 2,000 Adam steps on the GPU, and the
 * engine leaks nothing: afterwards the live GPU bytes are exactly the parameters plus the
 * optimizer's moments.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam, backward, CosineAnnealingLR, Linear, liveGraphNodes, mseLoss, noGrad, ReLU, scope, Sequential, tensor, type Tensor } from '../../src/index.ts';
import { rng, testGpu } from '../harness/gpu.ts';

const test = suite('nn/mlp');

// The target: f(x, y) = sin(2x)·cos(y) on [−1.5, 1.5]², a smooth function a 2-32-32-1 ReLU net fits well.
function sample(n: number, seed: number): { xs: Float32Array; ys: Float32Array } {
  const r = rng(seed);
  const xs = new Float32Array(2 * n);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 3 * r() - 1.5;
    const b = 3 * r() - 1.5;
    xs.set([a, b], 2 * i);
    ys[i] = Math.sin(2 * a) * Math.cos(b);
  }
  return { xs, ys };
}

test('2,000 steps learn sin(2x)·cos(y); live GPU bytes end at parameters plus Adam state', async () => {
  const gpu = await testGpu();
  const base = gpu.stats().liveBytes;
  const nodes = liveGraphNodes();
  const model = new Sequential(new Linear(gpu, 2, 32, { seed: 1 }), new ReLU(), new Linear(gpu, 32, 32, { seed: 2 }), new ReLU(), new Linear(gpu, 32, 1, { seed: 3 }));
  const opt = new Adam(model.parameters(), { lr: 1e-2 });
  const sched = new CosineAnnealingLR(opt, { tMax: 2000, etaMin: 1e-4 });
  const train = sample(256, 7);
  const held = sample(200, 8);
  const data: Tensor[] = [tensor(gpu, train.xs, [256, 2]), tensor(gpu, train.ys, [256, 1]), tensor(gpu, held.xs, [200, 2]), tensor(gpu, held.ys, [200, 1])];
  const [x, y, hx, hy] = data;
  const losses: number[] = [];
  let midBytes = 0;
  for (let step = 1; step <= 2000; step++) {
    const loss = scope(() => {
      const l = mseLoss(model.forward(x), y);
      backward(l);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    sched.step();
    if (step === 1 || step % 500 === 0) losses.push((await loss.data())[0]);
    loss.dispose();
    if (step === 1000) midBytes = gpu.stats().liveBytes;
  }
  assert.is(gpu.stats().liveBytes, midBytes, 'memory does not grow between step 1,000 and 2,000');
  model.eval();
  const heldLoss = await scope(async () => (await noGrad(() => mseLoss(model.forward(hx), hy)).data())[0]);
  assert.ok(losses[0] > 0.15, `the untrained net is poor (MSE ${losses[0]})`);
  assert.ok(losses[losses.length - 1] < 0.005, `training MSE after 2,000 steps: ${losses.join(' → ')}`);
  assert.ok(heldLoss < 0.01, `held-out MSE ${heldLoss}`);
  for (const t of data) t.dispose();
  assert.is(liveGraphNodes(), nodes, 'no graph is left behind');
  const params = model.parameters().reduce((s, p) => s + p.buffer.capacity, 0);
  assert.is(gpu.stats().liveBytes - base, params + opt.stateBytes(), 'live bytes = parameters + optimizer state');
  opt.dispose();
  model.dispose();
  assert.is(gpu.stats().liveBytes, base);
});

test.run();
