/**
 * SSCC's pipeline and training (src/models/ssccdata.ts, sscctrain.ts): the feature statistics
 * against a float64 pass over every patch, standardised patches, seeded epoch batches that drop
 * the last partial batch, the two-forward training step on the shared loop, the per-epoch
 * schedule, every pixel assigned, the 'labelled' protocol, and the settings' checks. The network
 * and losses against PyTorch are sscc.golden.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OptionError } from '../../src/index.ts';
import { extractPatches } from '../../src/data/patch.ts';
import { synthScene } from '../../src/data/synth.ts';
import { epochBatches, samplePixels, ssccData, standardPatches } from '../../src/models/ssccdata.ts';
import { ssccLoss } from '../../src/models/sscc.ts';
import { clusterContrastive } from '../../src/ops/contrastive.ts';
import { tensor } from '../../src/ops/fill.ts';
import { ssccAssign, ssccSettings, trainSscc } from '../../src/models/sscctrain.ts';
import { rejects, testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('models/sscctrain');

function scene() {
  const { cube } = synthScene({ rows: 19, cols: 17, bands: 12, anomalies: 0, seed: 3 });
  const gt = { rows: 19, cols: 17, data: Int32Array.from({ length: 19 * 17 }, (_, p) => (p % 17 < 5 ? 0 : 1 + (Math.floor(p / 17) > 9 ? 1 : 0))) };
  return { cube, gt };
}

test('feature statistics equal a float64 pass over every training patch; patches come out standardised', async () => {
  const { cube, gt } = scene();
  for (const trainOn of ['all', 'labelled'] as const) {
    const d = await ssccData(cube, { components: 4, patch: 5, trainOn, gt });
    assert.is(d.centres.length, trainOn === 'all' ? 19 * 17 : gt.data.filter((v) => v > 0).length);
    const p = await extractPatches(d.components, 5, d.centres);
    const f = 4 * 25;
    for (let j = 0; j < f; j += 7) {
      let m = 0;
      for (let n = 0; n < p.count; n++) m += p.data[n * f + j];
      m /= p.count;
      let v = 0;
      for (let n = 0; n < p.count; n++) v += (p.data[n * f + j] - m) ** 2;
      assert.ok(Math.abs(d.mean[j] - m) <= 1e-12 * (1 + Math.abs(m)), `mean[${j}]`);
      assert.ok(Math.abs(d.invStd[j] - 1 / Math.sqrt(v / p.count)) <= 1e-9 * d.invStd[j], `invStd[${j}]`);
    }
    const z = await standardPatches(d, d.centres);
    let m0 = 0;
    for (let n = 0; n < p.count; n++) m0 += z[n * f];
    assert.ok(Math.abs(m0 / p.count) < 1e-5, `feature 0 mean ${m0 / p.count}`);
  }
  await rejects(ssccData(cube, { components: 4, patch: 5, trainOn: 'labelled' }), OptionError, /trainSscc: trainOn: expected 'all' without a ground truth/);
});

test('epoch batches: a seeded shuffle of every centre, full batches only, a new order each epoch', () => {
  const centres = Int32Array.from({ length: 103 }, (_, i) => i * 2);
  const a = epochBatches(centres, 25, 0, 1);
  assert.is(a.length, 4);
  assert.ok(a.every((b) => b.length === 25));
  const seen = new Set(a.flatMap((b) => Array.from(b)));
  assert.is(seen.size, 100);
  assert.ok([...seen].every((c) => c % 2 === 0 && c < 206));
  assert.equal(epochBatches(centres, 25, 0, 1).map((b) => Array.from(b)), a.map((b) => Array.from(b)));
  assert.not.equal(epochBatches(centres, 25, 1, 1).map((b) => Array.from(b)), a.map((b) => Array.from(b)));
});

test('a short training: two views per step, StepLR per epoch, losses finite, same seed → same labels for every pixel', async () => {
  const gpu = await testGpu();
  const { cube, gt } = scene();
  const lrs: number[] = [];
  const opts = { k: 3, epochs: 3, batch: 64, stepSize: 1, gamma: 0.5, components: 4, patch: 5, widths: [4, 6], blocks: 1, hidden: 8, seed: 2 };
  const r = await trainSscc(gpu, cube, { ...opts, onProgress: (p) => lrs.push(p.lr) });
  const perEpoch = Math.floor((19 * 17) / 64);
  assert.is(r.losses.length, 3 * perEpoch);
  assert.ok(r.losses.every(Number.isFinite));
  assert.equal(lrs, [...Array(perEpoch).fill(1e-3), ...Array(perEpoch).fill(5e-4), ...Array(perEpoch).fill(2.5e-4)]);
  const passes: number[] = [];
  const labels = (await ssccAssign(gpu, r, { batch: 100, onProgress: (done, total) => passes.push(done, total) }))!;
  assert.equal(passes, [100, 323, 200, 323, 300, 323, 323, 323], 'progress after every batch');
  assert.is(labels.length, 19 * 17);
  assert.ok(labels.every((v) => v >= 0 && v < 3));
  const again = await trainSscc(gpu, cube, opts);
  assert.equal(again.losses, r.losses);
  assert.equal(Array.from((await ssccAssign(gpu, again))!), Array.from(labels));
  assert.is(await ssccAssign(gpu, again, { signal: AbortSignal.abort() }), null, 'a stopped assignment returns null');
  const labelled = await trainSscc(gpu, cube, { ...opts, epochs: 1, trainOn: 'labelled', gt });
  assert.is(labelled.data.centres.length, gt.data.filter((v) => v > 0).length);
  for (const m of [r, again, labelled]) m.model.dispose();
});

test('a large scene trains on a seeded sample of at most maxPixels pixels, in row-major order', async () => {
  const all = Int32Array.from({ length: 1000 }, (_, i) => 3 * i);
  const s = samplePixels(all, 100, 7);
  assert.is(s.length, 100);
  assert.ok(s.every((v, i) => v % 3 === 0 && v < 3000 && (i === 0 || v > s[i - 1])), 'distinct training pixels, ascending');
  assert.equal(Array.from(samplePixels(all, 100, 7)), Array.from(s));
  assert.not.equal(Array.from(samplePixels(all, 100, 8)), Array.from(s));
  assert.is(samplePixels(all, 1000, 7), all);
  const { cube } = scene();
  const d = await ssccData(cube, { components: 3, patch: 3, trainOn: 'all', maxPixels: 50, seed: 1 });
  assert.is(d.centres.length, 50);
  throwsLike(() => ssccSettings({ k: 3, maxPixels: -1 }), OptionError, /maxPixels: expected a non-negative integer \(0: every pixel\), got -1/);
});

test('the cluster-level term adds clusterWeight · ClusterLoss(τ 0.2) to the code\'s loss', async () => {
  const gpu = await testGpu();
  const rows = (seed: number) => {
    const v = Float32Array.from({ length: 10 * 4 }, (_, i) => Math.exp(Math.sin(i * 1.7 + seed)));
    for (let r = 0; r < 10; r++) {
      const t = v.subarray(4 * r, 4 * r + 4).reduce((a, b) => a + b);
      for (let j = 0; j < 4; j++) v[4 * r + j] /= t;
    }
    return tensor(gpu, v, [10, 4]);
  };
  const [ci, cj] = [rows(1), rows(2)];
  const base = (await ssccLoss(ci, cj).data())[0];
  const withCluster = (await ssccLoss(ci, cj, { clusterWeight: 0.5 }).data())[0];
  const cluster = (await clusterContrastive(ci, cj, 0.2).data())[0];
  assert.ok(Math.abs(withCluster - (base + 0.5 * cluster)) <= 1e-5 * (1 + Math.abs(withCluster)), `${withCluster} vs ${base} + 0.5 · ${cluster}`);
});

test('settings: presets, k required, checks', () => {
  const paper = ssccSettings({ preset: 'paper', k: 6 });
  // The paper preset keeps the code's loss and trains on every pixel.
  assert.equal([paper.tradeoff, paper.clusterWeight, paper.maxPixels, paper.cropScale], [5e-5, 0, 0, [0.08, 1]]);
  const fast = ssccSettings({ k: 6 });
  assert.equal([fast.widths, fast.blocks, fast.patch, fast.epochs, fast.tradeoff, fast.clusterWeight, fast.maxPixels], [[32, 32], 1, 7, 18, 1, 1, 16384]);
  assert.equal([paper.epochs, paper.batch, paper.lr, paper.weightDecay, paper.stepSize, paper.gamma, paper.components, paper.patch, paper.widths, paper.blocks, paper.hidden], [200, 512, 2e-4, 5e-3, 20, 0.1, 8, 11, [32, 64, 128, 256], 2, 512]);
  assert.is(ssccSettings({ k: 4 }).preset, 'fast');
  throwsLike(() => ssccSettings({}), OptionError, /trainSscc: k: expected the number of clusters \(an integer ≥ 2\), got none/);
  throwsLike(() => ssccSettings({ k: 3, patch: 4 }), OptionError, /patch: expected an odd positive integer, got 4/);
  throwsLike(() => ssccSettings({ k: 3, trainOn: 'some' as never }), OptionError, /trainOn: expected 'all' or 'labelled', got some/);
});

test.run();
