/**
 * Super-AD on a cube split by bands (docs/superad.md#large-scenes): the chunked forward, the OBPM
 * loss and every gradient equal the whole-cube ones up to f32 summation order, superAdInput tiles
 * the cube in order within the byte limit, and a training forced to split runs like the whole one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, buildSegments, GpuLimitError, tensor, type Tensor } from '../../src/index.ts';
import { synthScene } from '../../src/data/synth.ts';
import { SuperAd } from '../../src/models/superad.ts';
import { obpmLoss, superAdInput, superAdScores, trainSuperAd } from '../../src/models/superadtrain.ts';
import { rng, testGpu, throwsLike } from '../harness/gpu.ts';

const test = suite('models/superad.chunks');

/**
 * max |a − b| ≤ tol · max(max |b|, floor): round-off of a different summation order scales with
 * the values; `floor` is for a gradient that is zero by structure (a k_norm bias) or a sum of
 * nearly cancelling terms, whose round-off scales with the larger gradients instead.
 */
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string, floor = 0): void {
  assert.is(a.length, b.length, `${what}: length`);
  let scale = floor;
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    err = Math.max(err, Math.abs(a[i] - b[i]));
  }
  assert.ok(err <= tol * scale, `${what}: max error ${err} against max |value| ${scale}`);
}

test('band chunks: x̂, the OBPM loss and every gradient as with the whole cube', async () => {
  const gpu = await testGpu();
  const [c, h, w] = [9, 10, 12];
  const r = rng(3);
  const data = Float32Array.from({ length: c * h * w }, () => r());
  const whole = tensor(gpu, data, [1, c, h, w]);
  const sizes = [4, 4, 1];
  const parts = sizes.map((n, i) => tensor(gpu, data.subarray(4 * i * h * w, (4 * i + n) * h * w), [1, n, h, w]));
  const lt = tensor(gpu, Int32Array.from({ length: h * w }, (_, p) => (p % w < 6 ? 0 : 1) + (p < 60 ? 0 : 2)), [h, w], 'i32');
  const segs = buildSegments(lt, 4);
  const m = new SuperAd(gpu, { bands: c, depth: 2, seed: 2 });
  const e = tensor(gpu, Float32Array.from({ length: h * w }, (_, p) => ((p * 7919) % 101) / 101), [1, 1, h, w]);
  const o = { alpha: 1, beta: 1, thIdx: 0.25 };
  const run = async (x: Tensor | Tensor[]) => {
    const out = m.forward(x as Tensor, segs, e);
    const outs = Array.isArray(out) ? out : [out];
    const { loss, err, keep } = obpmLoss(out, x, segs, o);
    backward(loss);
    const grads = await Promise.all(m.parameters().map((p) => p.grad!.data()));
    const xhat = new Float32Array(c * h * w);
    let off = 0;
    for (const t of outs) { xhat.set(await t.data(), off); off += t.size; }
    const res = { xhat, loss: (await loss.data())[0], err: await err.data(), keep: await keep.data(), grads };
    for (const t of [...outs, loss, err, keep]) t.dispose();
    for (const p of m.parameters()) p.grad = null;
    return res;
  };
  const a = await run(whole);
  const b = await run(parts);
  close(b.xhat, a.xhat, 1e-5, 'x̂');
  close([b.loss], [a.loss], 1e-6, 'loss');
  close(b.err, a.err, 1e-5, 'e');
  assert.equal(Array.from(b.keep), Array.from(a.keep), 'keep mask');
  const largest = Math.max(...a.grads.map((g) => Array.from(g).reduce((mx, v) => Math.max(mx, Math.abs(v)), 0)));
  m.namedParameters().forEach(([name], i) => close(b.grads[i], a.grads[i], 1e-4, `d ${name}`, 1e-3 * largest));
  // Scoring sums the chunks' squared errors: the whole cube's score.
  const sw = await superAdScores({ model: m, input: whole, segs, errMap: e });
  const sp = await superAdScores({ model: m, input: parts, segs, errMap: e });
  close(sp, sw, 1e-5, 'scores');
  throwsLike(() => m.forward([parts[0], parts[1]], segs, e), Error, /SuperAd: input: expected \[1, 9, H, W\] or band chunks .* summing to 9, got \[1, 4, 10, 12\], \[1, 4, 10, 12\]/);
  for (const t of [whole, ...parts, lt, e]) t.dispose();
  segs.dispose();
  m.dispose();
});

test('superAdInput: one tensor when it fits, else chunks that tile the bands in order within the limit', async () => {
  const gpu = await testGpu();
  const [c, h, w] = [11, 6, 5];
  const data = Float32Array.from({ length: c * h * w }, (_, i) => i);
  const one = superAdInput(gpu, data, c, h, w) as Tensor;
  assert.ok(!Array.isArray(one));
  assert.equal(Array.from(await one.data()), Array.from(data));
  one.dispose();
  // Limits between 9 and 11 padded planes split the cube under either conv plan (the unfold
  // plan's patch matrix is 9 planes a band; the direct plan packs bands in groups of 4).
  const plane = 4 * (h + 2) * (w + 2);
  for (const limit of [9 * plane, 10 * plane + 5]) {
    const parts = superAdInput(gpu, data, c, h, w, limit) as Tensor[];
    assert.ok(Array.isArray(parts) && parts.length > 1, `limit ${limit}: split`);
    let off = 0;
    for (const t of parts) {
      assert.equal(t.shape, [1, t.shape[1], h, w]);
      assert.ok(Math.ceil(t.shape[1] / 4) * 4 * plane <= limit, `a chunk of ${t.shape[1]} bands, packed in fours, fits ${limit} bytes`);
      assert.equal(Array.from(await t.data()), Array.from(data.subarray(off, off + t.size)));
      off += t.size;
      t.dispose();
    }
    assert.is(off, data.length);
  }
  throwsLike(() => superAdInput(gpu, data, c, h, w, plane - 1), GpuLimitError, /trainSuperAd: limit maxStorageBufferBindingSize: .*the bands of 6×5 pixels do not fit: crop the scene/);
});

test('training forced to split the bands: the same first loss, then the whole run\'s course', async () => {
  const gpu = await testGpu();
  const { cube } = synthScene({ rows: 20, cols: 18, bands: 10, anomalies: 3, seed: 8 });
  const opts = { steps: 6, segments: 12, seed: 2, depth: 2 };
  const a = await trainSuperAd(gpu, cube, opts);
  // Nine padded planes: 8 + 2 bands under the direct plan, one band a chunk under unfold.
  const b = await trainSuperAd(gpu, cube, { ...opts, maxBytes: 9 * 4 * 22 * 20 });
  assert.ok(Array.isArray(b.input) && b.input.length >= 2, 'split into chunks');
  close([b.losses[0]], [a.losses[0]], 1e-6, 'step-0 loss');
  // Round-off of the chunked sums does not grow into a different training (measured: equal
  // losses, scores within 2e-7 of the largest on lavapipe).
  close(b.losses, a.losses, 1e-5, 'losses');
  close(await superAdScores(b), await superAdScores(a), 1e-5, 'scores');
  a.dispose();
  b.dispose();
});

test.run();
