// data/scene.ts: one-file scenes from bytes, as `hsi detect`/`hsi cluster` and the browser app read them.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { cubeVariable, mapVariable, writeMat } from '../../src/data/matwrite.ts';
import { checkMapSize, checkSceneFormat, readRasterBytes, readSceneBytes, sceneExt, summarizeCube } from '../../src/data/scene.ts';
import { rejects, throwsLike } from '../harness/gpu.ts';

const test = suite('data/scene');

test('extensions: known formats pass, others are refused naming the formats', () => {
  assert.equal(['a.MAT', 'b.tiff', 'c.npy', 'd.hdr', 'dir.x/e', 'f'].map(sceneExt), ['.mat', '.tiff', '.npy', '.hdr', '', '']);
  for (const name of ['a.mat', 'b.TIF', 'c.tiff', 'd.npy', 'e.hdr']) checkSceneFormat(name);
  throwsLike(() => checkSceneFormat('scene.png'), DataError, /^scene\.png: format: expected one of \.mat, \.hdr \(ENVI\), \.tif\/\.tiff \(GeoTIFF\), \.npy, got '\.png'/);
  throwsLike(() => checkSceneFormat('scene'), DataError, /got 'no extension'/);
});

test('.npy rows × cols × bands; NaN refused, or filled by band means', async () => {
  const [rows, cols, bands] = [3, 4, 2];
  const hwc = Float32Array.from({ length: rows * cols * bands }, (_, i) => i);
  const { cube, map } = await readSceneBytes('x.npy', writeNpy(hwc, [rows, cols, bands]));
  assert.equal([cube.rows, cube.cols, cube.bands, map], [rows, cols, bands, undefined]);
  // Band-sequential out (data/cube.ts): band 1 of pixel (0, 1) is element [0, 1, 1] of the array.
  assert.is(cube.data[1 * rows * cols + 1], hwc[(0 * cols + 1) * bands + 1]);
  hwc[5] = NaN;
  await rejects(readSceneBytes('y.npy', writeNpy(hwc, [rows, cols, bands])), DataError, /^y\.npy: 1 NaN\/Inf values in the cube/);
  const filled = await readSceneBytes('y.npy', writeNpy(hwc, [rows, cols, bands]), { nonFinite: 'band-mean' });
  assert.ok(filled.cube.data.every(Number.isFinite));
});

test('.mat: cube and map chosen as the CLI does; the map kind decides labels or 0/1', async () => {
  const cube = makeCube('c', 2, 3, 2, Float32Array.from({ length: 12 }, (_, i) => i));
  const labels = { rows: 2, cols: 3, data: Int32Array.from([0, 1, 2, 2, 0, 3]) };
  const mat = writeMat([cubeVariable('data', cube), mapVariable('gt', labels)]);
  assert.equal(Array.from((await readSceneBytes('s.mat', mat)).map!.data), [0, 1, 1, 1, 0, 1]);
  assert.equal(Array.from((await readSceneBytes('s.mat', mat, { mapKind: 'labels' })).map!.data), [0, 1, 2, 2, 0, 3]);
  assert.is((await readSceneBytes('s.mat', mat, { map: false })).map, undefined);
});

test('a header alone and a .mat handed to the raster reader are refused', async () => {
  await rejects(readRasterBytes('h.hdr', new Uint8Array(8)), DataError, /^h\.hdr: ENVI: expected the header and its raw file together/);
  await rejects(readRasterBytes('m.mat', new Uint8Array(8)), DataError, /^m\.mat: format: expected a GeoTIFF or \.npy raster, got '\.mat'/);
});

test('checkMapSize and summarizeCube', () => {
  const data = Float32Array.from([1, NaN, 3, 4, 7, 7, 7, 7]);
  const cube = makeCube('c', 2, 2, 2, data, { wavelengths: [450, 650] });
  throwsLike(() => checkMapSize('gt.mat', cube, { rows: 2, cols: 3, data: new Int32Array(6) }), DataError, /^gt\.mat: size: expected 2×2 like the scene, got 2×3/);
  checkMapSize('gt.mat', cube, { rows: 2, cols: 2, data: new Int32Array(4) });
  assert.equal(summarizeCube('c.npy', cube), { file: 'c.npy', rows: 2, cols: 2, bands: 2, min: 1, max: 7, nonFinite: 1, constantBands: [1], wavelengths: [450, 650] });
});

test.run();
