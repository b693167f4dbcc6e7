import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError } from '../../src/data/cube.ts';
import { npyToCube, readNpy, writeNpy } from '../../src/data/npy.ts';
import { assertClose, rng, throwsLike } from '../harness/gpu.ts';
import { NPY_FIXTURES } from '../ref/npy.ts';

const test = suite('data/npy');

const fixture = (name: string): Uint8Array => Uint8Array.from(atob(NPY_FIXTURES[name]), (ch) => ch.charCodeAt(0));
const latin1 = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x)).join('');
const arange = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

test('reads numpy files: C and Fortran order, big-endian, version 2, every listed dtype', () => {
  const a = arange(24, (i) => i * 0.75 - 3); // shape (2, 3, 4), C order
  for (const name of ['c_f4', 'f_f8', 'be_f4', 'v2_f4']) {
    const got = readNpy(fixture(name), name);
    assert.equal(got.shape, [2, 3, 4], name);
    assert.is(got.dtype, name === 'f_f8' ? 'f8' : 'f4', name);
    assertClose(`npy ${name}`, got.data, a, { atol: 0, rtol: 0 });
  }
  const cases: [string, string, number[], number[]][] = [
    ['i2', 'i2', [2, 3], arange(6, (i) => -1000 * i)],
    ['u2', 'u2', [3, 2], arange(6, (i) => 10000 * i)],
    ['i4', 'i4', [4], [-(2 ** 31), 2 ** 31 - 1, 0, 7]],
    ['u1', 'u1', [3, 4], arange(12, (i) => i)], // stored Fortran order, read back in C order
    ['b1', 'b1', [2, 2], [1, 0, 0, 1]],
  ];
  for (const [name, dtype, shape, want] of cases) {
    const got = readNpy(fixture(name), name);
    assert.equal([got.dtype, got.shape], [dtype, shape], name);
    assertClose(`npy ${name}`, got.data, want, { atol: 0, rtol: 0 });
  }
});

test('writes byte for byte what numpy.save writes', () => {
  assert.equal(writeNpy(Float32Array.from([1.5, -2, 3]), [3]), fixture('w_f4_1d'));
  assert.equal(writeNpy(Int32Array.from(arange(6, (i) => i)), [2, 3]), fixture('w_i4_2d'));
  assert.equal(writeNpy(new Uint8Array(7 * 11 * 13), [7, 11, 13]), fixture('w_u1_big'));
  assert.equal(writeNpy(Float32Array.from(arange(24, (i) => i * 0.75 - 3)), [2, 3, 4]), fixture('c_f4'));
  // A subarray writes only its own values.
  const big = Float64Array.from(arange(10, (i) => i));
  const back = readNpy(writeNpy(big.subarray(3, 7), [2, 2]));
  assert.equal([back.dtype, back.shape, Array.from(back.data)], ['f8', [2, 2], [3, 4, 5, 6]]);
});

test('npyToCube maps rows × cols × bands to the band-sequential layout', () => {
  const hwc = readNpy(fixture('c_f4')); // (2, 3, 4): value at (r, c, b) = (r*12 + c*4 + b)*0.75 - 3
  const cube = npyToCube(hwc, 'hwc', 'x.npy');
  assert.equal([cube.rows, cube.cols, cube.bands], [2, 3, 4]);
  const want = new Float32Array(24);
  for (let b = 0; b < 4; b++) for (let r = 0; r < 2; r++) for (let c = 0; c < 3; c++) want[(b * 2 + r) * 3 + c] = (r * 12 + c * 4 + b) * 0.75 - 3;
  assertClose('npyToCube hwc', cube.data, want, { atol: 0, rtol: 0 });
  const chw = npyToCube(hwc, 'chw', 'x.npy');
  assert.equal([chw.bands, chw.rows, chw.cols], [2, 3, 4]);
  assertClose('npyToCube chw', chw.data, hwc.data, { atol: 0, rtol: 0 });
  throwsLike(() => npyToCube(readNpy(fixture('i2')), 'hwc', 'x.npy'), DataError, /x\.npy: npy cube: expected a 3-D array, got shape \(2, 3\)/);
});

test('bad files give errors naming the file, the problem and the fix', () => {
  const good = fixture('c_f4');
  const bad = good.slice();
  bad[1] = 0x58;
  throwsLike(() => readNpy(bad, 'x.npy'), DataError, /^x\.npy: npy magic: expected \\x93NUMPY, got .*; pass a file written by numpy\.save/);
  const v9 = good.slice();
  v9[6] = 9;
  throwsLike(() => readNpy(v9, 'x.npy'), DataError, /npy version: expected 1, 2 or 3, got 9\.0/);
  throwsLike(() => readNpy(good.subarray(0, good.length - 1), 'x.npy'), DataError, /npy data: expected 96 bytes for shape \(2, 3, 4\) of '<f4', got 95; the file is truncated/);
  throwsLike(() => readNpy(good.subarray(0, 50), 'x.npy'), DataError, /npy header: expected 118 bytes, got 40; the file is truncated/);
  const c8 = latin1(good).replace("'<f4'", "'<c8'");
  throwsLike(() => readNpy(Uint8Array.from(c8, (ch) => ch.charCodeAt(0)), 'x.npy'), DataError, /npy dtype: expected one of f4, f8, .* got '<c8'; convert it in numpy first/);
  const noShape = latin1(good).replace("'shape'", "'shapf'");
  throwsLike(() => readNpy(Uint8Array.from(noShape, (ch) => ch.charCodeAt(0)), 'x.npy'), DataError, /npy header: expected a dict with 'descr', 'fortran_order' and 'shape'/);
  throwsLike(() => writeNpy(new Float32Array(5), [2, 3], 'y.npy'), DataError, /^y\.npy: npy write shape: expected dimensions whose product is 5, got \(2, 3\)/);
});

test('1000 randomly corrupted files give an array or a DataError', () => {
  const r = rng(77);
  const goods = ['c_f4', 'f_f8', 'be_f4', 'v2_f4', 'u1', 'b1'].map(fixture);
  let errors = 0;
  for (let k = 0; k < 1000; k++) {
    const b = goods[k % goods.length].slice();
    // Corrupt mostly the header, where the parser works.
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) b[Math.floor(r() * Math.min(b.length, 140))] = Math.floor(r() * 256);
    const file = r() < 0.2 ? b.subarray(0, Math.floor(r() * b.length)) : b;
    try {
      const a = readNpy(file, 'f.npy');
      assert.is(a.data.length, a.shape.reduce((p, d) => p * d, 1));
    } catch (e) {
      assert.instance(e, DataError, `variant ${k}: ${(e as Error)?.stack}`);
      errors++;
    }
  }
  assert.ok(errors > 100, `only ${errors} of 1000 variants were refused`);
});

test.run();
