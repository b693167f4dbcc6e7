import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Generator, GpuUsageError, randBits, rand, randn } from '../../src/index.ts';
import { testGpu, throwsLike } from '../harness/gpu.ts';
import { bits, parity } from '../harness/parity.ts';
import { philox, philoxStream } from '../ref/random.ts';

const test = suite('ops/random');

test('the host reference reproduces the Random123 known-answer vectors', () => {
  const hex = (w: number[]) => w.map((v) => v.toString(16).padStart(8, '0'));
  assert.equal(hex(philox([0, 0, 0, 0], [0, 0])), ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
  assert.equal(hex(philox([-1, -1, -1, -1], [-1, -1])), ['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
  assert.equal(hex(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])), ['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
});

test('GPU words equal the reference for a seed above 2³² and a partial last block', async () => {
  const gpu = await testGpu();
  const seed = 2 ** 40 + 12345;
  const gen = new Generator(seed);
  gen.next();
  const got = await randBits(gpu, [7, 147], gen).data();
  assert.equal(Array.from(got), Array.from(philoxStream(seed, 1, 7 * 147)));
});

test('uniform draws: the exact mapping of the words, bounds, and moments', async () => {
  const gpu = await testGpu();
  const n = 200003;
  const u = await rand(gpu, [n], 7, -2, 3).data();
  const w = philoxStream(7, 0, n);
  // The [0, 1) value is exact; scaling may fuse into one rounding (an ulp of the terms, 5·2⁻²³).
  for (const i of [0, 1, 2, 3, 4, 99999, n - 1]) assert.ok(Math.abs(u[i] - (-2 + 5 * (w[i] >>> 8) * 2 ** -24)) <= 5 * 2 ** -23, `element ${i}`);
  const unit = await rand(gpu, [9], 7).data();
  assert.equal(Array.from(unit), Array.from(w.slice(0, 9), (v) => (v >>> 8) * 2 ** -24));
  let mean = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of u) {
    mean += v / n;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(lo >= -2 && hi < 3, `range [${lo}, ${hi}]`);
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`); // σ of the mean ≈ 0.0032
});

test('normal draws follow Box–Muller on the words and have the asked moments', async () => {
  const gpu = await testGpu();
  const n = 100001;
  const z = await randn(gpu, [n], 11, 1.5, 2).data();
  const w = philoxStream(11, 0, 2 * n + 2);
  for (const i of [0, 1, 2, 5000, n - 1]) {
    const b = Math.floor(i / 2) * 4 + 2 * (i % 2);
    const u1 = ((w[b] >>> 8) + 1) * 2 ** -24;
    const u2 = (w[b + 1] >>> 8) * 2 ** -24;
    const ref = 1.5 + 2 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    assert.ok(Math.abs(z[i] - ref) < 2e-6 * (1 + Math.abs(ref)), `element ${i}: ${z[i]} vs ${ref}`);
  }
  let m = 0;
  let v = 0;
  for (const x of z) m += x / n;
  for (const x of z) v += (x - m) ** 2 / (n - 1);
  assert.ok(Math.abs(m - 1.5) < 0.03, `mean ${m}`); // σ of the mean ≈ 0.0063
  assert.ok(Math.abs(Math.sqrt(v) - 2) < 0.03, `std ${Math.sqrt(v)}`);
});

test('a seed gives the same numbers in Node and in the browser; a Generator moves on', async () => {
  const gpu = await testGpu();
  const u = await rand(gpu, [1001], 5).data() as Float32Array;
  const again = await rand(gpu, [1001], 5).data();
  assert.equal(Array.from(again), Array.from(u));
  const gen = new Generator(5);
  const first = await rand(gpu, [1001], gen).data();
  const second = await rand(gpu, [1001], gen).data();
  assert.equal(Array.from(first), Array.from(u), 'a generator starts at stream 0');
  assert.not.equal(Array.from(second), Array.from(first));
  const z = await randn(gpu, [1001], 5).data() as Float32Array;
  const channel = parity();
  channel.record('rand seed 5', u);
  channel.record('randn seed 5', z);
  if (channel.env === 'browser') {
    const node = channel.expected('rand seed 5');
    const nodeZ = channel.expected('randn seed 5');
    assert.ok(node && nodeZ, "Node's draws were handed to the browser run");
    assert.equal(bits(u), node, 'uniform [0, 1) draws are bit-identical');
    const zn = new Float32Array(new Uint32Array(nodeZ!).buffer);
    zn.forEach((v, i) => assert.ok(Math.abs(z[i] - v) <= 1e-6 * (1 + Math.abs(v)), `normal ${i}: browser ${z[i]} vs Node ${v}`));
  }
});

test('bad seeds and bounds are refused', async () => {
  const gpu = await testGpu();
  throwsLike(() => rand(gpu, [2], -1), GpuUsageError, /rand: seed: expected a non-negative safe integer, got -1/);
  throwsLike(() => rand(gpu, [2], 1, 2, 1), GpuUsageError, /rand: bounds: expected lo ≤ hi, got 2 > 1/);
  throwsLike(() => randn(gpu, [2], 1, 0, -1), GpuUsageError, /randn: std: expected ≥ 0, got -1/);
  throwsLike(() => new Generator(1.5), GpuUsageError, /Generator: seed/);
});

test.run();
