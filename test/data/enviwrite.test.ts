// data/enviwrite.ts: ENVI rasters read back by data/envi.ts with values, band names and the
// georeferencing fields (map info, coordinate system string) intact.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { parseEnviHeader, readEnvi } from '../../src/data/envi.ts';
import { writeEnvi } from '../../src/data/enviwrite.ts';
import { rng, throwsLike } from '../harness/gpu.ts';

const test = suite('data/enviwrite');

const MAP_INFO = '{UTM, 1.000, 1.000, 500000.000, 4200000.000, 3.0000000000e+001, 3.0000000000e+001, 33, North, WGS-84, units=Meters}';
const WKT = '{PROJCS["WGS_1984_UTM_Zone_33N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],UNIT["Meter",1.0]]}';

test('round trip: float32 bsq, values exact, NaN kept, band names and georeference written', async () => {
  const [rows, cols, bands] = [5, 8, 2];
  const r = rng(2);
  const data = Float32Array.from({ length: rows * cols * bands }, () => r() * 10 - 5);
  data[7] = NaN;
  const { hdr, img } = writeEnvi(data, rows, cols, bands, { geo: { mapInfo: MAP_INFO, coordinateSystemString: WKT }, description: 'a {test}', bandNames: ['a', 'b,c'] });
  assert.is(img.length, rows * cols * bands * 4);
  const h = parseEnviHeader(hdr, 'x.hdr');
  assert.equal([h.lines, h.samples, h.bands, h.dataType, h.interleave, h.byteOrder], [rows, cols, bands, 4, 'bsq', 0]);
  assert.is(h.fields['map info'], MAP_INFO);
  assert.is(h.fields['coordinate system string'], WKT);
  assert.is(h.fields.description, '{a (test)}', 'braces inside a value would end it early');
  assert.is(h.fields['band names'], '{a, b c}');
  const cube = await readEnvi(hdr, img, 'x');
  assert.equal(Array.from(cube.data), Array.from(data));
  assert.equal(cube.geo!.envi, { mapInfo: MAP_INFO, coordinateSystemString: WKT });
  assert.is(cube.geo!.crs, 'WGS_1984_UTM_Zone_33N');
  assert.is(cube.geo!.epsg, undefined, 'an ESRI WKT without an authority names no EPSG code');
});

test('bare field values get braces; no georeference writes none', () => {
  const { hdr } = writeEnvi(new Float32Array(4), 2, 2, 1, { geo: { mapInfo: 'UTM, 1, 1, 0, 0, 1, 1, 33, North, WGS-84' } });
  assert.match(hdr, /^map info = \{UTM, 1, 1, 0, 0, 1, 1, 33, North, WGS-84\}$/m);
  assert.not.match(writeEnvi(new Float32Array(4), 2, 2).hdr, /map info|coordinate system/);
});

test('sizes and band names that do not match are refused', () => {
  throwsLike(() => writeEnvi(new Float32Array(3), 2, 2), DataError, /^writeEnvi: data: expected 2×2×1 = 4 values, got 3/);
  throwsLike(() => writeEnvi(new Float32Array(4), 2, 2, 1, { bandNames: ['a', 'b'] }), DataError, /^writeEnvi: band names: expected 1, got 2/);
});

test.run();
