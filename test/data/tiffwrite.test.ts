// data/tiffwrite.ts and data/geo.ts: float32 GeoTIFFs read back by `geotiff` (an independent
// reader) with every georeferencing tag intact, and the CRS named from the keys.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromArrayBuffer } from 'geotiff';
import { DataError } from '../../src/data/cube.ts';
import { citationFromKeys, crsSummary, epsgFromKeys, epsgFromWkt, geoFromEnviFields, type GeoTiffTags } from '../../src/data/geo.ts';
import { readTiffCube } from '../../src/data/tiff.ts';
import { writeTiff } from '../../src/data/tiffwrite.ts';
import { rng, throwsLike } from '../harness/gpu.ts';

const test = suite('data/tiffwrite');

// UTM 33N (EPSG 32633), 30 m pixels, the upper-left corner at (500000, 4200000).
const UTM: GeoTiffTags = {
  pixelScale: [30, 30, 0],
  tiepoint: [0, 0, 0, 500000, 4200000, 0],
  // Model type projected, raster type PixelIsArea, the citation in GeoAsciiParams, the CRS.
  keyDirectory: [1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 1, 1026, 34737, 17, 0, 3072, 0, 1, 32633],
  asciiParams: 'WGS 84 / UTM 33N|',
};

test('round trip through geotiff: values, size, bands, tags, geokeys, origin and resolution', async () => {
  const [rows, cols, bands] = [7, 11, 3];
  const r = rng(5);
  const data = Float32Array.from({ length: rows * cols * bands }, () => r() * 200 - 100);
  data[4] = NaN;
  const bytes = writeTiff(data, rows, cols, bands, { geo: UTM, description: 'scores', noData: -9999 });
  const tiff = await fromArrayBuffer(bytes.buffer);
  const image = await tiff.getImage();
  assert.equal([image.getHeight(), image.getWidth(), image.getSamplesPerPixel()], [rows, cols, bands]);
  const rasters = await image.readRasters({ interleave: false });
  for (let b = 0; b < bands; b++) assert.equal(Array.from(rasters[b] as Float32Array), Array.from(data.subarray(b * rows * cols, (b + 1) * rows * cols)), `band ${b}`);
  const keys = image.getGeoKeys()!;
  assert.is(keys.ProjectedCSTypeGeoKey, 32633);
  assert.is(keys.GTModelTypeGeoKey, 1);
  assert.is(keys.GTCitationGeoKey, 'WGS 84 / UTM 33N');
  assert.equal(image.getOrigin(), [500000, 4200000, 0]);
  assert.equal(image.getResolution(), [30, -30, 0]);
  assert.equal(image.getBoundingBox(), [500000, 4200000 - rows * 30, 500000 + cols * 30, 4200000]);
  // ASCII values end in NUL (TIFF 6.0); geotiff keeps it on some tags.
  const ascii = async (tag: 'GDAL_NODATA' | 'ImageDescription'): Promise<string> => String(await image.getFileDirectory().loadValue(tag)).replace(/\0$/, '');
  assert.is(await ascii('GDAL_NODATA'), '-9999');
  assert.is(await ascii('ImageDescription'), 'scores');
  // Our reader keeps the tags, and writing them again gives the same bytes.
  const cube = await readTiffCube(bytes, 'utm.tif');
  assert.equal(cube.geo!.tiff, UTM);
  assert.is(cube.geo!.epsg, 32633);
  assert.is(cube.geo!.crs, 'WGS 84 / UTM 33N');
  assert.equal(writeTiff(data, rows, cols, bands, { geo: cube.geo!.tiff, description: 'scores', noData: -9999 }), bytes);
});

test('a ModelTransformation (rotated grid) is kept; no georeference means none is invented', async () => {
  const transformation = [10, 2, 0, 300000, 1, -10, 0, 5000000, 0, 0, 0, 0, 0, 0, 0, 1];
  const rotated = await readTiffCube(writeTiff(new Float32Array(6), 2, 3, 1, { geo: { transformation } }), 'rot.tif');
  assert.equal(rotated.geo, { tiff: { transformation } });
  const plain = writeTiff(new Float32Array(6).fill(1), 2, 3);
  const image = await (await fromArrayBuffer(plain.buffer)).getImage();
  assert.is(image.getGeoKeys(), null);
  assert.is((await readTiffCube(plain, 'plain.tif')).geo, undefined);
  assert.is(crsSummary(undefined), null);
});

test('sizes that do not match are refused', () => {
  throwsLike(() => writeTiff(new Float32Array(5), 2, 3), DataError, /^writeTiff: data: expected 2×3×1 = 6 values, got 5/);
});

test('the CRS named: EPSG from geokeys and from the outermost WKT authority, citations, ENVI map info', () => {
  assert.is(epsgFromKeys(UTM.keyDirectory), 32633);
  assert.is(epsgFromKeys([1, 1, 0, 1, 2048, 0, 1, 4326]), 4326);
  assert.is(epsgFromKeys([1, 1, 0, 1, 3072, 0, 1, 32767]), undefined, 'user-defined');
  assert.is(citationFromKeys(UTM.keyDirectory, UTM.asciiParams), 'WGS 84 / UTM 33N');
  const wkt = 'PROJCS["WGS 84 / UTM zone 33N",GEOGCS["WGS 84",AUTHORITY["EPSG","4326"]],UNIT["metre",1],AUTHORITY["EPSG","32633"]]';
  assert.is(epsgFromWkt(wkt), 32633);
  assert.is(epsgFromWkt('GEOGCS["x",AUTHORITY["EPSG","4326"]],UNIT["m",1]]'), undefined, 'an inner authority is not the CRS');
  const geo = geoFromEnviFields({ 'map info': '{UTM, 1, 1, 500000, 4200000, 30, 30, 33, North, WGS-84}', 'coordinate system string': `{${wkt}}` });
  assert.is(geo!.epsg, 32633);
  assert.is(geo!.crs, 'WGS 84 / UTM zone 33N');
  assert.equal(crsSummary(geo), { epsg: 32633, name: 'WGS 84 / UTM zone 33N' });
  assert.is(geoFromEnviFields({ 'map info': '{UTM, 1, 1, 0, 0, 1, 1, 33, North, WGS-84}' })!.crs, 'UTM');
  assert.is(geoFromEnviFields({ samples: '3' }), undefined);
});

test.run();
