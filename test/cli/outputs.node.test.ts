// Node only: what `hsi detect` writes, opened as GIS tools and people would: a georeferenced
// GeoTIFF and ENVI scene in, scores.tif / scores.hdr out on the same grid and CRS (read back by
// `geotiff`), and the pictures: colour bar, outline beside the targets, overlay, ROC, detections.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromArrayBuffer, writeArrayBuffer } from 'geotiff';
import { hsi, hsiFails } from '../harness/cli.ts';
import { rng } from '../harness/gpu.ts';
import { readNpy } from '../../src/data/npy.ts';
import { readEnviFile } from '../../src/data/envi.node.ts';
import { decodePngRef } from '../ref/png.ts';

const test = suite('cli/outputs');
const dir = mkdtempSync(path.join(tmpdir(), 'hsi-out-'));
const [rows, cols, bands] = [24, 20, 8];

/** A background of smooth random spectra with three bright pixels, pixel-interleaved (rows × cols × bands). */
function sceneValues(): Float32Array {
  const r = rng(11);
  const v = Float32Array.from({ length: rows * cols * bands }, (_, i) => 100 + 10 * Math.sin(i % bands) + r() * 5);
  for (const p of [50, 200, 333]) for (let b = 0; b < bands; b++) v[p * bands + b] += 60 * (b % 2 ? 1 : -1);
  return v;
}

const summaryOf = (stdout: string): Record<string, any> => JSON.parse(stdout.trim().split('\n').at(-1)!);
const npyScores = (out: string): Float32Array => readNpy(readFileSync(path.join(out, 'scores.npy'))).data as Float32Array;

test('a GeoTIFF in UTM 33N gives scores.tif on the same grid and CRS; the summary names it', async () => {
  const input = path.join(dir, 'utm.tif');
  const meta = {
    height: rows, width: cols, ModelPixelScale: [30, 30, 0], ModelTiepoint: [0, 0, 0, 500000, 4200000, 0],
    GTModelTypeGeoKey: 1, GTRasterTypeGeoKey: 1, ProjectedCSTypeGeoKey: 32633, GTCitationGeoKey: 'WGS 84 / UTM zone 33N',
  };
  writeFileSync(input, new Uint8Array(writeArrayBuffer(sceneValues(), meta as never)));
  const src = await (await fromArrayBuffer(readFileSync(input).buffer.slice(0) as ArrayBuffer)).getImage();
  const out = path.join(dir, 'utm-rx');
  const s = summaryOf((await hsi(['detect', input, '--model', 'rx', '--format', 'tif,npy,envi', '--out', out, '--json'])).stdout);
  assert.equal(s.crs, { epsg: 32633, name: 'WGS 84 / UTM zone 33N' });
  assert.is(s.files.scoresTif, 'scores.tif');
  // ENVI output of a GeoTIFF scene: the grid and zone as map info.
  assert.match(readFileSync(path.join(out, 'scores.hdr'), 'latin1'), /^map info = \{UTM, 1, 1, 500000, 4200000, 30, 30, 33, North, WGS-84, units=Meters\}$/m);
  assert.is(s.files.scoresMat, undefined, '--format tif,npy writes no .mat');
  const b = readFileSync(path.join(out, 'scores.tif'));
  const image = await (await fromArrayBuffer(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)).getImage();
  assert.equal([image.getHeight(), image.getWidth(), image.getSamplesPerPixel()], [rows, cols, 1]);
  assert.equal(image.getGeoKeys(), src.getGeoKeys());
  assert.is(image.getGeoKeys()!.ProjectedCSTypeGeoKey, 32633);
  assert.equal(image.getOrigin(), src.getOrigin());
  assert.equal(image.getResolution(), src.getResolution());
  assert.equal(image.getBoundingBox(), src.getBoundingBox());
  const scores = (await image.readRasters({ interleave: false }))[0] as Float32Array;
  assert.equal(Array.from(scores), Array.from(npyScores(out)));
});

test('an ENVI scene with map info gives scores.hdr + scores.img with the same map info and CRS', async () => {
  const hdr = path.join(dir, 'envi.hdr');
  const mapInfo = '{UTM, 1.000, 1.000, 500000.000, 4200000.000, 30.0, 30.0, 33, North, WGS-84, units=Meters}';
  const wkt = '{PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",AUTHORITY["EPSG","4326"]],UNIT["metre",1],AUTHORITY["EPSG","32633"]]}';
  writeFileSync(hdr, `ENVI\nsamples = ${cols}\nlines = ${rows}\nbands = ${bands}\ndata type = 4\ninterleave = bip\nbyte order = 0\nmap info = ${mapInfo}\ncoordinate system string = ${wkt}\n`);
  writeFileSync(path.join(dir, 'envi.img'), sceneValues());
  const out = path.join(dir, 'envi-rx');
  const s = summaryOf((await hsi(['detect', hdr, '--model', 'rx', '--format', 'envi,npy', '--out', out, '--json'])).stdout);
  assert.equal(s.crs, { epsg: 32633, name: 'WGS 84 / UTM zone 33N' });
  assert.equal([s.files.scoresEnvi, s.files.scoresEnviData, s.files.scoresTif], ['scores.hdr', 'scores.img', undefined]);
  // The default formats: scores.tif of an ENVI scene is on the same grid, with the WKT's EPSG code.
  const tifOut = path.join(dir, 'envi-rx-tif');
  await hsi(['detect', hdr, '--model', 'rx', '--out', tifOut]);
  const tb = readFileSync(path.join(tifOut, 'scores.tif'));
  const tif = await (await fromArrayBuffer(tb.buffer.slice(tb.byteOffset, tb.byteOffset + tb.byteLength) as ArrayBuffer)).getImage();
  assert.is(tif.getGeoKeys()!.ProjectedCSTypeGeoKey, 32633);
  assert.equal([tif.getOrigin(), tif.getResolution()], [[500000, 4200000, 0], [30, -30, 0]]);
  const text = readFileSync(path.join(out, 'scores.hdr'), 'latin1');
  assert.ok(text.includes(`map info = ${mapInfo}\n`), text);
  assert.ok(text.includes(`coordinate system string = ${wkt}\n`), text);
  const back = await readEnviFile(path.join(out, 'scores.hdr'));
  assert.equal([back.rows, back.cols, back.bands], [rows, cols, 1]);
  assert.equal(Array.from(back.data), Array.from(npyScores(out)));
});

