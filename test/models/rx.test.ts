import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { globalRx, sceneStats } from '../../src/models/rx.ts';
import { localRx } from '../../src/models/lrx.ts';
import { DataError, OptionError, symmetricEigen, type Cube } from '../../src/index.ts';
import { assertClose, rejects, rng, testGpu } from '../harness/gpu.ts';
import { globalRxRef, jacobiEigen, localRxPcaRef, localRxRef, solve } from '../ref/rx.ts';

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

/** `sources` latent signals of decreasing strength mixed into `bands`, plus noise: distinct eigenvalues. */
function graded(rows: number, cols: number, bands: number, sources: number, seed: number): Cube {
  const r = rng(seed);
  const p = rows * cols;
  const latent = Array.from({ length: sources }, (_, k) => Float64Array.from({ length: p }, () => (r() * 2 - 1) * 10 * 0.6 ** k));
  const mix = Array.from({ length: bands * sources }, () => r() * 2 - 1);
  const data = new Float32Array(bands * p);
  for (let b = 0; b < bands; b++) {
    for (let q = 0; q < p; q++) {
      let v = 50 + 0.3 * (r() - 0.5);
      for (let k = 0; k < sources; k++) v += mix[b * sources + k] * latent[k][q];
      data[b * p + q] = v;
    }
  }
  return { rows, cols, bands, data };
}

test('the float64 Jacobi reference diagonalises: A v = λ v, values descending', () => {
  const a = [4, 1, 2, 1, 3, 0.5, 2, 0.5, 5];
  const { values, vectors } = jacobiEigen(a, 3);
  for (let k = 0; k < 3; k++) {
    for (let i = 0; i < 3; i++) {
      const av = a[i * 3] * vectors[k * 3] + a[i * 3 + 1] * vectors[k * 3 + 1] + a[i * 3 + 2] * vectors[k * 3 + 2];
      assert.ok(Math.abs(av - values[k] * vectors[k * 3 + i]) < 1e-12, `A v${k} = λ v${k}`);
    }
  }
  assert.ok(values[0] > values[1] && values[1] > values[2]);
});

test('LRX on fewer components than bands projects on the top eigenvectors (float64 Jacobi reference)', async () => {
  const gpu = await testGpu();
  // dims < bands: wrong, unordered or missing eigenvectors change the subspace and so the scores
  // (with dims = bands any orthonormal basis gives the same distance).
  for (const [rows, cols, bands, sources, dims, outer, inner] of [[13, 12, 9, 7, 4, 7, 3], [11, 10, 12, 8, 5, 5, 1], [12, 9, 6, 5, 2, 7, 3]]) {
    const cube = graded(rows, cols, bands, sources, rows * dims);
    const got = await localRx(gpu, cube, { outer, inner, dims, relRidge: 1e-3, scoreBlock: 41 });
    const want = localRxPcaRef(cube.data, rows, cols, bands, outer, inner, dims, 1e-3);
    assertClose(`lrx ${rows}×${cols}×${bands} dims ${dims}`, got, want, { atol: 1e-4, rtol: 1e-3 });
    // The wrong subspace (the bottom eigenvectors) must be far from it, or this test could not fail.
    const wrong = localRxPcaRef(cube.data, rows, cols, bands, outer, inner, bands, 1e-3);
    assert.ok(want.some((v, i) => Math.abs(v - wrong[i]) > 0.05 * Math.abs(v) + 1e-3), 'dims changes the scores');
  }
});

test('global RX with ridge: (Σ + ridge·I)⁻¹, against float64', async () => {
  const gpu = await testGpu();
  const cube = graded(14, 11, 8, 6, 5);
  for (const ridge of [0.05, 2]) {
    const got = await globalRx(gpu, cube, { ridge, chunk: 16, group: 8 });
    const want = globalRxRef(cube.data, 14, 11, 8, ridge);
    assertClose(`rx ridge ${ridge}`, got, want, { atol: 1e-4, rtol: 2e-4 });
    const plain = globalRxRef(cube.data, 14, 11, 8);
    assert.ok(want.some((v, i) => Math.abs(v - plain[i]) > 0.01 * plain[i]), `ridge ${ridge} changes the scores`);
  }
});

/** A copy of `cube` with band `b` (or every band, b = -1) multiplied by `k` in f32. */
function scaled(cube: Cube, b: number, k: number): Cube {
  const p = cube.rows * cube.cols;
  const data = Float32Array.from(cube.data, (v, i) => (b < 0 || Math.floor(i / p) === b ? v * k : v));
  assert.ok(data.every(Number.isFinite), 'the scaled cube is finite f32');
  return { ...cube, data };
}

test('huge finite values: RX is per-band scale invariant (a band ×1e30, the whole cube ×1e30, ridge)', async () => {
  const gpu = await testGpu();
  const cube = graded(13, 11, 6, 5, 21);
  const want = globalRxRef(cube.data, 13, 11, 6);
  assertClose('rx, band 2 ×1e30', await globalRx(gpu, scaled(cube, 2, 1e30)), want, { atol: 1e-4, rtol: 2e-4 });
  assertClose('rx, cube ×1e30', await globalRx(gpu, scaled(cube, -1, 1e30), { chunk: 8, group: 4 }), want, { atol: 1e-4, rtol: 2e-4 });
  // (Σ + r I)⁻¹ in the cube's units: the ×1e30 cube with ridge r·1e60 scores as the cube with r.
  assertClose('rx ridge, cube ×1e30', await globalRx(gpu, scaled(cube, -1, 1e30), { ridge: 2e60 }), globalRxRef(cube.data, 13, 11, 6, 2), { atol: 1e-4, rtol: 2e-4 });
  const st = await sceneStats(gpu, scaled(cube, 2, 1e30));
  assert.ok(st.cov.every(Number.isFinite) && Math.abs(st.cov[2 * 6 + 2] / 1e60 / (await sceneStats(gpu, cube)).cov[14] - 1) < 1e-5, 'covariance in the cube units');
});

