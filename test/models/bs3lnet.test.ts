import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { constant_, HsiError, liveGraphNodes, OptionError, tensor, TrainingDivergedError } from '../../src/index.ts';
import type { Cube } from '../../src/data/cube.ts';
import { synthScene } from '../../src/data/synth.ts';
import { rocAuc } from '../../src/metrics/roc.ts';
import { Bs3lnet, bs3lnetResiduals, bs3lnetScores } from '../../src/models/bs3lnet.ts';
import { hostRng, imageMask, paperBatch, reflectIndex, scaleForTraining } from '../../src/models/bs3mask.ts';
import { bs3ResultScores, bs3Settings, cropShape, MAX_STEP_PIXELS, trainBs3lnet } from '../../src/models/bs3train.ts';
import { rejects, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { assertBlindSpot } from '../harness/blindspot.ts';
import { globalRxRef } from '../ref/rx.ts';

/** AUC(D,F) of float64 global RX on the same scene: the bar a learned detector must reach. */
const rxAuc = (cube: Cube, map: Int32Array): number => rocAuc(globalRxRef(cube.data, cube.rows, cube.cols, cube.bands), map);

const test = suite('models/bs3lnet');

test('network: parameter count 1153·B + 185,024 (docs/bs3lnet.md#network), init N(0, 0.02²) / BN N(1, 0.02²)', async () => {
  const gpu = await testGpu();
  const net = new Bs3lnet(gpu, { bands: 20, seed: 3 });
  const count = net.parameters().reduce((s, p) => s + p.size, 0);
  assert.is(count, 1153 * 20 + 185024);
  const w = Float32Array.from(await net.resblocks[0].conv1.weight.data());
  const m = w.reduce((s, v) => s + v, 0) / w.length;
  const sd = Math.sqrt(w.reduce((s, v) => s + (v - m) ** 2, 0) / w.length);
  assert.ok(Math.abs(m) < 0.002 && Math.abs(sd - 0.02) < 0.002, `conv weights mean ${m}, sd ${sd}`);
  assert.equal(Array.from(await net.encoder.bias!.data()).every((v) => v === 0), true);
  const g = await net.decoderBn.weight!.data();
  assert.ok(g.every((v) => Math.abs(v - 1) < 0.1) && g.some((v) => v !== 1), 'BN weights near 1, not all 1');
  assert.equal(net.radius, 7);
  net.dispose();
  throwsLike(() => new Bs3lnet(gpu, { bands: 0 }), OptionError, /Bs3lnet: bands: expected a positive integer, got 0/);
});

test("blindspot 'conv': d out(p)/d x(p) is exactly 0 in eval mode (interior, border, corner), neighbours are not", async () => {
  const gpu = await testGpu();
  const [c, h, w] = [3, 13, 12];
  const net = new Bs3lnet(gpu, { bands: c, hidden: 8, blindspot: 'conv', seed: 5 }).eval();
  const x = tensor(gpu, uniform(c * h * w, 7), [1, c, h, w]);
  x.requiresGrad = true;
  await assertBlindSpot(gpu, net, x, [[6, 5], [0, 4], [12, 11], [1, 0]], [[-1, 0], [1, 0], [0, -1], [0, 1], [1, 1]]);
  assert.is(liveGraphNodes(), 0);
  x.dispose();
  net.dispose();
});

test('whole-image N2V mask: offsets in the 5×5 window without (0, 0), reflected at borders, fraction as asked', () => {
  const [rows, cols] = [9, 7];
  assert.equal([-2, -1, 0, 6, 7, 8].map((i) => reflectIndex(i, 7)), [2, 1, 0, 6, 5, 4]);
  let masked = 0;
  for (let s = 0; s < 50; s++) {
    const m = imageMask(rows, cols, 0.1, 5, hostRng(s));
    masked += m.masked;
    for (let p = 0; p < rows * cols; p++) {
      if (m.weight[p] === 0) {
        assert.is(m.source[p], p);
        continue;
      }
      const [r, c, sr, sc] = [Math.floor(p / cols), p % cols, Math.floor(m.source[p] / cols), m.source[p] % cols];
      assert.ok(m.source[p] !== p, 'a masked pixel takes another pixel');
      // Unreflected offsets lie in the window; reflection only changes out-of-range ones.
      const ok = [-2, -1, 0, 1, 2].some((dy) => [-2, -1, 0, 1, 2].some((dx) =>
        (dy !== 0 || dx !== 0) && reflectIndex(r + dy, rows) === sr && reflectIndex(c + dx, cols) === sc));
      assert.ok(ok, `source (${sr}, ${sc}) of (${r}, ${c}) is a window neighbour`);
    }
  }
  // round(0.1·63) = 6 draws with replacement: 5.77 distinct on average.
  assert.ok(masked / 50 > 5.3 && masked / 50 <= 6, `mean masked ${masked / 50}`);
  // Every pixel can be drawn, the first and last included: 63 draws per mask mask each pixel with
  // probability 0.635, so over 20 masks each is masked 12.7 times on average (≤ 3: p < 1e-4).
  // Every offset of the window is drawn too (interior pixels, where no reflection hides one): about
  // 300 interior draws over 24 offsets, 12.5 each on average.
  const hits = new Array<number>(rows * cols).fill(0);
  const offsets = new Set<string>();
  for (let s = 0; s < 20; s++) {
    const m = imageMask(rows, cols, 1, 5, hostRng(1000 + s));
    for (let p = 0; p < rows * cols; p++) {
      hits[p] += m.weight[p];
      const [r, c] = [Math.floor(p / cols), p % cols];
      if (m.weight[p] && r >= 2 && r < rows - 2 && c >= 2 && c < cols - 2) offsets.add(`${Math.floor(m.source[p] / cols) - r},${(m.source[p] % cols) - c}`);
    }
  }
  const rare = hits.findIndex((h) => h < 4);
  assert.is(rare, -1, `pixel ${rare} masked ${hits[rare]} times in 20 masks`);
  assert.is(offsets.size, 24, `offsets drawn: ${[...offsets].sort().join(' ')}`);
});

test('paper batch: static masks with the centre masked, ≤ 37 positions, weight = 1 − mask in every band', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 24, cols: 20, bands: 4, anomalies: 2, seed: 2 });
  const opts = { size: 19, ratio: 0.9, window: 5, seed: 1, masked: true };
  const a = await paperBatch(gpu, cube, Int32Array.from([0, 5, 479]), opts);
  const b = await paperBatch(gpu, cube, Int32Array.from([479]), opts);
  const w = Float32Array.from(await a.weight!.data());
  const plane = 361;
  for (let n = 0; n < 3; n++) {
    const first = w.subarray(n * 4 * plane, n * 4 * plane + plane);
    const count = first.reduce((s, v) => s + v, 0);
    assert.ok(count >= 1 && count <= 37, `patch ${n}: ${count} masked`);
    assert.is(first[9 * 19 + 9], 1, 'centre masked');
    for (let ch = 1; ch < 4; ch++) assert.equal(Array.from(w.subarray((n * 4 + ch) * plane, (n * 4 + ch + 1) * plane)), Array.from(first));
  }
  assert.equal(Array.from(await b.weight!.data()), Array.from(w.subarray(2 * 4 * plane)), 'same mask for pixel 479 in any batch');
  for (const t of [a.input, a.label, a.weight!, b.input, b.label, b.weight!]) t.dispose();
});

