import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { constantBands, countNonFinite, DataError, handleNonFinite, makeCube } from '../../src/data/cube.ts';
import { throwsLike } from '../harness/gpu.ts';

const test = suite('data/cube');

test('makeCube checks sizes against the data and the wavelength list', () => {
  const c = makeCube('t.mat:data', 2, 3, 2, new Float32Array(12), { wavelengths: [400, 500] });
  assert.equal([c.rows, c.cols, c.bands, c.name], [2, 3, 2, 't.mat:data']);
  throwsLike(() => makeCube('t.mat:data', 2, 3, 2, new Float32Array(11)), DataError, /t\.mat:data: data: expected 2×3×2 = 12 values, got 11/);
  throwsLike(() => makeCube('x', 0, 3, 2, new Float32Array(0)), DataError, /x: rows: expected a positive integer, got 0/);
  throwsLike(() => makeCube('x', 1, 1, 2, new Float32Array(2), { wavelengths: [1] }), DataError, /wavelengths: expected 2, got 1; fix or drop/);
});

test('NaN/Inf are refused with a count, or filled by zero or the band mean', () => {
  const data = () => Float32Array.from([1, NaN, 3, 5, Infinity, -Infinity, NaN, 2]);
  assert.is(countNonFinite(data()), 4);
  throwsLike(() => handleNonFinite(makeCube('s', 2, 2, 2, data())), DataError, /s: 4 NaN\/Inf values in the cube; pass nonFinite/);
  const z = makeCube('s', 2, 2, 2, data());
  assert.is(handleNonFinite(z, 'zero'), 4);
  assert.equal(Array.from(z.data), [1, 0, 3, 5, 0, 0, 0, 2]);
  const m = makeCube('s', 2, 2, 2, data());
  handleNonFinite(m, 'band-mean');
  assert.equal(Array.from(m.data), [1, 3, 3, 5, 2, 2, 2, 2]);
});

test('constant bands are found', () => {
  const c = makeCube('s', 1, 3, 3, Float32Array.from([1, 1, 1, 0, 2, 0, 7, 7, 7]));
  assert.equal(constantBands(c), [0, 2]);
});

test.run();
