import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DataError, makeCube } from '../../src/data/cube.ts';
import { extractPatches, labelledCentres, reflectPad } from '../../src/data/patch.ts';
import { withWasm } from '../../src/data/wasm.ts';
import { rejects, uniform } from '../harness/gpu.ts';
import { extractPatchesRef, reflectPadRef } from '../ref/patch.ts';

const test = suite('data/patch');

const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i);

test('reflectPad equals numpy.pad(mode="reflect") on a small cube', async () => {
  // np.pad(np.arange(12).reshape(1, 3, 4), ((0, 0), (2, 2), (2, 2)), 'reflect').ravel()
  const numpy = [10, 9, 8, 9, 10, 11, 10, 9, 6, 5, 4, 5, 6, 7, 6, 5, 2, 1, 0, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 7, 6, 5,
    10, 9, 8, 9, 10, 11, 10, 9, 6, 5, 4, 5, 6, 7, 6, 5, 2, 1, 0, 1, 2, 3, 2, 1];
  const out = await reflectPad(makeCube('ramp', 3, 4, 1, ramp(12)), 2);
  assert.is(out.rows, 7);
  assert.is(out.cols, 8);
  assert.equal(Array.from(out.data), numpy);
});

test('reflectPad (wasm) equals its twin on seeded cubes, pad 0 included', async () => {
  for (const [rows, cols, bands, pad] of [[37, 23, 5, 9], [10, 10, 3, 9], [4, 9, 2, 0], [2, 2, 1, 1]]) {
    const data = uniform(rows * cols * bands, rows + pad);
    const out = await reflectPad(makeCube('seeded', rows, cols, bands, data), pad);
    assert.equal(out.data, reflectPadRef(data, bands, rows, cols, pad), `${bands}×${rows}×${cols} pad ${pad}`);
  }
});

test('extractPatches equals numpy slicing of the reflect-padded cube', async () => {
  // Centres 0, 7, 19 of np.arange(40).reshape(2, 4, 5) padded by 2: pad[:, r:r+5, c:c+5].
  const numpy = [12, 11, 10, 11, 12, 7, 6, 5, 6, 7, 2, 1, 0, 1, 2, 7, 6, 5, 6, 7, 12, 11, 10, 11, 12, 32, 31, 30, 31, 32,
    27, 26, 25, 26, 27, 22, 21, 20, 21, 22, 27, 26, 25, 26, 27, 32, 31, 30, 31, 32, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8,
    9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 25, 26, 27, 28, 29, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
    34, 35, 36, 37, 38, 39, 7, 8, 9, 8, 7, 12, 13, 14, 13, 12, 17, 18, 19, 18, 17, 12, 13, 14, 13, 12, 7, 8, 9, 8, 7, 27,
    28, 29, 28, 27, 32, 33, 34, 33, 32, 37, 38, 39, 38, 37, 32, 33, 34, 33, 32, 27, 28, 29, 28, 27];
  const p = await extractPatches(makeCube('ramp', 4, 5, 2, ramp(40)), 5, [0, 7, 19]);
  assert.equal([p.count, p.bands, p.size], [3, 2, 5]);
  assert.equal(Array.from(p.data), numpy);
  assert.equal(Array.from(p.centres!), [0, 7, 19]);
});

test('extractPatches (wasm) equals its twin: every pixel, and given centres', async () => {
  const [rows, cols, bands] = [23, 17, 6];
  const data = uniform(rows * cols * bands, 5);
  const cube = makeCube('seeded', rows, cols, bands, data);
  for (const size of [1, 3, 19]) {
    const all = await extractPatches(cube, size);
    assert.is(all.count, rows * cols);
    const centres = Array.from({ length: rows * cols }, (_, i) => i);
    assert.equal(all.data, extractPatchesRef(data, bands, rows, cols, size, centres), `size ${size}, every pixel`);
    // Each patch's centre is its own pixel.
    const half = (size - 1) / 2;
    const at = (n: number, b: number) => all.data[((n * bands + b) * size + half) * size + half];
    for (const n of [0, 100, rows * cols - 1]) for (let b = 0; b < bands; b++) assert.is(at(n, b), data[b * rows * cols + n]);
  }
  const some = [390, 0, 16, 5, 5, 200];
  const p = await extractPatches(cube, 11, some);
  assert.equal(p.data, extractPatchesRef(data, bands, rows, cols, 11, some));
});

test('labelledCentres lists the non-zero labels in row-major order', () => {
  const labels = { rows: 2, cols: 3, data: Int32Array.from([0, 3, 0, 1, 0, 2]) };
  assert.equal(Array.from(labelledCentres(labels)), [1, 3, 5]);
});

test('reflectPad and extractPatches refuse bad arguments clearly', async () => {
  const cube = makeCube('small', 4, 6, 2, ramp(48));
  await rejects(reflectPad(cube, 4), DataError, /reflectPad: pad: expected an integer 0 ≤ pad < min\(rows, cols\) = 4, got 4/);
  await rejects(reflectPad(cube, -1), DataError, /pad: expected an integer .* got -1/);
  await rejects(reflectPad(cube, 1.5), DataError, /got 1.5/);
  await rejects(extractPatches(cube, 4), DataError, /extractPatches: size: expected an odd integer with size\/2 < min\(rows, cols\) = 4, got 4/);
  await rejects(extractPatches(cube, 9), DataError, /size\/2 < min\(rows, cols\) = 4, got 9/);
  await rejects(extractPatches(cube, 3, [0, 24]), DataError, /centres\[1\]: expected an integer pixel index in \[0, 24\), got 24/);
  await rejects(extractPatches(cube, 3, [2.5]), DataError, /centres\[0\]: .* got 2.5/);
  const broken = { rows: 4, cols: 6, bands: 2, data: new Float32Array(47) };
  await rejects(reflectPad(broken, 1), DataError, /cube: expected 4×6×2 = 48 values, got 47/);
  // 100×100×189 with 19×19 patches at every pixel is 2.7 GB: refused before any allocation.
  const big = makeCube('scene', 100, 100, 189, new Float32Array(100 * 100 * 189));
  await rejects(extractPatches(big, 19), DataError, /output: expected at most 268435456 values, got 682290000; pass the centres in batches/);
});

test('the wasm module checks its own arguments too', async () => {
  await rejects(withWasm((w) => w.extractPatches(new Float32Array(12), 1, 3, 4, 3, Int32Array.from([12]))), Error,
    /^extractPatches: centres\[0\]: expected a pixel index in \[0, 12\), got 12$/);
  await rejects(withWasm((w) => w.reflectPad(new Float32Array(11), 1, 3, 4, 1)), Error, /^reflectPad: data length: expected 1×3×4, got 11$/);
});

test.run();