test('a 3.4e38 no-data fill: finite RX scores, those of the fill as a 0/1 band (the exact limit)', async () => {
  const gpu = await testGpu();
  const cube = graded(12, 12, 5, 4, 8);
  const p = 144;
  const fill = scaled(cube, -1, 1);
  const indicator = scaled(cube, -1, 1);
  for (let q = 0; q < p; q++) indicator.data[3 * p + q] = 0;
  for (const q of [5, 40, 77, 130]) fill.data[3 * p + q] = indicator.data[3 * p + q] = 3.4e38;
  for (const q of [5, 40, 77, 130]) indicator.data[3 * p + q] = 1;
  const got = await globalRx(gpu, fill);
  assert.ok(got.every(Number.isFinite), 'finite scores');
  assertClose('rx with a 3.4e38 fill', got, globalRxRef(indicator.data, 12, 12, 5), { atol: 1e-4, rtol: 2e-4 });
  // A fill pixel in every band: it alone spans the covariance's top axis and scores the most
  // any sample point can, (p − 1)² / p.
  const all = scaled(cube, -1, 1);
  for (let b = 0; b < 5; b++) all.data[b * p + 60] = -3.4e38;
  const s = await globalRx(gpu, all);
  assert.ok(s.every(Number.isFinite) && Math.abs(s[60] - 143 ** 2 / 144) < 1e-3 * s[60], `fill pixel scores ${s[60]}`);
});

test('huge finite values: LRX on the cube ×1e30 equals LRX on the cube; a dominating band is refused naming it', async () => {
  const gpu = await testGpu();
  const cube = graded(13, 12, 9, 7, 52);
  const want = localRxPcaRef(cube.data, 13, 12, 9, 7, 3, 4, 1e-3);
  assertClose('lrx, cube ×1e30', await localRx(gpu, scaled(cube, -1, 1e30), { outer: 7, inner: 3, dims: 4, relRidge: 1e-3 }), want, { atol: 1e-4, rtol: 1e-3 });
  // PCA is not scale invariant: with band 5 ×1e30 float64 resolves only its component.
  await rejects(localRx(gpu, { ...scaled(cube, 4, 1e30), name: 'x.mat' }, { outer: 7, inner: 3, dims: 4 }), DataError,
    /^x\.mat: lrx: band 5: expected a spread PCA can resolve beside the other bands, got max \|x − mean\| [0-9.e+]+ against [0-9.e+]+ at most elsewhere: float64 resolves 1 of the 4 components asked .*; leave the band out \(hsi detect --bands\)/);
  const fill = scaled(cube, -1, 1);
  fill.data[7 * 156 + 20] = 3.4e38;
  await rejects(localRx(gpu, fill, { outer: 7, inner: 3, dims: 4 }), DataError, /lrx: band 8: expected a spread PCA can resolve/);
  // A band of tiny spread (1e-10 of the others') only adds noise below the top components: accepted.
  const quiet = scaled(cube, -1, 1);
  for (let q = 0; q < 156; q++) quiet.data[2 * 156 + q] = 1e-9 * Math.sin(q);
  assertClose('lrx with a quiet band', await localRx(gpu, quiet, { outer: 7, inner: 3, dims: 4, relRidge: 1e-3 }), localRxPcaRef(quiet.data, 13, 12, 9, 7, 3, 4, 1e-3), { atol: 1e-4, rtol: 1e-3 });
});

test('bad input: NaN cubes and bad windows are refused with the way out', async () => {
  const gpu = await testGpu();
  const cube = correlated(5, 5, 3, 1);
  cube.data[7] = NaN;
  await rejects(globalRx(gpu, cube), DataError, /rx: cube: expected finite values, got 1 NaN\/Inf; fill them first/);
  await rejects(localRx(gpu, correlated(5, 5, 3, 1), { outer: 4, inner: 1 }), OptionError, /lrx: windows: expected odd sizes with inner < outer, got outer 4, inner 1/);
  await rejects(globalRx(gpu, { rows: 1, cols: 1, bands: 3, data: new Float32Array(3), name: 'one.mat' }), DataError, /^one\.mat: rx: pixels: expected at least 2 \(a covariance needs two\), got 1 \(1×1\)/);
  await rejects(localRx(gpu, { rows: 1, cols: 1, bands: 3, data: new Float32Array(3) }), OptionError, /^lrx: outer window: expected at most twice the scene side/);
  await rejects(globalRx(gpu, correlated(5, 5, 3, 1), { ridge: -1 }), OptionError, /^rx: ridge: expected a finite number ≥ 0, got -1/);
  await rejects(symmetricEigen(new Float64Array([1, Infinity, Infinity, 1]), 2), DataError, /^symmetricEigen: entry \(0, 1\): expected a finite number, got Infinity/);
  assert.equal(Array.from(solve([2, 0, 0, 4], [2, 4], 2)), [1, 1]);
});

test.run();
