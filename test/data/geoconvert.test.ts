// data/geoconvert.ts: ENVI map info to GeoTIFF tags (checked by reading the written GeoTIFF
// with `geotiff`) and GeoTIFF tags to map info; rotated grids are not converted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromArrayBuffer } from 'geotiff';
import { enviFromTiffTags, tiffTagsFromEnvi } from '../../src/data/geoconvert.ts';
import { writeTiff } from '../../src/data/tiffwrite.ts';
import { epsgFromKeys } from '../../src/data/geo.ts';

const test = suite('data/geoconvert');

async function image(tags: ReturnType<typeof tiffTagsFromEnvi>) {
  return (await fromArrayBuffer(writeTiff(new Float32Array(12), 3, 4, 1, { geo: tags }).buffer)).getImage();
}

test('UTM 33 South on WGS-84: EPSG 32733, origin at the reference pixel, pixel size', async () => {
  const tags = tiffTagsFromEnvi({ mapInfo: '{UTM, 1.000, 1.000, 500000.000, 4200000.000, 3.0e+001, 3.0e+001, 33, South, WGS-84, units=Meters}' });
  const im = await image(tags);
  assert.is(im.getGeoKeys()!.ProjectedCSTypeGeoKey, 32733);
  assert.is(im.getGeoKeys()!.GTModelTypeGeoKey, 1);
  assert.equal(im.getOrigin(), [500000, 4200000, 0]);
  assert.equal(im.getResolution(), [30, -30, 0]);
});

test('a reference pixel other than (1, 1), lat/lon, and a WKT code over the map info', async () => {
  const ll = await image(tiffTagsFromEnvi({ mapInfo: '{Geographic Lat/Lon, 2.5, 1.5, 10.0, 50.0, 0.001, 0.001, WGS-84, units=Degrees}' }));
  assert.equal([ll.getGeoKeys()!.GeographicTypeGeoKey, ll.getGeoKeys()!.GTModelTypeGeoKey], [4326, 2]);
  // Pixel (1.5, 0.5) in 0-based corner coordinates is at (10, 50): the origin is 1.5 pixels left, 0.5 up.
  const [ox, oy] = ll.getOrigin();
  assert.ok(Math.abs(ox - (10 - 0.0015)) < 1e-12 && Math.abs(oy - (50 + 0.0005)) < 1e-12, `${ox} ${oy}`);
  const fromWkt = tiffTagsFromEnvi({ mapInfo: '{Transverse Mercator, 1, 1, 0, 0, 2, 2}' }, 2056);
  assert.is(epsgFromKeys(fromWkt!.keyDirectory), 2056);
  const unknown = tiffTagsFromEnvi({ mapInfo: '{Lambert Conformal Conic, 1, 1, 100, 200, 5, 5, North America 1983}' })!;
  assert.is(epsgFromKeys(unknown.keyDirectory), undefined);
  assert.equal((await image(unknown)).getOrigin(), [100, 200, 0]);
});

test('rotated or unreadable map info is not converted; GeoTIFF tags to map info', () => {
  assert.is(tiffTagsFromEnvi({ mapInfo: '{UTM, 1, 1, 0, 0, 30, 30, 33, North, WGS-84, rotation=15.0}' }), undefined);
  assert.is(tiffTagsFromEnvi({ mapInfo: '{UTM, a, b}' }), undefined);
  assert.is(tiffTagsFromEnvi(undefined), undefined);
  const grid = { pixelScale: [30, 30, 0], tiepoint: [0, 0, 0, 500000, 4200000, 0] };
  assert.equal(enviFromTiffTags(grid, 32633), { mapInfo: '{UTM, 1, 1, 500000, 4200000, 30, 30, 33, North, WGS-84, units=Meters}' });
  assert.equal(enviFromTiffTags(grid, 4326), { mapInfo: '{Geographic Lat/Lon, 1, 1, 500000, 4200000, 30, 30, WGS-84, units=Degrees}' });
  assert.equal(enviFromTiffTags(grid), { mapInfo: '{Arbitrary, 1, 1, 500000, 4200000, 30, 30}' });
  assert.is(enviFromTiffTags({ transformation: [1, 0, 0, 0, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }), undefined);
});

test.run();
