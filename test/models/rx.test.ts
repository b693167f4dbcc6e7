import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { globalRx, sceneStats } from '../../src/models/rx.ts';
import { localRx } from '../../src/models/lrx.ts';
import { DataError, type Cube } from '../../src/index.ts';
import { assertClose, rejects, rng, testGpu } from '../harness/gpu.ts';
import { globalRxRef, localRxRef, solve } from '../ref/rx.ts';

const test = suite('models/rx');

/** Correlated bands: 3 latent sources mixed into `bands`, plus noise; band-sequential. */
function correlated(rows: number, cols: number, bands: number, seed: number): Cube {
  const r = rng(seed);
  const p = rows * cols;
  const latent = Array.from({ length: 3 }, () => Float64Array.from({ length: p }, () => r() * 2 - 1));
  const mix = Array.from({ length: bands * 3 }, () => r() * 2 - 1);
  const data = new Float32Array(bands * p);
  for (let b = 0; b < bands; b++) {
    for (let q = 0; q < p; q++) data[b * p + q] = 100 + 10 * (mix[b * 3] * latent[0][q] + mix[b * 3 + 1] * latent[1][q] + mix[b * 3 + 2] * latent[2][q]) + (r() - 0.5);
  }
  return { rows, cols, bands, data };
}

test('global RX matches the float64 reference on sizes off the chunk grid', async () => {
  const gpu = await testGpu();
  for (const [rows, cols, bands, chunk, group, scoreBlock] of [[17, 13, 9, 32, 64, 65536], [9, 7, 5, 8, 2, 10], [31, 3, 12, 32, 4, 50]]) {
    const cube = correlated(rows, cols, bands, rows * bands);
    const got = await globalRx(gpu, cube, { chunk, group, scoreBlock });
    assertClose(`rx ${rows}×${cols}×${bands} chunk ${chunk}`, got, globalRxRef(cube.data, rows, cols, bands), { atol: 1e-4, rtol: 2e-4 });
  }
});

test('the covariance is the unbiased sample covariance', async () => {
  const gpu = await testGpu();
  const cube = correlated(11, 10, 6, 8);
  const st = await sceneStats(gpu, cube, { chunk: 8, group: 4 });
  const p = 110;
  const mu = Array.from({ length: 6 }, (_, b) => cube.data.slice(b * p, (b + 1) * p).reduce((s, v) => s + v, 0) / p);
  const ref = new Float64Array(36);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) for (let q = 0; q < p; q++) ref[i * 6 + j] += (cube.data[i * p + q] - mu[i]) * (cube.data[j * p + q] - mu[j]) / (p - 1);
  assertClose('cov', st.cov, ref, { atol: 1e-4, rtol: 1e-5 });
  assertClose('mean', st.mean, mu, { atol: 0, rtol: 1e-12 });
});

test('a constant or duplicated band drops out (pseudo-inverse), as RX on the remaining bands', async () => {
  const gpu = await testGpu();
  const base = correlated(12, 11, 5, 3);
  const p = 132;
  const data = new Float32Array(7 * p);
  data.set(base.data, 0);
  data.fill(42, 5 * p, 6 * p); // constant band
  data.set(base.data.subarray(p, 2 * p), 6 * p); // copy of band 1
  const got = await globalRx(gpu, { rows: 12, cols: 11, bands: 7, data });
  assertClose('rx with singular covariance', got, globalRxRef(base.data, 12, 11, 5), { atol: 1e-3, rtol: 1e-3 });
});

test('dual-window LRX on all components equals full-band local RX', async () => {
  const gpu = await testGpu();
  for (const [rows, cols, bands, outer, inner] of [[13, 11, 4, 7, 3], [9, 10, 3, 5, 1]]) {
    const cube = correlated(rows, cols, bands, outer * 10 + inner);
    const got = await localRx(gpu, cube, { outer, inner, dims: bands, relRidge: 1e-3, scoreBlock: 37 });
    assertClose(`lrx ${rows}×${cols} ${outer}/${inner}`, got, localRxRef(cube.data, rows, cols, bands, outer, inner, 1e-3), { atol: 1e-3, rtol: 1e-3 });
  }
});

test('bad input: NaN cubes and bad windows are refused with the way out', async () => {
  const gpu = await testGpu();
  const cube = correlated(5, 5, 3, 1);
  cube.data[7] = NaN;
  await rejects(globalRx(gpu, cube), DataError, /rx: cube: expected finite values, got 1 NaN\/Inf; fill them first/);
  await rejects(localRx(gpu, correlated(5, 5, 3, 1), { outer: 4, inner: 1 }), Error, /lrx: windows: expected odd sizes with inner < outer, got outer 4, inner 1/);
  assert.equal(Array.from(solve([2, 0, 0, 4], [2, 4], 2)), [1, 1]);
});

test.run();
