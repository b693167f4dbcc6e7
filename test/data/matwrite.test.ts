import { unzlibSync } from 'fflate';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { cubeVariable, mapVariable, writeMat, type MatVariable } from '../../src/data/matwrite.ts';
import { throwsLike } from '../harness/gpu.ts';
import { SCIPY_BODY } from '../ref/matwrite.ts';

const test = suite('data/matwrite');

const scipyBody = Uint8Array.from(atob(SCIPY_BODY), (ch) => ch.charCodeAt(0));
const variables = (): MatVariable[] => [
  { name: 'cube', dims: [2, 3, 4], data: Float64Array.from({ length: 24 }, (_, i) => i * 0.5 - 3) },
  { name: 'scores', dims: [2, 3], data: Float32Array.from({ length: 6 }, (_, i) => i / 3) },
  { name: 'map', dims: [3, 2], data: Int32Array.from([0, 1, 2, -3, 4, 5]) },
  { name: 'm', dims: [1, 5], data: Uint8Array.from([1, 2, 3, 4, 255]) },
  { name: 'longer_name_x', dims: [1, 1], data: Float64Array.from([Math.PI]) },
];

/** Splits a file body into its top-level elements: [type, bytes] (bytes without the tag). */
function elements(body: Uint8Array): [number, Uint8Array][] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out: [number, Uint8Array][] = [];
  for (let at = 0; at < body.length;) {
    const type = view.getUint32(at, true);
    const n = view.getUint32(at + 4, true);
    out.push([type, body.subarray(at + 8, at + 8 + n)]);
    at += 8 + (type === 15 ? n : (n + 7) & ~7);
  }
  return out;
}

test('uncompressed variables are byte for byte what scipy.io.savemat writes', () => {
  const file = writeMat(variables(), { compress: false });
  assert.equal(file.subarray(128), scipyBody);
  const text = String.fromCharCode(...file.subarray(0, 116)).trimEnd();
  assert.is(text, 'MATLAB 5.0 MAT-file, written by hsi-gpu');
  assert.equal(Array.from(file.subarray(124, 128)), [0, 1, 0x49, 0x4d]);
});

test('compressed variables inflate to the same elements', () => {
  const file = writeMat(variables());
  assert.equal(file.subarray(0, 128), writeMat([], { compress: false }));
  const parts = elements(file.subarray(128));
  assert.equal(parts.map(([t]) => t), [15, 15, 15, 15, 15]);
  const inflated = parts.map(([, z]) => unzlibSync(z));
  const joined = new Uint8Array(inflated.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of inflated) joined.set(p, o), (o += p.length);
  assert.equal(joined, scipyBody);
  assert.ok(writeMat([{ name: 'z', dims: [100, 100], data: new Float64Array(10000) }]).length < 1000, 'zeros compress');
});

test('cubeVariable and mapVariable write MATLAB rows × cols × bands order', () => {
  // Cube (b, r, c) value = 100b + 10r + c; MATLAB's column-major (r, c, b) puts r fastest.
  const cube = makeCube('t', 2, 3, 2, Float32Array.from({ length: 12 }, (_, i) => 100 * Math.floor(i / 6) + 10 * Math.floor((i % 6) / 3) + (i % 3)));
  const v = cubeVariable('data', cube);
  assert.equal(v.dims, [2, 3, 2]);
  assert.equal(Array.from(v.data), [0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112]);
  const same = cubeVariable('data', cube, 'double');
  assert.instance(same.data, Float64Array);
  // The same matrix as a row-major variable writes the same file.
  const rowMajor: MatVariable = { name: 'data', dims: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => {
    const [r, c, b] = [Math.floor(i / 6), Math.floor((i % 6) / 2), i % 2];
    return 100 * b + 10 * r + c;
  }) };
  assert.equal(writeMat([v], { compress: false }), writeMat([rowMajor], { compress: false }));
  const m = mapVariable('map', { rows: 2, cols: 2, data: Int32Array.from([1, 2, 3, 4]) }, 'uint8');
  assert.equal([m.dims, Array.from(m.data), m.data.constructor.name], [[2, 2], [1, 2, 3, 4], 'Uint8Array']);
});

test('bad variables are refused with the name and the fix', () => {
  const d = new Float64Array(6);
  throwsLike(() => writeMat([{ name: '2x', dims: [2, 3], data: d }], {}, 'o.mat'), DataError, /^o\.mat: variable name: expected a letter then .*got "2x"; rename/);
  throwsLike(() => writeMat([{ name: 'x', dims: [6], data: d }], {}, 'o.mat'), DataError, /x dims: expected 2 or more sizes whose product is 6, got \[6\]; a vector is \[n, 1\]/);
  throwsLike(() => writeMat([{ name: 'x', dims: [2, 2], data: d }], {}, 'o.mat'), DataError, /got \[2, 2\]/);
  throwsLike(() => writeMat([{ name: 'x', dims: [2, 3], data: new Int16Array(6) as unknown as Int32Array }], {}, 'o.mat'), DataError, /x: expected Float64Array, .* got Int16Array/);
  throwsLike(() => writeMat([{ name: 'x', dims: [2, 3], data: d }, { name: 'x', dims: [3, 2], data: d }], {}, 'o.mat'), DataError, /variable x: expected unique names, got it twice/);
});

test.run();
