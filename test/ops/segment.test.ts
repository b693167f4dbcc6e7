import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GpuUsageError, tensor, type Gpu } from '../../src/index.ts';
import { buildSegments, checkLabels, obpmKeepMask, obpmThresholds, segmentSort, type Segments } from '../../src/ops/segment.ts';
import { rejects, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { obpmRef, segmentSortRef, segmentsRef } from '../ref/segment.ts';

const test = suite('ops/segment');

/** Random labels in [lo, hi) (hi may exceed the segment count: out-of-range labels). */
function randomLabels(n: number, seed: number, lo: number, hi: number): Int32Array {
  const r = rng(seed);
  return Int32Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r()));
}

/** Square blocks of `b` pixels as labels of an h × w image (SLIC-like compact superpixels). */
export function blockLabels(h: number, w: number, b: number): { labels: Int32Array; count: number } {
  const cols = Math.ceil(w / b);
  const labels = Int32Array.from({ length: h * w }, (_, p) => Math.floor(Math.floor(p / w) / b) * cols + Math.floor((p % w) / b));
  return { labels, count: Math.ceil(h / b) * cols };
}

async function segmentsOf(gpu: Gpu, labels: Int32Array, shape: [number, number], count: number): Promise<Segments> {
  return buildSegments(tensor(gpu, labels, shape, 'i32'), count);
}

/** Compares the GPU's OBPM mask, thresholds and argmaxes with the literal float64 reference. */
async function checkObpm(name: string, segs: Segments, loss: Float32Array, labels: Int32Array, thIdx: number): Promise<number> {
  const gpu = segs.gpu;
  const lt = tensor(gpu, loss, [loss.length]);
  const want = obpmRef(loss, labels, segs.count, thIdx);
  const { threshold, argmax } = obpmThresholds(lt, segs, thIdx);
  assert.equal(Array.from(await argmax.data()), Array.from(want.argmax), `${name}: argmax q`);
  assert.equal(Array.from(await threshold.data()), Array.from(Float32Array.from(want.threshold)), `${name}: thresholds`);
  const mask = obpmKeepMask(lt, segs, thIdx);
  assert.equal(Array.from(await mask.data()), Array.from(want.mask), `${name}: keep-mask`);
  for (const t of [lt, threshold, argmax, mask]) t.dispose();
  return want.mask.reduce((n, m) => n + 1 - m, 0);
}

/** Background losses around 1 with `k` planted outliers per 100 pixels. */
function plantedLoss(n: number, seed: number, k: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() < k / 100 ? 3 + 2 * r() : 1 + 0.1 * r()));
}

test('buildSegments: CSR matches a plain grouping (S not a multiple of WG, empty and out-of-range labels)', async () => {
  const gpu = await testGpu();
  for (const [h, w, count, lo, hi] of [[37, 53, 29, 0, 29], [19, 23, 70, 0, 40], [31, 17, 11, -3, 14], [1, 1, 1, 0, 1], [5, 3, 15, 0, 15]]) {
    const labels = randomLabels(h * w, h + w, lo, hi);
    const segs = await segmentsOf(gpu, labels, [h, w], count);
    const want = segmentsRef(labels, count);
    assert.equal(Array.from(await segs.offsets.data()), want.offsets, `offsets ${h}×${w} S=${count}`);
    assert.equal(Array.from(await segs.pixels.data()), want.pixels, `pixels ${h}×${w} S=${count}`);
    const values = uniform(h * w, count, -2, 2);
    const vt = tensor(gpu, values, [h, w]);
    assert.equal(Array.from(await segmentSort(vt, segs).data()), Array.from(Float32Array.from(segmentSortRef(values, labels, count))), 'segmentSort');
    vt.dispose();
    segs.dispose();
  }
});

// More than 65,535 workgroups would take over 4 M pixels (a 2048 × 2048 sort: too slow for a
// test on lavapipe/SwiftShader); this is the largest case that stays fast.
test('buildSegments on 512×512 labels with 1,048 segments (24 empty; 262,144 keys) and OBPM on 7 large segments', async () => {
  const gpu = await testGpu();
  const { labels, count } = blockLabels(512, 512, 16);
  const segs = await segmentsOf(gpu, labels, [512, 512], count + 24);
  const want = segmentsRef(labels, count + 24);
  assert.equal(Array.from(await segs.offsets.data()), want.offsets);
  assert.equal(Array.from(await segs.pixels.data()), want.pixels);
  // OBPM on the full image with 7 large segments (a 37,449-pixel serial scan each).
  const big = Int32Array.from(labels, (l) => l % 7);
  const segs7 = await segmentsOf(gpu, big, [512, 512], 7);
  await checkObpm('512×512 S=7', segs7, plantedLoss(512 * 512, 3, 1), big, 0.25);
  segs.dispose();
  segs7.dispose();
});