test("fast preset, blindspot 'mask': a short training lowers the loss and separates the implanted anomalies; deterministic by seed", async () => {
  const gpu = await testGpu();
  const { cube, map } = synthScene({ rows: 32, cols: 32, bands: 20, anomalies: 6, seed: 3 });
  const run = () => trainBs3lnet(gpu, cube, { blindspot: 'mask', epochs: 80, seed: 7 });
  const r = await run();
  const first = r.losses.slice(0, 5).reduce((s, v) => s + v, 0) / 5;
  const last = r.losses.slice(-5).reduce((s, v) => s + v, 0) / 5;
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
  const scores = await bs3lnetScores(gpu, r.model, r.input);
  const auc = rocAuc(scores, map.data);
  const rx = rxAuc(cube, map.data);
  console.log(`\n  bs3lnet fast preset, 32×32×20 synthetic, 80 steps: loss ${first.toFixed(4)} → ${last.toFixed(4)}, AUC ${auc.toFixed(4)} (float64 global RX ${rx.toFixed(4)})`);
  assert.ok(auc >= rx, `AUC ${auc}: expected at least float64 global RX's ${rx}`);
  const again = await run();
  assert.equal(again.losses, r.losses);
  assert.equal(Array.from(await bs3lnetScores(gpu, again.model, again.input)), Array.from(scores));
  // Row tiles with a halo give the whole-image scores.
  const tiled = await bs3lnetScores(gpu, r.model, r.input, { maxBytes: 60000 });
  assert.equal(Array.from(tiled), Array.from(scores));
  for (const m of [r.model, again.model]) m.dispose();
});

