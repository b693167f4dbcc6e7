// Node only: opening scenes in the browser app (src/web/scenefiles.ts) as a user would: an ENVI
// header with its raw file, a .mat file with two cubes (the user picks one, as --data does in
// the CLI), and a click on the picture that plots the pixel's spectrum.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makeCube } from '../../src/data/cube.ts';
import { cubeVariable, mapVariable, writeMat } from '../../src/data/matwrite.ts';
import { readMatMap } from '../../src/data/mat.ts';
import { readSceneBytes } from '../../src/data/scene.ts';
import { writeNpy } from '../../src/data/npy.ts';
import { writeTiffRef } from '../ref/tiff.ts';
import { clusterScores } from '../../src/metrics/cluster.ts';
import { findModel } from '../../src/models/index.ts';
import { testGpu } from '../harness/gpu.ts';
import { sharedData, skipMissing } from '../harness/shared-data.ts';
import { id, shot, startApp, type AppPage, type AppSession } from './apphost.ts';

const test = suite('web/open');
const SALINAS = 'clust/SalinasA_corrected.mat';
const SALINAS_GT = 'clust/SalinasA_gt.mat';
let session: AppSession;
let app: AppPage;

test.before(async () => {
  session = await startApp('web/open');
  app = session.app;
});

test.after(() => session?.close());

const info = async (): Promise<string> => (await app.page.textContent(id('scene-info'))) ?? '';

test('ENVI: the .hdr and its raw file open together, with the header wavelengths', async () => {
  const [rows, cols, bands] = [10, 12, 5];
  const raw = Float32Array.from({ length: rows * cols * bands }, (_, i) => i / 4);
  const hdr = `ENVI\nsamples = ${cols}\nlines = ${rows}\nbands = ${bands}\nheader offset = 0\ndata type = 4\ninterleave = bsq\nbyte order = 0\nwavelength = {450, 500, 550, 600, 650}\n`;
  await app.page.setInputFiles(id('file-input'), [
    { name: 'tiny.hdr', mimeType: 'text/plain', buffer: Buffer.from(hdr) },
    { name: 'tiny.img', mimeType: 'application/octet-stream', buffer: Buffer.from(raw.buffer) },
  ]);
  await app.page.waitForSelector(id('scene-picture'));
  const text = await info();
  assert.match(text, `${rows} × ${cols} pixels, ${bands} bands`);
  assert.match(text, `0 … ${(raw.length - 1) / 4}`);
  assert.match(text, '450 … 650');
  // Red, green, blue default to the bands nearest 640, 550 and 460 nm (data/png.ts).
  assert.equal(await Promise.all(['red', 'green', 'blue'].map((c) => app.page.inputValue(id(`band-${c}`)))), ['4', '2', '0']);
});

test('GeoTIFF and .npy cubes open through the same readers as the CLI', async () => {
  const [rows, cols, n] = [9, 11, 4];
  const bands = Array.from({ length: n }, (_, b) => Array.from({ length: rows * cols }, (_, i) => Math.fround(b * 1000 + i)));
  const tif = writeTiffRef([{ rows, cols, bands, type: 'f32', planar: false }], true);
  await app.page.setInputFiles(id('file-input'), { name: 'cube.tif', mimeType: 'image/tiff', buffer: Buffer.from(tif) });
  await app.page.waitForSelector(id('scene-picture'));
  assert.match(await info(), `${rows} × ${cols} pixels, ${n} bands`);
  assert.match(await info(), `0 … ${(n - 1) * 1000 + rows * cols - 1}`);
  // rows × cols × bands (the CLI's 'hwc' layout for .npy).
  const hwc = Float32Array.from({ length: rows * cols * n }, (_, i) => -i);
  await app.page.setInputFiles(id('file-input'), { name: 'cube.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(hwc, [rows, cols, n])) });
  await app.page.waitForFunction(() => /cube\.npy/.test(document.querySelector('[data-testid="scene-info"]')?.textContent ?? ''));
  assert.match(await info(), `${rows} × ${cols} pixels, ${n} bands`);
  assert.match(await info(), `${-(rows * cols * n - 1)} … 0`);
});

test('a file dropped on the drop zone opens like a picked one', async () => {
  const npy = writeNpy(Float32Array.from({ length: 5 * 6 * 3 }, (_, i) => i), [5, 6, 3]);
  const drop = await app.page.evaluateHandle((bytes) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], 'dropped.npy'));
    return dt;
  }, Array.from(npy));
  await app.page.dispatchEvent(id('drop'), 'drop', { dataTransfer: drop });
  await app.page.waitForFunction(() => /dropped\.npy/.test(document.querySelector('[data-testid="scene-info"]')?.textContent ?? ''));
  assert.match(await info(), '5 × 6 pixels, 3 bands');
});

