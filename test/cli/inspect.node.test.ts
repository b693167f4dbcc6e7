// Node only: `hsi inspect` as a user reads it: aligned, rounded tables; constant bands and
// NaN/Inf per band; anomaly and class counts of maps; complex variables named as unsupported;
// the CRS of a GeoTIFF; the file to open instead of an ENVI raw file or a folder.
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hsi, hsiFails } from '../harness/cli.ts';
import { makeCube } from '../../src/data/cube.ts';
import { cubeVariable, mapVariable, writeMat } from '../../src/data/matwrite.ts';
import { writeTiff } from '../../src/data/tiffwrite.ts';
import { writeEnvi } from '../../src/data/enviwrite.ts';

const test = suite('cli/inspect');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-inspect-'));
const [rows, cols, bands] = [6, 5, 4];

/** Band 1 constant (7), band 2 with 3 NaN and an Inf, band 3 with 1 NaN; values with many digits. */
function cubeData(): Float32Array {
  const plane = rows * cols;
  const d = Float32Array.from({ length: plane * bands }, (_, i) => 1 / 3 + i * 0.123456);
  d.fill(7, plane, 2 * plane);
  d[2 * plane] = d[2 * plane + 4] = d[2 * plane + 9] = NaN;
  d[2 * plane + 10] = Infinity;
  d[3 * plane + 1] = NaN;
  return d;
}

test('.mat: aligned table, rounded ranges, constant bands and NaN/Inf by band, map counts, complex unsupported', async () => {
  const file = path.join(dir, 'scene.mat');
  const anomalies = Int32Array.from({ length: rows * cols }, (_, i) => (i % 10 === 3 ? 1 : 0));
  const labels = Int32Array.from({ length: rows * cols }, (_, i) => i % 4);
  const bytes = writeMat([
    cubeVariable('data', makeCube('x', rows, cols, bands, cubeData())),
    mapVariable('gt', { rows, cols, data: anomalies }),
    mapVariable('classes', { rows, cols, data: labels }, 'uint8'),
    mapVariable('z', { rows: 2, cols: 2, data: [1, 2, 3, 4] }),
  ], { compress: false });
  // Make the last variable complex: set the complex bit (0x800) of its array flags.
  const view = new DataView(bytes.buffer);
  let at = 128;
  for (let k = 0; k < 3; k++) at += 8 + view.getUint32(at + 4, true);
  bytes[at + 16 + 1] |= 0x08;
  writeFileSync(file, bytes);
  const { stdout } = await hsi(['inspect', file]);
  const lines = stdout.trimEnd().split('\n');
  assert.is(lines[0], `${file}: 4 variables`);
  assert.match(lines[1], /^name +size +class +kind +range +NaN +Inf$/);
  // Columns line up: every cell of a column starts where its header does.
  const at0 = (h: string): number => lines[1].indexOf(h);
  for (const l of lines.slice(2, 6)) for (const h of ['size', 'class', 'kind']) assert.ok(l[at0(h) - 1] === ' ' && l[at0(h)] !== ' ', `${h} column in ${JSON.stringify(l)}`);
  assert.match(lines[2], /^data +6×5×4 +single +cube +0\.3333 … 15\.02 +4 +1$/);
  assert.match(lines[3], /^gt +6×5 +double +map +0 … 1 +0 +0$/);
  assert.match(lines[4], /^classes +6×5 +uint8 +map +0 … 3 +0 +0$/);
  assert.match(lines[5], /^z +2×2 +double +complex: unsupported/);
  assert.ok(lines.includes('data: constant bands: 1 (no information; z-scores set them to 0)'), stdout);
  assert.ok(lines.includes('data: NaN/Inf by band: band 2: 4, band 3: 1'), stdout);
  assert.ok(lines.includes('gt: anomaly map: 3 anomaly pixels of 30 (10 %)'), stdout);
  assert.ok(lines.includes('classes: label map: 3 classes and 0 (unlabelled, 8 px); pixels per class: 1: 8, 2: 7, 3: 7'), stdout);
  assert.ok(lines.includes('z: complex is unsupported; save real(z) and imag(z) as separate variables'), stdout);
  const json = JSON.parse((await hsi(['inspect', file, '--json'])).stdout);
  const byName = Object.fromEntries(json.variables.map((v: { name: string }) => [v.name, v]));
  assert.equal(byName.data.constantBands, [1]);
  assert.equal(byName.data.nonFiniteByBand, { 2: 4, 3: 1 });
  assert.equal(byName.classes.classes, { 0: 8, 1: 8, 2: 7, 3: 7 });
  assert.is(byName.z.complex, true);
});

test('GeoTIFF: rounded values, NaN/Inf by band, constant bands, CRS and grid', async () => {
  const file = path.join(dir, 'utm.tif');
  const geo = { pixelScale: [30, 30, 0], tiepoint: [0, 0, 0, 500000, 4200000, 0], keyDirectory: [1, 1, 0, 2, 1024, 0, 1, 1, 3072, 0, 1, 32633] };
  writeFileSync(file, writeTiff(cubeData(), rows, cols, bands, { geo }));
  const { stdout } = await hsi(['inspect', file]);
  assert.match(stdout, /^values: +0\.3333 … 15\.02, 5 NaN\/Inf$/m);
  assert.match(stdout, /^constant bands: +1 \(no information/m);
  assert.match(stdout, /^NaN\/Inf by band: +band 2: 4, band 3: 1$/m);
  assert.match(stdout, /^CRS: +EPSG:32633$/m);
  assert.match(stdout, /^grid: +origin \(500000, 4200000\), pixel 30 × 30$/m);
  // The values start in one column.
  const starts = stdout.trim().split('\n').slice(1).map((l) => l.search(/: +\S/) + l.match(/: +/)![0].length);
  assert.ok(starts.every((x) => x === starts[0]), stdout);
  const json = JSON.parse((await hsi(['inspect', file, '--json'])).stdout);
  assert.equal(json.crs, { epsg: 32633, name: null });
  assert.equal(json.nonFiniteByBand, { 2: 4, 3: 1 });
});

test('an ENVI raw file or a folder is refused with the file to open (hsi detect too, for the raw file)', async () => {
  const { hdr, img } = writeEnvi(new Float32Array(6), 2, 3);
  writeFileSync(path.join(dir, 'raster.hdr'), hdr);
  writeFileSync(path.join(dir, 'raster.img'), img);
  const raw = await hsiFails(['inspect', path.join(dir, 'raster.img')]);
  assert.is(raw.code, 1);
  assert.match(raw.stderr, /^hsi: .*raster\.img: format: expected the \.hdr header of an ENVI raster, got its raw data file \(\.img\); open .*raster\.hdr\n$/);
  const detect = await hsiFails(['detect', path.join(dir, 'raster.img'), '--model', 'rx']);
  assert.match(detect.stderr, /^hsi: raster\.img: format: expected one of .*, got '\.img'; if it is the data of an ENVI raster, open its \.hdr file\n$/);
  const empty = path.join(dir, 'empty');
  mkdirSync(empty);
  assert.match((await hsiFails(['inspect', empty])).stderr, /empty: path: expected a scene file, got a folder; it holds no \.mat/);
  assert.match((await hsiFails(['inspect', dir])).stderr, /path: expected a scene file, got a folder; open one of raster\.hdr, scene\.mat, utm\.tif\n$/);
});

test.run();
