import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { n2vCount, n2vMask } from '../../src/data/n2v.ts';
import { extractPatches, type Patches } from '../../src/data/patch.ts';
import { rejects, uniform } from '../harness/gpu.ts';
import { n2vMaskRef } from '../ref/n2v.ts';

const test = suite('data/n2v');

/** Seeded 19×19 patches of every pixel of a small scene, as BS3LNet cuts them. */
async function scenePatches(rows: number, cols: number, bands: number, size = 19): Promise<Patches> {
  return extractPatches(makeCube('scene', rows, cols, bands, uniform(rows * cols * bands, 11, 0, 700)), size);
}

test('n2vCount is ceil(p²·(1 − ratio)) with BS3LNet floats: 37 for 19×19 at 0.9', () => {
  assert.is(n2vCount(19, 0.9), 37);
  assert.is(n2vCount(11, 0.9), 13);
  assert.is(n2vCount(19, 0), 361);
  // Python's float arithmetic, kept on purpose: 25·(1 − 0.96) = 1.0000000000000009 → 2.
  assert.is(n2vCount(5, 0.96), 2);
});

test('n2vMask (wasm) equals the twin bitwise, input and mask', async () => {
  for (const [window, ratio] of [[5, 0.9], [4, 0.8], [19, 0.5]]) {
    const p = await scenePatches(11, 10, 7);
    const got = await n2vMask(p, { ratio, window, seed: 1 });
    const want = n2vMaskRef(p.data, p.count, p.bands, p.size, ratio, window, 1, p.centres!);
    assert.equal(got.input, want.input, `input, window ${window}`);
    assert.equal(got.mask, want.mask, `mask, window ${window}`);
    assert.is(got.label, p.data);
    assert.is(got.masked, n2vCount(19, ratio));
  }
});

test('the masking follows docs/bs3lnet.md#masking: centre first, offsets, periodic wrap, whole spectra', async () => {
  const p = await scenePatches(12, 10, 5);
  const got = await n2vMask(p, { seed: 3 });
  const ref = n2vMaskRef(p.data, p.count, p.bands, p.size, 0.9, 5, 3, p.centres!);
  const plane = 19 * 19;
  for (let n = 0; n < p.count; n++) {
    const s = ref.spots[n];
    assert.is(s.y.length, 37);
    assert.equal([s.y[0], s.x[0]], [9, 9], 'position 1 is the centre');
    const masked = new Set<number>();
    for (let k = 0; k < 37; k++) {
      if (k > 0) assert.ok(s.y[k] !== 9 || s.x[k] !== 9, 'only position 1 is the centre');
      const dy = (s.sy[k] - s.y[k] + 19 + 2) % 19 - 2;
      const dx = (s.sx[k] - s.x[k] + 19 + 2) % 19 - 2;
      assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2 && (dy !== 0 || dx !== 0), `offset (${dy}, ${dx})`);
      masked.add(s.y[k] * 19 + s.x[k]);
    }
    // The last write wins for a repeated position; every band takes the source's value.
    const last = new Map<number, number>();
    for (let k = 0; k < 37; k++) last.set(s.y[k] * 19 + s.x[k], s.sy[k] * 19 + s.sx[k]);
    for (let b = 0; b < p.bands; b++) {
      const base = (n * p.bands + b) * plane;
      for (let i = 0; i < plane; i++) {
        const src = last.get(i);
        assert.is(got.mask[base + i], src === undefined ? 1 : 0);
        assert.is(got.input[base + i], p.data[base + (src ?? i)]);
      }
    }
    assert.ok(masked.size <= 37 && masked.size >= 1);
  }
});

test('positions and offsets are uniform (χ² over many patches)', async () => {
  const p = await scenePatches(40, 40, 1, 5); // 1600 patches of 5×5, ratio 0 → 25 draws each
  const ref = n2vMaskRef(p.data, p.count, 1, 5, 0, 5, 9, p.centres!);
  const pos = new Array<number>(25).fill(0);
  const off = new Array<number>(25).fill(0);
  for (const s of ref.spots) {
    for (let k = 1; k < s.y.length; k++) pos[s.y[k] * 5 + s.x[k]]++;
    for (let k = 0; k < s.y.length; k++) off[((s.sy[k] - s.y[k] + 7) % 5) * 5 + ((s.sx[k] - s.x[k] + 7) % 5)]++;
  }
  assert.is(pos[12], 0, 'the centre is never redrawn');
  assert.is(off[12], 0, 'the (0, 0) offset is never drawn');
  for (const counts of [pos, off]) {
    const nonzero = counts.filter((_, i) => i !== 12);
    const e = nonzero.reduce((a, b) => a + b, 0) / 24;
    const chi2 = nonzero.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    assert.ok(chi2 < 23 + 6 * Math.sqrt(46), `χ² ${chi2.toFixed(1)} over 24 cells`);
  }
});

test('static masks: a patch gets the same mask in any batch; a new seed resamples', async () => {
  const p = await scenePatches(10, 10, 3);
  const whole = await n2vMask(p, { seed: 1 });
  const values = p.bands * 19 * 19;
  const part = (from: number, to: number): Patches => ({
    ...p, count: to - from, data: p.data.slice(from * values, to * values), centres: p.centres!.slice(from, to),
  });
  const a = await n2vMask(part(0, 23), { seed: 1 });
  const b = await n2vMask(part(23, 100), { seed: 1 });
  assert.equal(a.mask, whole.mask.subarray(0, 23 * values));
  assert.equal(b.input, whole.input.subarray(23 * values));
  const again = await n2vMask(p, { seed: 1 });
  assert.equal(again.mask, whole.mask);
  const other = await n2vMask(p, { seed: 2 });
  assert.not.equal(other.mask, whole.mask);
  // The mask depends on (seed, id) only: explicit ids override the centres, else 0..N−1.
  const byIds = await n2vMask(part(23, 100), { seed: 1, ids: Array.from({ length: 77 }, (_, i) => i) });
  const byIndex = await n2vMask({ ...part(0, 77), centres: undefined }, { seed: 1 });
  assert.equal(byIds.mask, byIndex.mask);
});

test('n2vMask refuses bad arguments clearly', async () => {
  const p = await scenePatches(4, 4, 2, 5);
  await rejects(n2vMask(p, { ratio: 1 }), DataError, /n2vMask: ratio: expected 0 ≤ ratio < 1, got 1; BS3LNet uses 0.9/);
  await rejects(n2vMask(p, { window: 1 }), DataError, /window: expected an integer in \[2, 5\] \(the patch size\), got 1/);
  await rejects(n2vMask(p, { window: 6 }), DataError, /window: .* got 6/);
  await rejects(n2vMask(p, { seed: -1 }), DataError, /seed: expected an integer in \[0, 2\^32\), got -1/);
  await rejects(n2vMask(p, { ids: [1, 2] }), DataError, /ids: expected one per patch \(16\), got 2/);
  await rejects(n2vMask({ ...p, count: 17 }), DataError, /patches: expected 17×2×5×5 values, got 800/);
});

test.run();
