import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Gpu, type Shape } from '../../src/index.ts';
import { buildSegments, checkLabels, type Segments } from '../../src/ops/segment.ts';
import { superpixelPool, superpixelUnpool } from '../../src/ops/superpixel.ts';
import { assertClose, rejects, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { superpixelPoolRef, superpixelUnpoolRef } from '../ref/superpixel.ts';

const test = suite('ops/superpixel');
// Means are sums of ≤ a few hundred terms in a different order than the float64 loop.
const MEANS = { atol: 1e-6, rtol: 1e-5 };
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** Labels in [lo, hi) as the float data gradCheck uploads (converted to i32). */
function labelData(n: number, seed: number, lo: number, hi: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + Math.floor((hi - lo) * r()));
}

/** Square blocks of `b` pixels as labels of an h × w image (SLIC-like compact superpixels). */
function blockLabels(h: number, w: number, b: number): { labels: Int32Array; count: number } {
  const cols = Math.ceil(w / b);
  const labels = Int32Array.from({ length: h * w }, (_, p) => Math.floor(Math.floor(p / w) / b) * cols + Math.floor((p % w) / b));
  return { labels, count: Math.ceil(h / b) * cols };
}

const labelInput = (shape: Shape, data: Float32Array) => ({ shape, data, diff: false, dtype: 'i32' as const });

// [features shape, S, label range [lo, hi)]: leading dims of every kind, S not a multiple of
// the workgroup size, empty superpixels (hi < S), out-of-range labels (lo < 0 or hi > S).
const CASES: [Shape, number, number, number][] = [
  [[3, 7, 11], 9, 0, 9],
  [[1, 2, 5, 9], 13, 0, 10], // superpixels 10 … 12 are empty
  [[6, 5], 4, 0, 4], // a single [H, W] plane: 4 · 1 rows would leave the last block partial
  [[5, 4, 6], 70, 0, 70], // S > one workgroup, many empty and one-pixel superpixels
  [[2, 3, 8, 7], 5, -2, 7], // labels −2, −1, 5, 6 are in no superpixel
  [[4, 1, 1], 1, 0, 1], // one pixel, one superpixel
];

test('superpixelPool matches a plain float64 loop, and its gradient (labels and count)', async () => {
  const gpu = await testGpu();
  for (const [shape, count, lo, hi] of CASES) {
    const hw = shape.slice(-2);
    await gradCheck(gpu, `superpixelPool ${shape} S=${count}`, {
      inputs: [{ shape, data: uniform(size(shape), size(shape), -2, 2) }, labelInput(hw, labelData(size(hw), count, lo, hi))],
      gpuFn: (x, l) => superpixelPool(x, l, count), refFn: (x, l) => superpixelPoolRef(x, l, count), forward: MEANS,
    });
  }
});

test('superpixelUnpool matches a plain float64 loop, and its gradient (a prebuilt Segments)', async () => {
  const gpu = await testGpu();
  for (const [shape, count, lo, hi] of CASES) {
    const hw = shape.slice(-2);
    const ld = labelData(size(hw), count + 1, lo, hi);
    const segs = buildSegments(tensor(gpu, Int32Array.from(ld), hw, 'i32'), count);
    const tokens = [...shape.slice(0, -2), count];
    await gradCheck(gpu, `superpixelUnpool ${tokens} → ${shape}`, {
      inputs: [{ shape: tokens, data: uniform(size(tokens), size(tokens), -2, 2) }],
      gpuFn: (t) => superpixelUnpool(t, segs), refFn: (t) => superpixelUnpoolRef(t, ld, count), forward: { atol: 0, rtol: 0 },
    });
    segs.dispose();
  }
});

test('empty superpixels pool to exactly 0 and take a zero token gradient', async () => {
  const gpu = await testGpu();
  // 4 × 6 pixels labelled 0 and 2 of S = 5: superpixels 1, 3 and 4 are empty.
  const labels = Int32Array.from({ length: 24 }, (_, p) => (p % 3 === 0 ? 2 : 0));
  const segs = buildSegments(tensor(gpu, labels, [4, 6], 'i32'), 5);
  const x = tensor(gpu, uniform(72, 1, 1, 2), [3, 4, 6]);
  const pooled = await superpixelPool(x, segs).data();
  for (let r = 0; r < 3; r++) for (const s of [1, 3, 4]) assert.is(pooled[r * 5 + s], 0, `row ${r} superpixel ${s}`);
  const t = tensor(gpu, uniform(15, 2), [3, 5]);
  t.requiresGrad = true;
  const y = superpixelUnpool(t, segs);
  ops.backward(y, tensor(gpu, uniform(72, 3), [3, 4, 6]));
  const dt = await t.grad!.data();
  for (let r = 0; r < 3; r++) for (const s of [1, 3, 4]) assert.is(dt[r * 5 + s], 0, `dTokens row ${r} superpixel ${s}`);
  segs.dispose();
});

/** Pool + unpool forward and backward on features [rows, H, W] with block labels; all three results. */
async function roundTrip(gpu: Gpu, segs: Segments, rows: number, seed: number): Promise<Float32Array[]> {
  const [h, w] = segs.shape;
  const x = tensor(gpu, uniform(rows * h * w, seed), [rows, h, w]);
  x.requiresGrad = true;
  const pooled = superpixelPool(x, segs);
  const un = superpixelUnpool(pooled, segs);
  ops.backward(un, tensor(gpu, uniform(rows * h * w, seed + 1), [rows, h, w]));
  const out = [await pooled.data(), await un.data(), await x.grad!.data()].map((a) => Float32Array.from(a));
  for (const t of [x, pooled, un]) t.dispose();
  return out;
}

