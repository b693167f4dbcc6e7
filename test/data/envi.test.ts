import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { parseEnviHeader, readEnvi, readEnviBlob, readEnviFrom } from '../../src/data/envi.ts';
import { assertClose, rejects, rng, throwsLike } from '../harness/gpu.ts';

const test = suite('data/envi');

type Kind = { type: number; size: number; set: (v: DataView, at: number, x: number, little: boolean) => void; lo: number; hi: number; int: boolean };
const KINDS: Kind[] = [
  { type: 1, size: 1, set: (v, a, x) => v.setUint8(a, x), lo: 0, hi: 255, int: true },
  { type: 2, size: 2, set: (v, a, x, l) => v.setInt16(a, x, l), lo: -32768, hi: 32767, int: true },
  { type: 3, size: 4, set: (v, a, x, l) => v.setInt32(a, x, l), lo: -1e6, hi: 1e6, int: true },
  { type: 4, size: 4, set: (v, a, x, l) => v.setFloat32(a, x, l), lo: -5, hi: 5, int: false },
  { type: 5, size: 8, set: (v, a, x, l) => v.setFloat64(a, x, l), lo: -5, hi: 5, int: false },
  { type: 12, size: 2, set: (v, a, x, l) => v.setUint16(a, x, l), lo: 0, hi: 65535, int: true },
  { type: 13, size: 4, set: (v, a, x, l) => v.setUint32(a, x, l), lo: 0, hi: 4e6, int: true },
  { type: 14, size: 8, set: (v, a, x, l) => v.setBigInt64(a, BigInt(x), l), lo: -1e6, hi: 1e6, int: true },
  { type: 15, size: 8, set: (v, a, x, l) => v.setBigUint64(a, BigInt(x), l), lo: 0, hi: 1e6, int: true },
];

/** Expected cube values (band-sequential), exactly representable in float32 and in the kind. */
function values(kind: Kind, n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => {
    const x = kind.lo + (kind.hi - kind.lo) * r();
    return kind.int ? Math.round(x) : Math.fround(x);
  });
}

/**
 * An independent raw-file writer: the offset of (band b, row r, col c) written out per
 * interleave exactly as the ENVI manual defines it.
 */
function rawFile(kind: Kind, want: Float64Array, rows: number, cols: number, bands: number, interleave: string, little: boolean, offset: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(offset + want.length * kind.size);
  out.fill(0xee, 0, offset);
  const view = new DataView(out.buffer);
  for (let b = 0; b < bands; b++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const k = interleave === 'bsq' ? (b * rows + r) * cols + c : interleave === 'bil' ? (r * bands + b) * cols + c : (r * cols + c) * bands + b;
        kind.set(view, offset + k * kind.size, want[(b * rows + r) * cols + c], little);
      }
    }
  }
  return out;
}

const header = (rows: number, cols: number, bands: number, type: number, interleave: string, order: number, offset: number, extra = ''): string =>
  `ENVI\ndescription = {\n  test raster = made by envi.test.ts}\nsamples = ${cols}\nlines   = ${rows}\nbands = ${bands}\n` +
  `header offset = ${offset}\nfile type = ENVI Standard\ndata type = ${type}\ninterleave = ${interleave}\nbyte order = ${order}\n${extra}`;

test('every data type, interleave and byte order decodes to the written values', async () => {
  const [rows, cols, bands] = [5, 7, 3];
  let seed = 1;
  for (const kind of KINDS) {
    for (const interleave of ['bsq', 'bil', 'bip']) {
      for (const order of [0, 1]) {
        const want = values(kind, rows * cols * bands, seed++);
        const offset = seed % 2 ? 0 : 13;
        const raw = rawFile(kind, want, rows, cols, bands, interleave, order === 0, offset);
        // Small chunks (not a whole number of records) exercise the chunked path.
        const cube = await readEnvi(header(rows, cols, bands, kind.type, interleave, order, offset), raw, 'scene', { chunkBytes: 3 * cols * kind.size + 1 });
        assert.equal([cube.rows, cube.cols, cube.bands], [rows, cols, bands]);
        assertClose(`envi type ${kind.type} ${interleave} order ${order}`, cube.data, want, { atol: 0, rtol: 0 });
      }
    }
  }
});

test('chunked reads ask only for the records they need', async () => {
  const kind = KINDS[3];
  const [rows, cols, bands] = [11, 9, 6];
  const want = values(kind, rows * cols * bands, 99);
  const raw = rawFile(kind, want, rows, cols, bands, 'bip', true, 0);
  const asked: number[] = [];
  const read = async (offset: number, length: number) => {
    asked.push(length);
    return raw.slice(offset, offset + length);
  };
  const cube = await readEnviFrom(header(rows, cols, bands, 4, 'bip', 0, 0), read, raw.length, 'scene', { chunkBytes: 1000 });
  assertClose('envi bip chunked', cube.data, want, { atol: 0, rtol: 0 });
  assert.ok(Math.max(...asked) <= 1000, `largest read ${Math.max(...asked)} > 1000`);
  assert.is(asked.reduce((s, n) => s + n, 0), raw.length);
});

