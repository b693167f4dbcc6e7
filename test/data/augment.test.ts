import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ssccAugment, type SsccAugmentOptions } from '../../src/data/augment.ts';
import { DataError } from '../../src/data/cube.ts';
import type { Patches } from '../../src/data/patch.ts';
import { assertClose, rejects, uniform } from '../harness/gpu.ts';
import {
  SSCC_DEFAULTS, bilinearTaps, cropParamsRef, cropResizeRef, detExpRef, gaussianBlurRef, gaussianKernelRef, reflect101,
  roundHalfEven, ssccAugmentRef, type AugmentParams,
} from '../ref/augment.ts';
import { Rng } from '../ref/prng.ts';

const test = suite('data/augment');

/** SSCC-sized patches: 8 PCA components × 11×11, values away from 0 so masks are visible. */
const patches = (count: number, bands = 8, size = 11, seed = 4): Patches =>
  ({ count, bands, size, data: uniform(count * bands * size * size, seed, 0.5, 2) });

test('the twin building blocks match their definitions', () => {
  assert.equal([roundHalfEven(0.5), roundHalfEven(1.5), roundHalfEven(2.5), roundHalfEven(2.4999), roundHalfEven(3.6)], [0, 2, 2, 2, 4]);
  for (let x = -20; x <= 20; x += 0.37) {
    assert.ok(Math.abs(detExpRef(x) - Math.exp(x)) <= 4e-16 * Math.exp(x), `detExp(${x})`);
  }
  // PyTorch, align_corners=False, 5 → 11: src = (o + ½)·5/11 − ½, clamped at 0 below and at 4 above.
  assert.equal(bilinearTaps(0, 5, 11), [0, 1, 0]);
  assert.equal(bilinearTaps(5, 5, 11), [0 + 2, 3, 0]);
  const [a, b, w] = bilinearTaps(10, 5, 11);
  assert.equal([a, b], [4, 4]);
  assert.ok(Math.abs(w - (10.5 * 5 / 11 - 0.5 - 4)) < 1e-15);
  // cv2.getGaussianKernel(3, 1) = [0.274, 0.452, 0.274] (docs/sscc.md#augmentation).
  assertClose('kernel σ=1', gaussianKernelRef(3, 1), [0.27406862, 0.45186276, 0.27406862], { atol: 1e-8, rtol: 0 });
  assert.equal([-3, -2, -1, 0, 4, 5, 6, 8].map((p) => reflect101(p, 5)), [3, 2, 1, 0, 4, 3, 2, 0]);
  assert.is(reflect101(-1, 1), 0);
});

test('bilinear resampling reproduces a linear ramp at the clamped source coordinates', () => {
  const size = 11;
  const patch = Float64Array.from({ length: 2 * size * size }, (_, i) => {
    const [ch, y, x] = [Math.floor(i / (size * size)), Math.floor(i / size) % size, i % size];
    return 3 * y + 0.25 * x + 100 * ch;
  });
  const crop = { top: 2, left: 3, height: 5, width: 7 };
  for (const flip of [false, true]) {
    const out = cropResizeRef(patch, 2, size, crop, flip);
    for (let ch = 0; ch < 2; ch++) {
      for (let oy = 0; oy < size; oy++) {
        for (let ox = 0; ox < size; ox++) {
          const sy = Math.min(Math.max(0, (oy + 0.5) * 5 / 11 - 0.5), 4);
          const sx = Math.min(Math.max(0, ((flip ? 10 - ox : ox) + 0.5) * 7 / 11 - 0.5), 6);
          const want = 3 * (crop.top + sy) + 0.25 * (crop.left + sx) + 100 * ch;
          assert.ok(Math.abs(out[(ch * size + oy) * size + ox] - want) < 1e-12, `(${ch}, ${oy}, ${ox})`);
        }
      }
    }
  }
  // The full crop is the identity.
  const full = cropResizeRef(patch, 2, size, { top: 0, left: 0, height: size, width: size }, false);
  assert.equal(Array.from(full), Array.from(patch));
});