test('default fast preset (blind-spot network on 2×2 pixel-shuffled sub-images) separates the implanted anomalies', async () => {
  const gpu = await testGpu();
  const { cube, map } = synthScene({ rows: 32, cols: 32, bands: 20, anomalies: 6, seed: 3 });
  const r = await trainBs3lnet(gpu, cube, { epochs: 40, seed: 7 });
  assert.equal([r.settings.blindspot, r.settings.pd, r.model.pd, r.settings.score], ['conv', 2, 2, 'l1']);
  const auc = rocAuc(await bs3ResultScores(gpu, r), map.data);
  const rx = rxAuc(cube, map.data);
  console.log(`\n  bs3lnet default (conv, PD 2), 32×32×20 synthetic, 40 steps: loss ${r.losses[0].toFixed(4)} → ${r.losses.at(-1)!.toFixed(4)}, AUC ${auc.toFixed(4)} (float64 global RX ${rx.toFixed(4)})`);
  assert.ok(r.losses.at(-1)! < r.losses[0], `loss ${r.losses[0]} → ${r.losses.at(-1)}`);
  assert.ok(auc >= rx, `AUC ${auc}: expected at least float64 global RX's ${rx}`);
  assert.equal([bs3Settings({ preset: 'paper' }).blindspot, bs3Settings({ preset: 'paper' }).pd, bs3Settings({ blindspot: 'mask' }).pd], ['mask', 1, 1]);
  r.model.dispose();
});

test("score norms: 'l2' (default) and 'l1' against float64 sums of the residual cube, whole and in row tiles", async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 19, cols: 23, bands: 7, anomalies: 2, seed: 8 });
  const r = await trainBs3lnet(gpu, cube, { epochs: 3, seed: 5 });
  const res = (await bs3lnetResiduals(gpu, r.model, r.input)).data;
  const n = cube.rows * cube.cols;
  const ref = (f: (v: number) => number): number[] => Array.from({ length: n }, (_, p) => {
    let acc = 0;
    for (let b = 0; b < cube.bands; b++) acc += f(res[b * n + p]);
    return acc / cube.bands;
  });
  const close = (got: Float32Array, want: number[], what: string): void => {
    for (let p = 0; p < n; p++) assert.ok(Math.abs(got[p] - want[p]) <= 1e-5 * Math.abs(want[p]) + 1e-7, `${what} pixel ${p}: ${got[p]} vs ${want[p]}`);
  };
  close(await bs3lnetScores(gpu, r.model, r.input), ref((v) => v * v), 'l2');
  const l1 = await bs3lnetScores(gpu, r.model, r.input, { norm: 'l1' });
  close(l1, ref(Math.abs), 'l1');
  assert.equal(Array.from(await bs3ResultScores(gpu, r)), Array.from(l1), 'the fast preset scores with l1');
  assert.equal(Array.from(await bs3lnetScores(gpu, r.model, r.input, { norm: 'l1', maxBytes: 20000 })), Array.from(l1));
  await rejects(bs3lnetScores(gpu, r.model, r.input, { norm: 'l3' as never }), OptionError, /bs3lnetScores: norm: expected 'l2' or 'l1', got l3/);
  r.model.dispose();
});

test("non-square scene: paper preset (2 steps) and blindspot 'conv' train and score; abort stops between steps", async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 20, cols: 13, bands: 6, anomalies: 2, seed: 4 });
  const paper = await trainBs3lnet(gpu, cube, { preset: 'paper', steps: 2 });
  assert.is(paper.losses.length, 2);
  assert.equal(paper.settings.lr, 1e-4);
  assert.equal(paper.settings.betas, [0.5, 0.999]);
  assert.is(paper.input, cube, 'paper preset: raw data');
  const s = await bs3lnetScores(gpu, paper.model, paper.input);
  assert.is(s.length, 20 * 13);
  assert.ok(s.every((v) => Number.isFinite(v) && v >= 0));
  const ctl = new AbortController();
  const conv = await trainBs3lnet(gpu, cube, { blindspot: 'conv', epochs: 10, signal: ctl.signal, onProgress: (p) => p.step === 3 && ctl.abort() });
  assert.is(conv.losses.length, 3);
  assert.ok(conv.aborted);
  assert.is((await bs3lnetScores(gpu, conv.model, conv.input)).length, 20 * 13);
  for (const m of [paper.model, conv.model]) m.dispose();
  assert.is((await scaleForTraining(cube, 'band')).data.length, cube.data.length);
  throwsLike(() => bs3Settings({ epochs: 0 }), OptionError, /trainBs3lnet: epochs: expected a positive integer, got 0/);
});