test('a Blob (a browser File) is read slice by slice', async () => {
  const kind = KINDS[5];
  const want = values(kind, 8 * 9 * 4, 5);
  const raw = rawFile(kind, want, 8, 9, 4, 'bil', false, 3);
  const cube = await readEnviBlob(header(8, 9, 4, 12, 'bil', 1, 3), new Blob([raw]), 'blob', { chunkBytes: 100 });
  assertClose('envi blob', cube.data, want, { atol: 0, rtol: 0 });
});

test('header: wavelengths over several lines, defaults, unknown fields kept', () => {
  const h = parseEnviHeader(header(2, 3, 4, 4, 'BSQ', 0, 0, 'wavelength units = Nanometers\nwavelength = { 400.5, 500,\n 600 ,\n700e0}\n').replace('byte order = 0\n', ''));
  assert.equal(h.wavelengths, [400.5, 500, 600, 700]);
  assert.is(h.interleave, 'bsq');
  assert.is(h.byteOrder, 0);
  assert.is(h.fields['wavelength units'], 'Nanometers');
  assert.is(h.fields['file type'], 'ENVI Standard');
});

test('bad headers and truncated raw files give errors naming the problem', async () => {
  const good = header(2, 3, 4, 4, 'bsq', 0, 0);
  throwsLike(() => parseEnviHeader('samples = 3\n', 'a.hdr'), DataError, /^a\.hdr: header: expected the first line to be 'ENVI'/);
  throwsLike(() => parseEnviHeader(good.replace('data type = 4', 'data type = 6'), 'a.hdr'), DataError, /a\.hdr: header 'data type': expected one of 1,2,3,4,5,12,13,14,15, got 6; complex/);
  throwsLike(() => parseEnviHeader(good.replace('samples = 3', 'samples = three'), 'a.hdr'), DataError, /header 'samples': expected a non-negative integer, got "three"/);
  throwsLike(() => parseEnviHeader(good.replace('lines   = 2\n', ''), 'a.hdr'), DataError, /header: expected a 'lines' field, got none; add it/);
  throwsLike(() => parseEnviHeader(good.replace('interleave = bsq', 'interleave = bsx'), 'a.hdr'), DataError, /'interleave': expected bsq, bil or bip, got "bsx"/);
  throwsLike(() => parseEnviHeader(good.replace('byte order = 0', 'byte order = 2'), 'a.hdr'), DataError, /'byte order': expected 0 or 1, got 2/);
  throwsLike(() => parseEnviHeader(good + 'wavelength = {400, x}\n', 'a.hdr'), DataError, /'wavelength': expected numbers, got "x"/);
  await rejects(readEnvi(good, new Uint8Array(2 * 3 * 4 * 4 - 1), 'a.img'), DataError, /^a\.img: raw file: expected 96 bytes \(header offset 0 \+ 2×3×4 × 4\), got 95; the file is truncated/);
  await rejects(readEnvi(good + 'wavelength = {1, 2}\n', new Uint8Array(96), 'a.img'), DataError, /wavelengths: expected 4, got 2/);
  await rejects(readEnvi(good, new Uint8Array(96), 'a.img', { maxBytes: 50 }), DataError, /needs 96 bytes, more than the limit of 50; crop/);
  // A reader that returns short reads (a file that shrank) is caught.
  await rejects(readEnviFrom(good, async () => new Uint8Array(3), 96, 'a.img'), DataError, /raw file: expected 96 bytes at offset 0, got 3/);
});

test('500 randomly corrupted headers give a cube or a DataError', async () => {
  const r = rng(31);
  const text = header(4, 5, 3, 2, 'bil', 1, 7, 'wavelength = {1, 2, 3}\n');
  const raw = rawFile(KINDS[1], values(KINDS[1], 60, 3), 4, 5, 3, 'bil', false, 7);
  const alphabet = '0123456789 ={},\n-.abx';
  let errors = 0;
  for (let k = 0; k < 500; k++) {
    const chars = text.split('');
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) chars[Math.floor(r() * chars.length)] = alphabet[Math.floor(r() * alphabet.length)];
    try {
      const cube = await readEnvi(chars.join(''), raw, 'f.img', { maxBytes: 1 << 20 });
      assert.is(cube.data.length, cube.rows * cube.cols * cube.bands);
    } catch (e) {
      assert.instance(e, DataError, `variant ${k}: ${(e as Error)?.stack}`);
      errors++;
    }
  }
  assert.ok(errors > 50, `only ${errors} of 500 variants were refused`);
});

test.run();