test('the blur of an impulse is the outer product of the kernels, on the chosen axes', () => {
  const [bands, size, sigma] = [8, 11, 0.8];
  const k = gaussianKernelRef(3, sigma);
  const impulse = new Float64Array(bands * size * size);
  impulse[(4 * size + 5) * size + 6] = 1; // band 4, row 5, col 6
  const bandRow = gaussianBlurRef(impulse, bands, size, 3, sigma, 'band-row');
  const rowCol = gaussianBlurRef(impulse, bands, size, 3, sigma, 'row-col');
  for (let i = -1; i <= 1; i++) {
    for (let j = -1; j <= 1; j++) {
      assert.ok(Math.abs(bandRow[((4 + i) * size + 5 + j) * size + 6] - k[i + 1] * k[j + 1]) < 1e-15);
      assert.ok(Math.abs(rowCol[(4 * size + 5 + i) * size + 6 + j] - k[i + 1] * k[j + 1]) < 1e-15);
    }
  }
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum(bandRow) - 1) < 1e-15 && Math.abs(sum(rowCol) - 1) < 1e-15);
});

test('crop parameters follow torchvision: sizes in range, area and ratio spread, the fallback', () => {
  const rng = new Rng(5, 5);
  let areaSum = 0;
  for (let i = 0; i < 4000; i++) {
    const c = cropParamsRef(rng, 11, SSCC_DEFAULTS);
    assert.ok(c.height >= 1 && c.height <= 11 && c.width >= 1 && c.width <= 11);
    assert.ok(c.top >= 0 && c.top + c.height <= 11 && c.left >= 0 && c.left + c.width <= 11);
    areaSum += (c.height * c.width) / 121;
  }
  // E[area] for U(0.08, 1) is 0.54, less the rejected draws' bias towards smaller crops.
  assert.ok(areaSum / 4000 > 0.4 && areaSum / 4000 < 0.6, `mean area ${areaSum / 4000}`);
  // Impossible areas fall back to the centre crop; ratios above 1 shorten it.
  assert.equal(cropParamsRef(rng, 11, { ...SSCC_DEFAULTS, scale: [2, 3] }), { top: 0, left: 0, height: 11, width: 11 });
  assert.equal(cropParamsRef(rng, 11, { ...SSCC_DEFAULTS, scale: [2, 3], ratio: [2, 3] }), { top: 2, left: 0, height: 6, width: 11 });
  assert.equal(cropParamsRef(rng, 11, { ...SSCC_DEFAULTS, scale: [2, 3], ratio: [0.25, 0.5] }), { top: 0, left: 2, height: 11, width: 6 });
});

/** Compares the wasm views and plans with the twin's. */
async function compare(p: Patches, options: SsccAugmentOptions, params: AugmentParams): Promise<void> {
  const got = await ssccAugment(p, options);
  const ids = options.ids ?? Array.from({ length: p.count }, (_, i) => i);
  const want = ssccAugmentRef(p.data, p.count, p.bands, p.size, options.seed ?? 0, ids, params);
  const tol = { atol: 1e-6, rtol: 1e-6 };
  assertClose('first view', got.first, want.first, tol);
  assertClose('second view', got.second, want.second, tol);
  for (let v = 0; v < got.plans.length; v++) {
    const [g, w] = [got.plans[v], want.plans[v]];
    assert.equal({ ...g, sigma: 0 }, { ...w, sigma: 0 }, `plan ${v}`);
    assert.is(g.sigma, Math.fround(w.sigma), `plan ${v} σ`);
  }
}

