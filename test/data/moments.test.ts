import { suite } from 'uvu';
import { bandMoments } from '../../src/index.ts';
import { assertClose, rejects, uniform } from '../harness/gpu.ts';
import { bandMomentsRef } from '../ref/moments.ts';

const test = suite('data/moments');

test('bandMoments (wasm) matches the float64 twin, offsets and all', async () => {
  for (const [pixels, bands] of [[1, 1], [1001, 7], [4099, 33]]) {
    const cube = uniform(pixels * bands, pixels, 0, 1);
    // A large offset tests that the variance keeps its precision (two-pass, f64).
    for (let i = 0; i < cube.length; i++) cube[i] += 1000 * ((i % bands) + 1);
    const got = await bandMoments(cube, bands);
    const want = bandMomentsRef(cube, bands);
    assertClose(`bandMoments mean ${pixels}x${bands}`, got.mean, want.mean, { atol: 1e-9, rtol: 1e-12 });
    assertClose(`bandMoments variance ${pixels}x${bands}`, got.variance, want.variance, { atol: 1e-9, rtol: 1e-9 });
  }
});

test('bandMoments refuses bad input with a message naming the problem', async () => {
  await rejects(bandMoments(new Float32Array(10), 3), Error, /bandMoments: cube length: expected a positive multiple of 3 bands, got 10/);
  await rejects(bandMoments(new Float32Array(6), 0), Error, /bands: expected a positive integer, got 0/);
  const bad = new Float32Array(12);
  bad[7] = NaN;
  await rejects(bandMoments(bad, 4), Error, /value at pixel 1, band 3: expected a finite number, got NaN/);
  // The module recovers after a trap.
  const ok = await bandMoments(new Float32Array([1, 2, 3, 4]), 2);
  assertClose('bandMoments after a trap', ok.mean, [2, 3], { atol: 0, rtol: 0 });
});

test.run();