test('pictures: colour bar, outline beside targets, transparent overlay, ROC, detections at --far from the scores', async () => {
  const scene = path.join(dir, 'synth.mat');
  await hsi(['synth', '--rows', '30', '--cols', '32', '--bands', '20', '--anomalies', '5', '--seed', '4', '--out', scene]);
  const out = path.join(dir, 'synth-rx');
  const s = summaryOf((await hsi(['detect', scene, '--model', 'rx', '--far', '0.01', '--out', out, '--json'])).stdout);
  assert.is(s.crs, null, 'a .mat scene has no georeference');
  const pic = (name: string) => decodePngRef(readFileSync(path.join(out, name)));
  const map = pic('scores.png');
  const px = 8; // pictureScale(30, 32) = min(8, floor(512 / 32)) = 8
  assert.is(map.height, 30 * px);
  assert.ok(map.width > 32 * px + 30, `a colour bar beside the map: width ${map.width}`);
  // The overlay: transparent except the outline, which covers at most a quarter of any pixel beside a target.
  const overlay = pic('gt-overlay.png');
  assert.equal([overlay.width, overlay.height], [32 * px, 30 * px]);
  const alpha = overlay.alpha!;
  const opaque = alpha.reduce((n, a) => n + (a ? 1 : 0), 0);
  assert.ok(opaque > 0 && opaque < alpha.length / 4, `outline pixels ${opaque}`);
  const mat = await import('../../src/data/mat.ts');
  const gt = (await mat.readMat(readFileSync(scene), 'synth.mat')).map!;
  for (let r = 0; r < 30; r++) {
    for (let c = 0; c < 32; c++) {
      let covered = 0;
      for (let y = r * px; y < (r + 1) * px; y++) for (let x = c * px; x < (c + 1) * px; x++) covered += alpha[y * 32 * px + x] ? 1 : 0;
      if (gt.data[r * 32 + c] > 0) assert.is(covered, 0, `target pixel (${r}, ${c}) is never covered`);
      else assert.ok(covered <= px * px - (px - 2) * (px - 2), `pixel (${r}, ${c}) beside a target keeps its middle visible`);
    }
  }
  // The same outline in scores.png: white exactly where the overlay is opaque.
  for (let y = 0; y < 30 * px; y++) {
    for (let x = 0; x < 32 * px; x++) {
      if (alpha[y * 32 * px + x]) assert.equal([...map.rgb.subarray((y * map.width + x) * 3, (y * map.width + x) * 3 + 3)], [255, 255, 255]);
    }
  }
  const roc = pic('roc.png');
  assert.equal([roc.width, roc.height], [560, 400]);
  // Detections at 1 %: the threshold is the score ranked ⌊0.01·N⌋ from the top, found here from scores.npy alone.
  const scores = npyScores(out);
  const sorted = Float64Array.from(scores).sort().reverse();
  const threshold = sorted[Math.floor(0.01 * scores.length)];
  const count = scores.reduce((n, v) => n + (v > threshold ? 1 : 0), 0);
  assert.equal(s.detections, { far: 0.01, threshold, detections: count });
  const det = pic('detections.png');
  let red = 0;
  for (let i = 0; i < det.width * det.height; i++) if (det.rgb[i * 3] === 230 && det.rgb[i * 3 + 1] === 30) red++;
  assert.is(red, count * px * px);
  assert.equal(Object.keys(s.auc.pdAtFar), ['0.001', '0.01']);
  const csv = readFileSync(path.join(out, 'roc.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  for (const far of [0.001, 0.01]) assert.is(s.auc.pdAtFar[String(far)], Math.max(...csv.filter(([, pf]) => pf <= far).map(([, , pd]) => pd)));
  for (const f of Object.values(s.files) as string[]) readFileSync(path.join(out, f));
});

test('--format and --far refuse bad values (exit 2) before reading the scene', async () => {
  for (const [args, message] of [
    [['--format', 'tif,gif'], /--format: expected a comma list of tif, envi, npy, mat, got 'tif,gif'/],
    [['--far', '2'], /--far: expected a rate in \(0, 1\) such as 1e-3, got '2'/],
    [['--far', 'x'], /--far: expected a rate in \(0, 1\)/],
  ] as [string[], RegExp][]) {
    const r = await hsiFails(['detect', 'no-such.mat', '--model', 'rx', ...args]);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test.run();