test('ssccAugment (wasm) equals the twin: SSCC defaults, both blur axes, other options', async () => {
  await compare(patches(300), { seed: 7 }, SSCC_DEFAULTS);
  await compare(patches(200), { seed: 8, blurAxes: 'row-col' }, { ...SSCC_DEFAULTS, blurAxes: 'row-col' });
  const o = { scale: [0.3, 0.9] as [number, number], ratio: [0.5, 2] as [number, number], flip: 0.2, blur: 1, blurKernel: 5,
    sigma: [0.5, 3] as [number, number], pixelMask: 0.3, bandMask: 0.7 };
  await compare(patches(150, 3, 9), { seed: 4294967295, ...o, ids: Array.from({ length: 150 }, (_, i) => 7 * i) }, { ...SSCC_DEFAULTS, ...o });
  await compare(patches(40, 1, 5), { seed: 1 }, SSCC_DEFAULTS); // one band: the band axis reflects onto itself
});

test('the views follow their plans: every step is used, masks zero whole pixels or bands', async () => {
  const p = patches(400);
  const { first, second, plans } = await ssccAugment(p, { seed: 3 });
  const choices = [0, 0, 0];
  let flips = 0;
  const plane = 121;
  plans.forEach((plan, v) => {
    choices[plan.choice]++;
    flips += plan.flip ? 1 : 0;
    const view = (v < 400 ? first : second).subarray((v % 400) * 968, (v % 400 + 1) * 968);
    const zeros = view.reduce((s, x) => s + (x === 0 ? 1 : 0), 0);
    if (plan.choice === 1) assert.is(zeros, plan.applied * 8, `view ${v}: pixel masking`);
    else if (plan.choice === 2) assert.is(zeros, plan.applied * plane, `view ${v}: band masking`);
    else assert.is(zeros, 0);
    if (plan.choice === 0 && plan.applied) assert.ok(plan.sigma >= 0.1 && plan.sigma <= 2);
  });
  for (const c of choices) assert.ok(Math.abs(c / 800 - 1 / 3) < 0.06, `choices ${choices}`);
  assert.ok(Math.abs(flips / 800 - 0.5) < 0.06, `flips ${flips}`);
});

test('deterministic by (seed, id): batches do not matter, seeds do', async () => {
  const p = patches(50);
  const a = await ssccAugment(p, { seed: 11 });
  const b = await ssccAugment({ ...p, count: 20, data: p.data.slice(30 * 968) }, { seed: 11, ids: Array.from({ length: 20 }, (_, i) => 30 + i) });
  assert.equal(b.first, a.first.subarray(30 * 968));
  assert.equal(b.second, a.second.subarray(30 * 968));
  assert.equal((await ssccAugment(p, { seed: 11 })).first, a.first);
  assert.not.equal((await ssccAugment(p, { seed: 12 })).first, a.first);
  assert.not.equal(a.first, a.second);
});

test('ssccAugment refuses bad arguments clearly', async () => {
  const p = patches(2);
  await rejects(ssccAugment(p, { scale: [0.5, 0.1] }), DataError, /ssccAugment: scale: expected \[a, b\] with 0 < a ≤ b ≤ .*, got \[0.5, 0.1\]/);
  await rejects(ssccAugment(p, { ratio: [0, 1] }), DataError, /ratio: expected \[a, b\] .* got \[0, 1\]/);
  await rejects(ssccAugment(p, { flip: 1.5 }), DataError, /flip: expected a probability in \[0, 1\], got 1.5/);
  await rejects(ssccAugment(p, { pixelMask: NaN }), DataError, /pixelMask: expected a probability in \[0, 1\], got NaN/);
  await rejects(ssccAugment(p, { blurKernel: 4 }), DataError, /blurKernel: expected an odd integer in \[1, 31\], got 4; SSCC uses 3/);
  await rejects(ssccAugment(p, { blurAxes: 'col' as 'row-col' }), DataError, /blurAxes: expected 'band-row' or 'row-col', got col/);
  await rejects(ssccAugment(p, { seed: 2 ** 32 }), DataError, /seed: expected an integer in \[0, 2\^32\), got 4294967296/);
  await rejects(ssccAugment(p, { ids: [0, -1] }), DataError, /ids\[1\]: expected an integer in \[0, 2\^31\), got -1/);
  await rejects(ssccAugment({ ...p, size: 10 }), DataError, /patches: expected 2×8×10×10 values, got 1936/);
});

test.run();
