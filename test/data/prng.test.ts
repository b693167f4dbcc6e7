import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withWasm } from '../../src/data/wasm.ts';
import { rejects } from '../harness/gpu.ts';
import { Rng, prngWordsRef } from '../ref/prng.ts';

const test = suite('data/prng');

test('the twin reproduces the published xoshiro128** and SplitMix64 outputs', () => {
  // xoshiro128** from state {1, 2, 3, 4}: the first output is rotl(2·5, 7)·9 = 11520.
  const x = Rng.fromState([1, 2, 3, 4]);
  assert.equal(Array.from({ length: 6 }, () => x.next()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  // Seeded streams, computed independently with Python integers (SplitMix64 → xoshiro128**).
  const cases: [number, number, number[]][] = [
    [0, 0, [3737715805, 2584255861, 2876756834, 3286328325, 1553311962]],
    [1, 0, [1695105466, 1423115009, 634581793, 1068227753, 716759206]],
    [42, 7, [4216522261, 4222623280, 1748825451, 1551911892, 2868552880]],
    [4294967295, 2147483647, [544013370, 1183312684, 2872889145, 3470258926, 2601316492]],
  ];
  for (const [seed, stream, words] of cases) assert.equal(Array.from(prngWordsRef(seed, stream, 5)), words, `seed ${seed} stream ${stream}`);
});

test('prngWords (wasm) equals the twin bitwise', async () => {
  for (const [seed, stream] of [[0, 0], [1, 0], [42, 7], [4294967295, 2147483647], [123456789, 99]]) {
    const got = await withWasm((w) => w.prngWords(seed, stream, 10007));
    const want = prngWordsRef(seed, stream, 10007);
    const bad = got.findIndex((v, i) => v !== want[i]);
    assert.is(bad, -1, `seed ${seed} stream ${stream}: first difference at ${bad}`);
  }
});

test('uniform and below are unbiased enough to trust (χ² on 60,000 draws)', () => {
  const rng = new Rng(7, 3);
  for (const n of [3, 24, 361]) {
    const counts = new Array<number>(n).fill(0);
    const draws = 60000;
    for (let i = 0; i < draws; i++) counts[rng.below(n)]++;
    const e = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    // χ² with n−1 degrees of freedom: mean n−1, sd √(2(n−1)); 6 sd is a loose but real bound.
    assert.ok(chi2 < n - 1 + 6 * Math.sqrt(2 * (n - 1)), `below(${n}): χ² ${chi2.toFixed(1)}`);
  }
  let sum = 0;
  for (let i = 0; i < 60000; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    sum += u;
  }
  assert.ok(Math.abs(sum / 60000 - 0.5) < 0.01, `uniform mean ${sum / 60000}`);
});

test('prngWords refuses a negative count', async () => {
  await rejects(withWasm((w) => w.prngWords(1, 1, -1)), Error, /prngWords: n: expected a count ≥ 0, got -1/);
});

test.run();