test('NaN in a cube: refused as in the CLI, then replaced by band means when the user asks', async () => {
  const values = Float32Array.from({ length: 4 * 5 * 2 }, (_, i) => (i % 7 === 3 ? NaN : i));
  const nan = values.filter(Number.isNaN).length;
  await app.page.setInputFiles(id('file-input'), { name: 'holes.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(writeNpy(values, [4, 5, 2])) });
  await app.page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.match(await app.page.textContent(id('error')) ?? '', `holes.npy: ${nan} NaN/Inf values in the cube`);
  await app.page.click(id('fill-nan'));
  await app.page.waitForFunction(() => /holes\.npy/.test(document.querySelector('[data-testid="scene-info"]')?.textContent ?? ''));
  assert.match(await info(), `${nan} (replaced by band means)`);
});

test('an ENVI header without its raw file says which names it looked for', async () => {
  await app.page.setInputFiles(id('file-input'), [{ name: 'lonely.hdr', mimeType: 'text/plain', buffer: Buffer.from('ENVI\nsamples = 2\nlines = 2\nbands = 1\ndata type = 4\n') }]);
  await app.page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.match(await app.page.textContent(id('error')) ?? '', /^lonely\.hdr: raw file: expected one of lonely, lonely\.img/);
});

test('a .mat file with two cubes: the error lists them and the user picks one', async () => {
  const a = makeCube('a', 6, 7, 4, Float32Array.from({ length: 168 }, (_, i) => i));
  const b = makeCube('b', 6, 7, 9, Float32Array.from({ length: 378 }, (_, i) => -i));
  const map = { rows: 6, cols: 7, data: Int32Array.from({ length: 42 }, (_, i) => (i === 20 ? 1 : 0)) };
  const mat = writeMat([cubeVariable('first', a), cubeVariable('second', b), mapVariable('gt', map)]);
  await app.page.setInputFiles(id('file-input'), { name: 'two.mat', mimeType: 'application/octet-stream', buffer: Buffer.from(mat) });
  await app.page.waitForSelector(`${id('error')}:not([hidden])`);
  assert.match(await app.page.textContent(id('error')) ?? '', /^two\.mat: expected one 3-D numeric variable, got 2/);
  await shot(app.page, '8-pick-variable');
  await app.page.selectOption(id('pick-data'), 'second');
  await app.page.selectOption(id('pick-map'), 'gt');
  await app.page.click(id('pick-open'));
  await app.page.waitForSelector(id('scene-picture'));
  assert.ok(await app.page.isHidden(id('error')), 'the error is gone');
  const text = await info();
  assert.match(text, '6 × 7 pixels, 9 bands');
  assert.match(text, '1 labelled pixels, 1 class');
});

test('a click on the picture plots that pixel\'s spectrum', async () => {
  const img = app.page.locator(id('scene-picture'));
  const box = (await img.boundingBox())!;
  // The middle of row 2, column 3 of the 6 × 7 scene opened above.
  await img.click({ position: { x: (3.5 / 7) * box.width, y: (2.5 / 6) * box.height } });
  await app.page.waitForSelector(`${id('spectrum')} canvas`);
  assert.match(await app.page.textContent(id('spectrum')) ?? '', 'Spectrum at row 2, column 3');
  await shot(app.page, '9-spectrum');
});

test('a map with NaN and fractions opens as a 0/1 anomaly map, as hsi detect reads it', async () => {
  const cube = makeCube('c', 4, 4, 3, Float32Array.from({ length: 48 }, (_, i) => i % 5));
  const map = { rows: 4, cols: 4, data: Float64Array.from({ length: 16 }, (_, i) => (i === 3 ? NaN : i % 6 === 0 ? 0.5 : 0)) };
  const mat = writeMat([cubeVariable('data', cube), mapVariable('map', map)]);
  await app.page.setInputFiles(id('file-input'), { name: 'frac.mat', mimeType: 'application/octet-stream', buffer: Buffer.from(mat) });
  await app.page.waitForFunction(() => /frac\.mat/.test(document.querySelector('[data-testid="scene-info"]')?.textContent ?? ''));
  assert.match(await info(), '3 labelled pixels, 1 class');
});

test('SalinasA with its ground truth in a second file: k-means shows the ACC Node computes', async () => {
  const [sceneBytes, gtBytes] = await Promise.all([sharedData(SALINAS), sharedData(SALINAS_GT)]);
  if (!sceneBytes) return skipMissing('web/open SalinasA', SALINAS);
  if (!gtBytes) return skipMissing('web/open SalinasA', SALINAS_GT);
  const { page } = app;
  await page.setInputFiles(id('file-input'), [`../shared/data/${SALINAS}`, `../shared/data/${SALINAS_GT}`]);
  await page.waitForSelector(id('scene-picture'));
  assert.match(await info(), /labelled pixels, 6 classes \(SalinasA_gt\.mat\)/);
  await page.selectOption(id('task'), 'cluster');
  await page.selectOption(id('model'), 'kmeans');
  await page.fill(id('option-restarts'), '1');
  await page.click(id('run'));
  await page.waitForSelector(`${id('run')}:not([disabled])`, { timeout: 120_000 });
  const shown = Number(/^ACC ([\d.]+)/.exec(await page.locator(id('result-metrics')).first().textContent() ?? '')?.[1]);
  const { cube } = await readSceneBytes('SalinasA_corrected.mat', sceneBytes, { map: false });
  const gt = await readMatMap(gtBytes, 'SalinasA_gt.mat', { mapKind: 'labels' });
  const out = await findModel('kmeans', 'cluster').run(await testGpu(), cube, { k: 6, restarts: 1 });
  const node = clusterScores(out.labels, gt.data, { ignore: 0, clusters: 6 }).acc;
  assert.ok(Math.abs(shown - node) <= 5e-5, `ACC: page ${shown}, Node ${node}`);
  assert.is(await page.locator(`${id('run-card')} >> nth=0 >> .legend li`).count(), 6);
  await shot(page, '10-salinas-kmeans');
});

test.run();
