import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { slic, slicComposite, superAdSlic } from '../../src/data/slic.ts';
import { assertClose, rejects } from '../harness/gpu.ts';
import { regularGridRef, rgbToLabRef, slicLabRef, slicRef, slicScene, superpixelProblems } from '../ref/slic.ts';
import { decodeRle, skimageSlic } from '../ref/slic-skimage.ts';

const test = suite('data/slic');

/** Lab of sRGB triples (exact in f32) from scikit-image 0.19.3 rgb2lab (an independent reference). */
const SKIMAGE_LAB: [number[], number[]][] = [
  [[1, 0, 0], [53.2405879437449, 80.0923082256922, 67.2027510444287]],
  [[0, 1, 0], [87.73509948831895, -86.18302974439501, 83.17970317538452]],
  [[0, 0, 1], [32.29567256501351, 79.18559091176556, -107.85730020669489]],
  [[1, 1, 1], [100.0, -0.0024549378620508655, 0.004653421154054982]],
  [[0, 0, 0], [0, 0, 0]],
  [[0.5, 0.25, 0.75], [41.15482443350158, 51.40896625557931, -56.44527965897669]],
  [[0.015625, 0.03125, 0.0078125], [1.8342389059428221, -1.8730541052140726, 1.8948204878036834]],
];

test('the Lab composite matches scikit-image rgb2lab and the twin', async () => {
  // One pixel per triple, plus a pixel at 0 and one at 1 so the joint min–max scaling is the identity.
  const px = [...SKIMAGE_LAB.map(([rgb]) => rgb), [0, 0, 0], [1, 1, 1]];
  const data = new Float32Array(3 * px.length);
  px.forEach((rgb, p) => rgb.forEach((v, c) => (data[c * px.length + p] = v)));
  const cube = makeCube('lab', 1, px.length, 3, data);
  const got = await slicComposite(cube, [0, 1, 2]);
  const want = SKIMAGE_LAB.flatMap(([, lab]) => lab);
  assertClose('slicLab vs skimage', got.subarray(0, want.length), want, { atol: 1e-9, rtol: 1e-12 });
  assertClose('rgbToLabRef vs skimage', SKIMAGE_LAB.flatMap(([rgb]) => rgbToLabRef(rgb)), want, { atol: 1e-9, rtol: 1e-12 });
  const scene = makeCube('scene', 19, 23, 5, slicScene(19, 23, 5, 3));
  assertClose('slicLab vs twin', await slicComposite(scene, [4, 0, 2]), slicLabRef(scene.data, 19, 23, [4, 0, 2]), { atol: 1e-10, rtol: 1e-12 });
});

test('the seed grid follows skimage.util.regular_grid', () => {
  // Values from skimage 0.19.3: regular_grid((1, r, c), n) as (start, step) per axis.
  assert.equal(regularGridRef([1, 100, 100], 100), [[0, 1], [5, 10], [5, 10]]);
  assert.equal(regularGridRef([1, 80, 60], 100), [[0, 1], [3, 7], [3, 7]]);
  assert.equal(regularGridRef([1, 3, 200], 20), [[0, 1], [1, 3], [5, 10]]);
  assert.equal(regularGridRef([1, 4, 4], 100), [[0, 1], [0, 1], [0, 1]]);
});

test('slic labels equal scikit-image 0.19.3 on seeded scenes', async () => {
  for (const c of skimageSlic) {
    const cube = makeCube('scene', c.rows, c.cols, c.bands, slicScene(c.rows, c.cols, c.bands, c.seed));
    const got = await slic(cube, { ...c.options, bands: [0, 1, 2] });
    const want = decodeRle(c.rle);
    const bad = got.data.findIndex((v, i) => v !== want[i]);
    assert.is(bad, -1, `${c.rows}x${c.cols} ${JSON.stringify(c.options)}: first differing pixel ${bad}: got ${got.data[bad]}, expected ${want[bad]}`);
  }
});

test('slic (wasm) equals its TypeScript twin, with and without connectivity', async () => {
  for (const [rows, cols, n, comp, iter] of [[33, 41, 20, 0.01, 50], [50, 17, 9, 5, 12], [7, 9, 100, 1, 3]]) {
    const cube = makeCube('scene', rows, cols, 4, slicScene(rows, cols, 4, rows));
    const lab = slicLabRef(cube.data, rows, cols, [0, 1, 2]);
    for (const enforce of [true, false]) {
      const o = { nSegments: n, compactness: comp, maxIter: iter, enforceConnectivity: enforce, minSizeFactor: 0.5, maxSizeFactor: 3, startLabel: 1 as const };
      const got = await slic(cube, { ...o, bands: [0, 1, 2] });
      assert.equal(Array.from(got.data), Array.from(slicRef(lab, rows, cols, o)), `slic ${rows}x${cols} n=${n} enforce=${enforce}`);
    }
  }
});

test('Super-AD defaults run on the band-54/34/14 composite and give connected superpixels', async () => {
  const rows = 90;
  const cols = 70;
  const cube = makeCube('scene', rows, cols, 60, slicScene(rows, cols, 60, 9));
  const plane = rows * cols;
  // Bands 54, 34, 14 (Super-AD's composite) carry the colours of bands 0..2.
  for (const [to, from] of [[54, 0], [34, 1], [14, 2]]) cube.data.copyWithin(to * plane, from * plane, (from + 1) * plane);
  const superAd = await slic(cube);
  assert.equal(Array.from(superAd.data), Array.from(slicRef(slicLabRef(cube.data, rows, cols, [54, 34, 14]), rows, cols, superAdSlic)));
  assert.equal(superpixelProblems(superAd.data, rows, cols, 1), []);
  // At skimage's default compactness (10, 10 rounds) the count is close to n_segments.
  const c10 = await slic(cube, { compactness: 10, maxIter: 10 });
  assert.equal(superpixelProblems(c10.data, rows, cols, 1), []);
  const s = Math.max(...c10.data);
  assert.ok(s >= 60 && s <= 130, `compactness 10: ${s} superpixels, expected 60..130 for n_segments 100`);
});

test('slic refuses bad options and NaN with a DataError naming the cube', async () => {
  const cube = makeCube('small.mat:data', 4, 5, 3, slicScene(4, 5, 3, 1));
  await rejects(slic(cube), DataError, /^small\.mat:data: slic: bands: expected 3 band indices in 0\.\.2, got \[54, 34, 14\]/);
  await rejects(slic(cube, { bands: [0, 1, 2], nSegments: 0 }), DataError, /slic: nSegments: expected a positive integer, got 0/);
  await rejects(slic(cube, { bands: [0, 1, 2], compactness: -1 }), DataError, /slic: compactness: expected a positive number, got -1/);
  await rejects(slic(cube, { bands: [0, 1, 2], startLabel: 2 as 0 }), DataError, /slic: startLabel: expected 0 or 1, got 2/);
  cube.data[21] = NaN;
  await rejects(slic(cube, { bands: [0, 1, 2] }), DataError, /slic: 1 NaN\/Inf values in band 1; fill them first/);
  const ok = await slic(makeCube('ok', 4, 5, 3, slicScene(4, 5, 3, 1)), { bands: [0, 1, 2], nSegments: 4, maxIter: 5 });
  assert.is(ok.data.length, 20);
});

test.run();