test('scenes over 128×128 pixels train on random crops of at most 16,384 pixels, and score whole', async () => {
  assert.equal(cropShape(100, 100), [100, 100]);
  assert.equal(cropShape(130, 130), [128, 128]);
  assert.equal(cropShape(1000, 40), [409, 40]);
  assert.equal(cropShape(30, 2000), [30, 546]);
  for (const [r, c] of [[130, 130], [1000, 40], [30, 2000], [257, 301]]) {
    const [h, w] = cropShape(r, c);
    assert.ok(h <= r && w <= c && h * w <= MAX_STEP_PIXELS && h * w > 0.9 * MAX_STEP_PIXELS, `${r}×${c} → ${h}×${w}`);
  }
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 140, cols: 131, bands: 4, anomalies: 4, seed: 6 });
  const r = await trainBs3lnet(gpu, cube, { epochs: 2, seed: 2 });
  assert.ok(r.losses.every(Number.isFinite) && r.losses.length === 2);
  const s = await bs3lnetScores(gpu, r.model, r.input);
  assert.is(s.length, 140 * 131);
  r.model.dispose();
});

test('a strip narrower than the reflect padding is refused naming pd (--pd); diverged weights give an error, not NaN scores', async () => {
  const gpu = await testGpu();
  const strip = (rows: number): Cube => ({ rows, cols: 40, bands: 4, data: uniform(rows * 40 * 4, rows) });
  // Fast preset: blind-spot convs (pad 2) on 2×2 pixel-shuffled sub-images, so 3 rows → 2-row sub-images.
  await rejects(trainBs3lnet(gpu, strip(3), { epochs: 1 }), OptionError,
    /^Bs3lnet: image size: expected each side above the reflect padding 2, got 2×20 \(the scene split by the pixel-shuffle factor pd 2\); lower pd \(the pd option; hsi detect --pd 1\) or use a scene at least 5 pixels on each side$/);
  await rejects(trainBs3lnet(gpu, strip(2), { epochs: 1, pd: 1 }), OptionError, /^Bs3lnet: image size: expected each side above the reflect padding 2, got 2×40; use a scene at least 3 pixels on each side$/);
  const r = await trainBs3lnet(gpu, strip(3), { epochs: 1, pd: 1 });
  assert.ok((await bs3ResultScores(gpu, r)).every(Number.isFinite), 'pd 1 trains and scores the 3-row strip');
  r.model.dispose();
  // Weights finite but huge (what a far too high learning rate leaves): the outputs overflow f32.
  const model = new Bs3lnet(gpu, { bands: 4, blindspot: 'conv', seed: 1 });
  constant_(model.head.bias!, 1e30);
  await rejects(bs3lnetScores(gpu, model, { rows: 8, cols: 8, bands: 4, data: uniform(256, 3) }), HsiError,
    /^bs3lnetScores: scores: expected finite values, got 64 NaN\/Inf of 64 \(the network's outputs overflow float32: training diverged\); train again with a lower learning rate/);
  model.dispose();
  // lr 1e10 on a tiny scene: either a loss goes non-finite in training, or the weights stay finite
  // but huge and scoring refuses; never NaN scores returned.
  let outcome: unknown = null;
  try {
    const big = await trainBs3lnet(gpu, { rows: 24, cols: 24, bands: 4, data: uniform(24 * 24 * 4, 2) }, { epochs: 5, lr: 1e10 });
    try {
      outcome = await bs3ResultScores(gpu, big);
    } finally {
      big.model.dispose();
    }
  } catch (e) {
    outcome = e;
  }
  assert.ok(outcome instanceof TrainingDivergedError || (outcome instanceof HsiError && outcome.op === 'bs3lnetScores'), `got ${String(outcome).slice(0, 200)}`);
});

test.run();