/** Background losses 1 + 0.1·r with exactly s % 4 outliers (3 + 2·r) in superpixel s; their pixels. */
function plantedPerSegment(labels: Int32Array, count: number, seed: number): { loss: Float32Array; outliers: number[][] } {
  const r = rng(seed);
  const loss = Float32Array.from(labels, () => 1 + 0.1 * r());
  const outliers: number[][] = Array.from({ length: count }, () => []);
  for (let s = 0; s < count; s++) {
    const own = [...labels.keys()].filter((p) => labels[p] === s);
    while (outliers[s].length < s % 4) {
      const p = own[Math.floor(r() * own.length)];
      if (outliers[s].includes(p)) continue;
      outliers[s].push(p);
      loss[p] = 3 + 2 * r();
    }
  }
  return { loss, outliers };
}

test('OBPM keep-mask matches the literal code-form reference on planted outliers', async () => {
  const gpu = await testGpu();
  const { labels, count } = blockLabels(100, 100, 10);
  const segs = await segmentsOf(gpu, labels, [100, 100], count);
  // j = s % 4 outliers on top of m = 100 background losses: a_{m−4} holds every difference from
  // v_{m−7} up and windows further right a subset, so q ≤ m − 4; windows more than 3 left of the
  // jump hold only background differences (< 0.1 together), so q ≥ m − j − 3. T is a background
  // loss: all j outliers go, with at most 3 of the largest background losses (docs/superad.md#obpm).
  const { loss, outliers } = plantedPerSegment(labels, count, 1);
  await checkObpm('100×100 planted', segs, loss, labels, 0.25);
  const mask = await obpmKeepMask(tensor(gpu, loss, [100, 100]), segs).data();
  for (let s = 0; s < count; s++) {
    const j = outliers[s].length;
    if (j === 0) continue;
    for (const p of outliers[s]) assert.is(mask[p], 0, `superpixel ${s}: outlier ${p} kept`);
    const dropped = [...labels.keys()].filter((p) => labels[p] === s && mask[p] === 0).length;
    assert.ok(dropped <= j + 3, `superpixel ${s}: ${j} outliers, ${dropped} dropped`);
  }
  // Dense outliers (10 per 100 pixels, spread over [3, 5]): the widest 7-tap window then sits
  // inside the outlier run and only its upper part is dropped; no outliers: up to 25 % go.
  for (const [seed, k] of [[2, 3], [3, 0], [4, 10]]) await checkObpm(`100×100 seed ${seed}`, segs, plantedLoss(10000, seed, k), labels, 0.25);
  await checkObpm('100×100 uniform losses', segs, uniform(10000, 5, 0, 1), labels, 0.25);
  await checkObpm('100×100 th 0.1', segs, plantedLoss(10000, 6, 2), labels, 0.1);
  segs.dispose();
  // Irregular labels: empty segments and segments of 1–3 pixels.
  const irregular = randomLabels(41 * 37, 8, 0, 300);
  const segsI = await segmentsOf(gpu, irregular, [41, 37], 311);
  await checkObpm('41×37 S=311', segsI, plantedLoss(41 * 37, 9, 5), irregular, 0.25);
  segsI.dispose();
});

test('OBPM q in the padded prefix: negative q, its range bound −(H·W − n_s), and T = v_max(q,0)', async () => {
  const gpu = await testGpu();
  // One segment of 20 pixels: a low value then ties, so a_{−2} = … = a_4 and the first argmax is −2.
  const step = Float32Array.from({ length: 24 }, (_, p) => (p === 5 ? 0 : 5));
  for (const invalid of [0, 1, 4]) {
    // `invalid` pixels carry label 1 ≥ S: the reference's row has H·W − n_s = invalid pads, and
    // those pixels, in no superpixel, are dropped from the kept loss.
    const labels = Int32Array.from({ length: 24 }, (_, p) => (p < invalid ? 1 : 0));
    const segs = await segmentsOf(gpu, labels, [4, 6], 1);
    const { argmax, threshold } = obpmThresholds(tensor(gpu, step, [24]), segs);
    const q = (await argmax.data())[0];
    assert.is(q, invalid === 0 ? 0 : invalid === 1 ? -1 : -2, `q with ${invalid} pads`);
    assert.is((await threshold.data())[0], 1e4);
    await checkObpm(`step, ${invalid} pads`, segs, step, labels, 0.25);
    // A negative th_idx reaches T = v_q with q < 0, which the code form reads as min v = v_0.
    await checkObpm(`step, ${invalid} pads, th −1`, segs, step, labels, -1);
    segs.dispose();
  }
  // Constant superpixels: every a is 0, so q = −(H·W − n_s) and everything is kept.
  const { labels, count } = blockLabels(6, 8, 3);
  const segs = await segmentsOf(gpu, labels, [6, 8], count + 1);
  const flat = new Float32Array(48).fill(0.5);
  const { argmax } = obpmThresholds(tensor(gpu, flat, [48]), segs);
  const want = Array.from({ length: count + 1 }, (_, s) => -(48 - countOf(labels, s)));
  assert.equal(Array.from(await argmax.data()), want);
  await checkObpm('constant superpixels', segs, flat, labels, 0.25);
  segs.dispose();
});

