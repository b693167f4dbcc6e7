import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { pca, symmetricEigen } from '../../src/data/pca.ts';
import { withWasm } from '../../src/data/wasm.ts';
import { HsiError } from '../../src/errors.ts';
import { assertClose, rejects, rng, uniform } from '../harness/gpu.ts';
import { covarianceRef, jacobiEigenRef, projectRef } from '../ref/pca.ts';

const test = suite('data/pca');

/** A seeded symmetric n×n matrix with entries in [−1, 1). */
function symmetric(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = 2 * r() - 1;
  return a;
}

/** max over i of ‖A v_i − λ_i v_i‖ and max |V Vᵀ − I|: checks that need no reference at all. */
function residuals(a: Float64Array, n: number, values: ArrayLike<number>, vectors: ArrayLike<number>): [number, number] {
  let res = 0;
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += a[r * n + c] * vectors[i * n + c];
      res = Math.max(res, Math.abs(av - values[i] * vectors[i * n + r]));
    }
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let c = 0; c < n; c++) d += vectors[i * n + c] * vectors[j * n + c];
      orth = Math.max(orth, Math.abs(d - (i === j ? 1 : 0)));
    }
  }
  return [res, orth];
}

test('symmetricEigen (Householder + QL) matches cyclic Jacobi and satisfies A v = λ v', async () => {
  for (const n of [1, 2, 3, 17, 64]) {
    const a = symmetric(n, n);
    const got = await symmetricEigen(a, n);
    const want = jacobiEigenRef(a, n);
    assertClose(`eigenvalues n=${n}`, got.values, want.values, { atol: 1e-12, rtol: 1e-12 });
    // Random matrices have well-separated eigenvalues, so vectors agree closely (same sign rule).
    assertClose(`eigenvectors n=${n}`, got.vectors, want.vectors.flat(), { atol: 1e-9, rtol: 0 });
    const [res, orth] = residuals(a, n, got.values, got.vectors);
    assert.ok(res < 1e-12 * n && orth < 1e-13 * n, `n=${n}: residual ${res}, orthogonality ${orth}`);
  }
});

test('symmetricEigen handles diagonal, repeated and zero spectra', async () => {
  const diag = new Float64Array(16);
  [3, -1, 7, 0.5].forEach((v, i) => (diag[i * 5] = v));
  const d = await symmetricEigen(diag, 4);
  assertClose('diagonal values', d.values, [7, 3, 0.5, -1], { atol: 0, rtol: 0 });
  assertClose('diagonal vectors', d.vectors, [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0], { atol: 0, rtol: 0 });
  // I + 11ᵀ: eigenvalue 6 once, 1 four times (any orthonormal basis of 1⊥ is right).
  const rep = new Float64Array(25).map((_, i) => 1 + (i % 6 === 0 ? 1 : 0));
  const r = await symmetricEigen(rep, 5);
  assertClose('repeated values', r.values, [6, 1, 1, 1, 1], { atol: 1e-13, rtol: 0 });
  const [res, orth] = residuals(rep, 5, r.values, r.vectors);
  assert.ok(res < 1e-13 && orth < 1e-13, `repeated: residual ${res}, orthogonality ${orth}`);
  const z = await symmetricEigen(new Float64Array(9), 3);
  assertClose('zero matrix', [...z.values, ...z.vectors], [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], { atol: 0, rtol: 0 });
});

/** A seeded low-rank cube (4 smooth sources mixed into C bands) plus noise, with offsets. */
function lowRankCube(rows: number, cols: number, bands: number, seed: number) {
  const r = rng(seed);
  const plane = rows * cols;
  const mix = Array.from({ length: 4 }, () => Array.from({ length: bands }, () => r() * 2 - 1));
  const noise = uniform(plane * bands, seed + 1, -0.01, 0.01);
  const data = new Float32Array(plane * bands);
  for (let p = 0; p < plane; p++) {
    const y = Math.floor(p / cols);
    const x = p % cols;
    const src = [Math.sin(x / 5), Math.cos(y / 7), Math.sin((x + y) / 11) * 2, (x * y) / plane];
    for (let b = 0; b < bands; b++) {
      data[b * plane + p] = 100 + b + src.reduce((s, v, k) => s + v * mix[k][b], 0) + noise[b * plane + p];
    }
  }
  return makeCube('lowrank', rows, cols, bands, data);
}

test('pca (wasm) matches the float64 twin: components, eigenvalues, projected cube', async () => {
  for (const [rows, cols, bands, k] of [[13, 11, 5, 5], [41, 37, 30, 6]]) {
    const cube = lowRankCube(rows, cols, bands, rows);
    const got = await pca(cube, k);
    const { mean, cov } = covarianceRef(cube.data, bands);
    const eig = jacobiEigenRef(cov, bands);
    assertClose(`mean ${bands}`, got.mean, mean, { atol: 1e-9, rtol: 1e-12 });
    assertClose(`eigenvalues ${bands}`, got.eigenvalues, eig.values.slice(0, k), { atol: 1e-9, rtol: 1e-9 });
    assertClose(`components ${bands}`, got.components, eig.vectors.slice(0, k).flat(), { atol: 1e-6, rtol: 0 });
    const proj = projectRef(cube.data, bands, mean, eig.vectors.slice(0, k));
    // f32 output: one rounding of values up to ~10.
    assertClose(`projection ${bands}`, got.cube.data, proj, { atol: 1e-5, rtol: 1e-6 });
    assert.is(got.cube.bands, k);
    assert.is(got.cube.name, `lowrank:pca${k}`);
    const total = eig.values.reduce((s, v) => s + v, 0);
    assertClose(`explained ${bands}`, got.explainedRatio, eig.values.slice(0, k).map((v) => v / total), { atol: 1e-12, rtol: 1e-9 });
  }
});

test('wasm aborts reach callers as typed errors of the function that refused (HsiError)', async () => {
  const err = await rejects(withWasm((w) => w.symmetricEigen(new Float64Array(3), 2)), HsiError, /^symmetricEigen: matrix: expected 2² values, got 3$/);
  assert.is((err as HsiError).op, 'symmetricEigen');
  await rejects(symmetricEigen(Float64Array.from([1, NaN, NaN, 1]), 2), DataError, /^symmetricEigen: entry \(0, 1\): expected a finite number, got NaN/);
});

test('pca refuses bad k, one pixel and NaN with a DataError naming the cube', async () => {
  const cube = lowRankCube(5, 4, 3, 1);
  await rejects(pca(cube, 4), DataError, /^lowrank: pca: k: expected an integer in 1\.\.3, got 4; ask for at most/);
  await rejects(pca(cube, 0), DataError, /pca: k: expected an integer in 1\.\.3, got 0/);
  await rejects(pca(makeCube('one', 1, 1, 3, new Float32Array(3)), 1), DataError, /^one: pca: expected at least 2 pixels, got 1/);
  cube.data[7] = Infinity;
  await rejects(pca(cube, 2), DataError, /pca: 1 NaN\/Inf values in the cube; fill them first/);
  await rejects(symmetricEigen(new Float64Array(5), 2), DataError, /symmetricEigen: matrix: expected 2×2 values, got 5/);
});

test.run();
