/**
 * The shared training loop (src/nn/train.ts): the schedule's rate per step, progress, abort,
 * freeing of each step's intermediates, loss read-backs batched rather than one sync per step,
 * and a non-finite loss stopping training with an error that names the step.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam, CosineAnnealingLR, Linear, liveGraphNodes, mseLoss, OptionError, SGD, StepLR, tensor, TrainingDivergedError, trainLoop, view, type Tensor, type TrainProgress } from '../../src/index.ts';
import { synthScene } from '../../src/data/synth.ts';
import { trainBs3lnet } from '../../src/models/bs3train.ts';
import { rejects, rng, testGpu } from '../harness/gpu.ts';

const test = suite('nn/train');

/** y = 2x − 1 on 64 points: a Linear(1, 1) fits it. */
async function fitLine(opts: { steps: number; lr?: number; progressMs?: number; checkEvery?: number; signal?: AbortSignal; onProgress?: (p: TrainProgress) => void; schedule?: boolean }) {
  const gpu = await testGpu();
  const r = rng(3);
  const xs = Float32Array.from({ length: 64 }, () => 2 * r() - 1);
  const x = tensor(gpu, xs, [64, 1]);
  const y = tensor(gpu, xs.map((v) => 2 * v - 1), [64, 1]);
  const model = new Linear(gpu, 1, 1, { seed: 5 });
  const optimizer = new SGD(model.parameters(), { lr: opts.lr ?? 0.1 });
  const scheduler = opts.schedule ? new StepLR(optimizer, { stepSize: 3, gamma: 0.5 }) : null;
  try {
    return await trainLoop('fitLine', {
      model, optimizer, scheduler, steps: opts.steps, signal: opts.signal, onProgress: opts.onProgress, progressMs: opts.progressMs, checkEvery: opts.checkEvery,
      // The loop frees a batch's tensors after the step: hand it views of the kept data.
      batch: () => ({ x: view(x, x.shape), y: view(y, y.shape) }),
      loss: (b) => ({ loss: mseLoss(model.forward(b.x), b.y) }),
    });
  } finally {
    for (const t of [x, y]) t.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

test('each step trains at the schedule rate; progress reports step, loss, lr and rate; the loss falls', async () => {
  const seen: TrainProgress[] = [];
  const r = await fitLine({ steps: 9, schedule: true, onProgress: (p) => seen.push(p) });
  assert.is(r.losses.length, 9);
  assert.equal(seen.map((p) => p.step), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(seen.map((p) => p.lr), [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025]);
  assert.equal(seen.map((p) => p.loss), r.losses);
  assert.ok(seen.every((p) => p.steps === 9 && p.stepsPerSecond > 0));
  assert.ok(r.losses[8] < 0.5 * r.losses[0], `loss ${r.losses[0]} → ${r.losses[8]}`);
  assert.not.ok(r.aborted);
});

test('losses are read back in batches (every checkEvery steps), not one sync per step; the values are the same', async () => {
  const gpu = await testGpu();
  const s0 = gpu.stats().submits;
  const batched = await fitLine({ steps: 20, checkEvery: 10 });
  const s1 = gpu.stats().submits;
  const every = await fitLine({ steps: 20, onProgress: () => {} });
  const s2 = gpu.stats().submits;
  assert.ok(s1 - s0 <= 3, `batched: ${s1 - s0} submits for 20 steps`);
  assert.ok(s2 - s1 >= 20, `progress every step: ${s2 - s1} submits`);
  assert.equal(batched.losses, every.losses);
});

test('a step frees its intermediates: live bytes and graph nodes do not grow with the steps', async () => {
  const gpu = await testGpu();
  const nodes = liveGraphNodes();
  const bytes: number[] = [];
  await fitLine({ steps: 12, onProgress: () => bytes.push(gpu.stats().liveBytes) });
  assert.is(liveGraphNodes(), nodes);
  assert.is(bytes[11], bytes[2], `live bytes per step ${bytes.join(', ')}`);
});

test('abort between steps: the loop stops and says so', async () => {
  const ctl = new AbortController();
  const r = await fitLine({ steps: 10, signal: ctl.signal, onProgress: (p) => p.step === 4 && ctl.abort() });
  assert.is(r.losses.length, 4);
  assert.ok(r.aborted);
});

test('a non-finite loss stops training with an error naming the step, the last finite loss and the likely causes', async () => {
  // SGD at lr 40 on this line overshoots by a factor that grows each step: inf, then NaN.
  const err = (await rejects(fitLine({ steps: 200, lr: 40 }), TrainingDivergedError, /^fitLine: loss: expected a finite value, got (Infinity|NaN) at step \d+ \(the last finite loss was [0-9.e+]+\); training stopped\. Likely causes: a learning rate too high/)) as TrainingDivergedError;
  assert.ok(err.step > 1 && err.lastFinite !== null && Number.isFinite(err.lastFinite));
  // NaN from the first step: no finite loss before it.
  const gpu = await testGpu();
  const model = new Linear(gpu, 1, 1, { seed: 1 });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  // Squares of about 1e50 overflow f32 to Infinity on every adapter (a log of a negative number
  // would not do: WGSL leaves its value undefined, and SwiftShader returns a finite one).
  const x = tensor(gpu, [1e25, 2e25, 3e25], [3, 1]);
  const zero = tensor(gpu, [0, 0, 0], [3, 1]);
  const first = (await rejects(trainLoop('overflow', {
    model, optimizer, steps: 5,
    batch: () => ({}),
    loss: () => ({ loss: mseLoss(model.forward(x), zero) }),
  }), TrainingDivergedError, /^overflow: loss: expected a finite value, got (Infinity|NaN) at step 1 \(no finite loss before it\)/)) as TrainingDivergedError;
  assert.is(first.lastFinite, null);
  for (const t of [x, zero]) t.dispose();
  model.dispose();
  optimizer.dispose();
  await rejects(fitLine({ steps: 0 }), OptionError, /fitLine: steps: expected a positive integer, got 0/);
});

test('weights that the last step makes non-finite are caught after the loop (no loss sees them)', async () => {
  const gpu = await testGpu();
  const model = new Linear(gpu, 1, 1, { seed: 2 });
  const optimizer = new SGD(model.parameters(), { lr: 1e38 });
  const x = tensor(gpu, [1, 2, 3], [3, 1]);
  const y = tensor(gpu, [50, 60, 70], [3, 1]);
  // One step: its loss is finite (read before the update); lr 1e38 × a gradient of ~100 overflows f32.
  const err = (await rejects(trainLoop('lastStep', {
    model, optimizer, steps: 1, batch: () => ({}), loss: () => ({ loss: mseLoss(model.forward(x), y) }),
  }), TrainingDivergedError, /^lastStep: weights: expected finite values, got (-?Infinity|NaN) in weight after step 1 \(the last finite loss was [0-9.e+]+\); training stopped\. Likely causes: a learning rate too high for this scene \(lower it/)) as TrainingDivergedError;
  assert.is(err.param, 'weight');
  for (const t of [x, y]) t.dispose();
  model.dispose();
  optimizer.dispose();
});

test('trainBs3lnet with a diverging learning rate throws instead of returning NaN scores', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 16, cols: 16, bands: 6, anomalies: 2, seed: 2 });
  await rejects(trainBs3lnet(gpu, cube, { epochs: 30, lr: 1e30, mine: 0 }), TrainingDivergedError, /^trainBs3lnet: loss: expected a finite value, got (NaN|Infinity) at step \d+/);
  // The scheduler object is the engine's own: CosineAnnealingLR decides the fast preset's rates.
  assert.type(CosineAnnealingLR, 'function');
});

test.run();