function countOf(labels: Int32Array, s: number): number {
  return labels.reduce((n, l) => n + (l === s ? 1 : 0), 0);
}

test('one pixel per segment, S = 1, and losses above 10⁴ (dropped even when all are kept)', async () => {
  const gpu = await testGpu();
  const perm = Int32Array.from({ length: 30 }, (_, p) => (p * 7) % 30);
  const segs = await segmentsOf(gpu, perm, [5, 6], 30);
  await checkObpm('one pixel each', segs, uniform(30, 2, 0, 3), perm, 0.25);
  segs.dispose();
  const one = new Int32Array(77);
  const segs1 = await segmentsOf(gpu, one, [7, 11], 1);
  const loss = plantedLoss(77, 4, 5);
  await checkObpm('S = 1', segs1, loss, one, 0.25);
  loss[3] = 2e4;
  await checkObpm('S = 1 with a loss above 10⁴', segs1, loss, one, 0.25);
  segs1.dispose();
});

test('deterministic: the same bits run after run', async () => {
  const gpu = await testGpu();
  const labels = randomLabels(97 * 89, 3, 0, 57);
  const loss = plantedLoss(97 * 89, 7, 2);
  const results: number[][] = [];
  for (let i = 0; i < 3; i++) {
    const segs = await segmentsOf(gpu, labels, [97, 89], 57);
    const lt = tensor(gpu, loss, [97, 89]);
    const sorted = await segmentSort(lt, segs).data();
    const mask = await obpmKeepMask(lt, segs).data();
    results.push([...(await segs.pixels.data()), ...new Uint32Array(sorted.buffer), ...mask]);
    segs.dispose();
  }
  assert.equal(results[1], results[0]);
  assert.equal(results[2], results[0]);
});

test('bad arguments throw at entry; checkLabels names the first bad label', async () => {
  const gpu = await testGpu();
  const labels = tensor(gpu, new Int32Array([0, 1, 2, 5, 1, 0]), [2, 3], 'i32');
  throwsLike(() => buildSegments(tensor(gpu, [0, 1], [1, 2]), 2), GpuUsageError, /buildSegments: input 0 dtype: expected i32, got f32/);
  throwsLike(() => buildSegments(tensor(gpu, new Int32Array(6), [1, 2, 3], 'i32'), 2), GpuUsageError, /buildSegments: labels shape: expected \[H, W\]/);
  throwsLike(() => buildSegments(labels, 0), GpuUsageError, /buildSegments: segment count: expected an integer/);
  const segs = buildSegments(labels, 3);
  throwsLike(() => obpmKeepMask(tensor(gpu, [1, 2, 3], [3]), segs), GpuUsageError, /obpmKeepMask: values shape: expected 6 elements/);
  throwsLike(() => obpmKeepMask(tensor(gpu, new Float32Array(6), [6]), segs, NaN), GpuUsageError, /obpmKeepMask: thIdx: expected a finite number/);
  throwsLike(() => segmentSort(tensor(gpu, new Float32Array(6), [6]), labels as unknown as Segments), GpuUsageError, /segmentSort: segments: expected a Segments/);
  await rejects(checkLabels(labels, 3), GpuUsageError, /checkLabels: labels\[3\]: expected a label in \[0, 3\), got 5/);
  await checkLabels(labels, 6);
  segs.dispose();
  throwsLike(() => obpmKeepMask(tensor(gpu, new Float32Array(6), [6]), segs), GpuUsageError, /obpmKeepMask: tensor #\d+ \[6\]: expected a live tensor/);
});

test.run();
