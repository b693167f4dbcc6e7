import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { scaleCube, type ScaleMode } from '../../src/data/scale.ts';
import { assertClose, rejects, uniform } from '../harness/gpu.ts';
import { scaleRef } from '../ref/scale.ts';

const test = suite('data/scale');
const MODES: ScaleMode[] = ['global-minmax', 'band-minmax', 'zscore'];

/** A seeded C×H×W cube whose bands sit at very different offsets and scales, band 3 constant. */
function offsetCube(rows: number, cols: number, bands: number, seed: number) {
  const data = uniform(rows * cols * bands, seed, 0, 1);
  const plane = rows * cols;
  for (let i = 0; i < data.length; i++) {
    const b = Math.floor(i / plane);
    data[i] = b === 3 ? 7.25 : 1000 * (b + 1) + data[i] * (b + 1);
  }
  return makeCube('offset', rows, cols, bands, data, { wavelengths: Array.from({ length: bands }, (_, b) => 400 + 10 * b) });
}

test('scaleCube (wasm) matches the float64 twin in every mode', async () => {
  for (const [rows, cols, bands] of [[1, 1, 1], [13, 17, 5], [37, 29, 11]]) {
    const cube = offsetCube(rows, cols, bands, rows * 31 + bands);
    for (const mode of MODES) {
      const got = await scaleCube(cube, mode);
      const want = scaleRef(cube.data, bands, mode);
      // f32 output of an f64 computation: within one f32 rounding of the reference.
      assertClose(`scale ${mode} ${rows}x${cols}x${bands}`, got.cube.data, want.out, { atol: 1e-6, rtol: 1e-6 });
      assert.equal(got.constant, want.constant, `${mode}: constant bands`);
      assert.is(got.cube.bands, bands);
      assert.equal(got.cube.wavelengths, cube.wavelengths);
    }
  }
});

test('scaled bands have the defining properties (independent of the twin)', async () => {
  const cube = offsetCube(23, 19, 6, 5);
  const plane = 23 * 19;
  const band = (d: Float32Array, b: number) => Array.from(d.subarray(b * plane, (b + 1) * plane));
  const mm = await scaleCube(cube, 'band-minmax');
  const z = await scaleCube(cube, 'zscore');
  const g = await scaleCube(cube, 'global-minmax');
  for (let b = 0; b < 6; b++) {
    const m = band(mm.cube.data, b);
    const s = band(z.cube.data, b);
    const mean = s.reduce((a, v) => a + v, 0) / plane;
    const sd = Math.sqrt(s.reduce((a, v) => a + (v - mean) ** 2, 0) / plane);
    if (b === 3) {
      assert.ok(m.every((v) => v === 0) && s.every((v) => v === 0), 'a constant band becomes 0, not NaN');
      continue;
    }
    assertClose(`band-minmax range band ${b}`, [Math.min(...m), Math.max(...m)], [0, 1], { atol: 1e-6, rtol: 0 });
    assertClose(`zscore moments band ${b}`, [mean, sd], [0, 1], { atol: 1e-5, rtol: 0 });
  }
  assertClose('global-minmax range', [Math.min(...g.cube.data), Math.max(...g.cube.data)], [0, 1], { atol: 0, rtol: 0 });
  assert.equal(g.constant, []);
});

test('a constant cube scales to zeros and lists every band', async () => {
  const cube = makeCube('flat', 3, 4, 2, new Float32Array(24).fill(-2.5));
  for (const mode of MODES) {
    const got = await scaleCube(cube, mode);
    assert.ok(got.cube.data.every((v) => v === 0), mode);
    assert.equal(got.constant, [0, 1], mode);
  }
});

test('scaleCube refuses NaN/Inf and unknown modes with a DataError naming the cube', async () => {
  const data = new Float32Array(24);
  data[5] = NaN;
  data[17] = -Infinity;
  const cube = makeCube('bad.mat:data', 3, 4, 2, data);
  await rejects(scaleCube(cube, 'zscore'), DataError, /^bad\.mat:data: scale: 2 NaN\/Inf values in the cube; fill them first with handleNonFinite/);
  const ok = makeCube('ok', 2, 2, 1, new Float32Array([1, 2, 3, 4]));
  await rejects(scaleCube(ok, 'median' as ScaleMode), DataError, /scale mode: expected 'global-minmax', 'band-minmax' or 'zscore', got median/);
  const after = await scaleCube(ok, 'band-minmax');
  assertClose('scale after a refusal', after.cube.data, [0, 1 / 3, 2 / 3, 1], { atol: 1e-7, rtol: 0 });
});

test.run();