test('deterministic: pooling, unpooling and both gradients give the same bits run after run', async () => {
  const gpu = await testGpu();
  // 100 × 100 pixels in 100 superpixels of 100 pixels: order-sensitive sums of 100 terms.
  const { labels, count } = blockLabels(100, 100, 10);
  const runs: Float32Array[][] = [];
  for (let i = 0; i < 3; i++) {
    const segs = buildSegments(tensor(gpu, labels, [100, 100], 'i32'), count);
    runs.push(await roundTrip(gpu, segs, 7, 5));
    segs.dispose();
  }
  for (const run of runs.slice(1)) for (let k = 0; k < 3; k++) assert.equal(new Uint32Array(run[k].buffer), new Uint32Array(runs[0][k].buffer), `result ${k}`);
  // The pooled means against float64 (the 100 × 100 × 7 scale of Super-AD's token path).
  assertClose('pool 7×100×100', runs[0][0], superpixelPoolRef(uniform(70000, 5), labels, count), MEANS);
});

// No superpixel kernel reaches 65,535 workgroups below ~1 G elements (the sums run rows/4 · S
// invocations, the spread rows/4 · N/16), so the largest case is a 512 × 512 scene.
test('a 512 × 512 scene: pooling forward and backward over [9, 512, 512], 1,027 superpixels', async () => {
  const gpu = await testGpu();
  const { labels, count } = blockLabels(512, 512, 16);
  const segs = buildSegments(tensor(gpu, labels, [512, 512], 'i32'), count + 3);
  const x = tensor(gpu, uniform(9 * 512 * 512, 7), [9, 512, 512]);
  x.requiresGrad = true;
  const pooled = superpixelPool(x, segs);
  assertClose('pool [9, 512, 512]', await pooled.data(), superpixelPoolRef(await x.data(), labels, count + 3), MEANS);
  const dy = uniform(9 * (count + 3), 8);
  ops.backward(pooled, tensor(gpu, dy, pooled.shape));
  // dFeatures[r, p] = dy[r, ℓ(p)] / 256 (every block holds 16 × 16 pixels): exact in float32.
  const want = superpixelUnpoolRef(dy.map((v) => v / 256), labels, count + 3);
  assertClose('pool backward [9, 512, 512]', await x.grad!.data(), want, { atol: 0, rtol: 0 });
  for (const t of [x, pooled]) t.dispose();
  segs.dispose();
});

test('bad arguments throw at entry; out-of-range labels are an error from checkLabels', async () => {
  const gpu = await testGpu();
  const labels = tensor(gpu, new Int32Array([0, 1, 2, 3, 1, 0]), [2, 3], 'i32');
  const x = tensor(gpu, uniform(12, 1), [2, 2, 3]);
  throwsLike(() => superpixelPool(x, labels), GpuUsageError, /superpixelPool: segments: expected a Segments, or labels and a segment count/);
  throwsLike(() => superpixelPool(x, tensor(gpu, [0, 1, 0, 1, 0, 1], [2, 3]), 2), GpuUsageError, /superpixelPool: labels dtype: expected i32, got f32 \[2, 3\]/);
  throwsLike(() => superpixelPool(x, labels, 0), GpuUsageError, /superpixelPool: segment count: expected an integer in \[1, 2³¹\), got 0/);
  throwsLike(() => superpixelPool(tensor(gpu, uniform(12, 2), [2, 3, 2]), labels, 4), GpuUsageError, /superpixelPool: features shape: expected \[\.\.\., 2, 3\] \(the labels' \[H, W\]\), got \[2, 3, 2\]/);
  throwsLike(() => superpixelPool(tensor(gpu, new Int32Array(12), [2, 2, 3], 'i32'), labels, 4), GpuUsageError, /superpixelPool: input 0 dtype: expected f32, got i32/);
  throwsLike(() => superpixelUnpool(tensor(gpu, uniform(4, 3), [4]), tensor(gpu, new Int32Array(6), [1, 2, 3], 'i32'), 4), GpuUsageError, /superpixelUnpool: labels shape: expected \[H, W\] with H, W ≥ 1, got \[1, 2, 3\]/);
  const segs = buildSegments(labels, 4);
  throwsLike(() => superpixelUnpool(tensor(gpu, uniform(6, 3), [2, 3]), segs), GpuUsageError, /superpixelUnpool: tokens shape: expected \[\.\.\., 4\] \(one token per superpixel\), got \[2, 3\]/);
  // Labels outside [0, S) cannot raise inside a kernel: checkLabels reads them back and names the first.
  await rejects(checkLabels(labels, 3), GpuUsageError, /checkLabels: labels\[3\]: expected a label in \[0, 3\), got 3/);
  await rejects(checkLabels(tensor(gpu, new Int32Array([0, -1]), [1, 2], 'i32'), 3), GpuUsageError, /checkLabels: labels\[1\]: expected a label in \[0, 3\), got -1/);
  await checkLabels(labels, 4);
  segs.dispose();
  throwsLike(() => superpixelPool(x, segs), GpuUsageError, /superpixelPool: tensor #\d+ \[6\]: expected a live tensor/);
});

test('no leaks: the labels path builds and frees its segments; backward returns every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const labels = tensor(gpu, Int32Array.from(labelData(35, 4, 0, 6)), [5, 7], 'i32');
  const x = tensor(gpu, uniform(105, 3), [3, 5, 7]);
  x.requiresGrad = true;
  const pooled = superpixelPool(x, labels, 6);
  const un = superpixelUnpool(pooled, labels, 6);
  const s = ops.sum(un);
  ops.backward(s);
  for (const t of [labels, x, pooled, un, s]) t.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
