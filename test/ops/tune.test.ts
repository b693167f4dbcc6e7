import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGpu, GpuUsageError, tensor, type Gpu, type Shape } from '../../src/index.ts';
import { timeCandidates, winner } from '../../src/gpu/tuning.ts';
import { matmul, matmulChoices, matmulKey, withMatmulChoice, type MatmulOptions } from '../../src/ops/matmul.ts';
import { centreMask, conv2d, conv2dInputGrad, conv2dWeightGrad, convGeometry, type Conv2dOptions } from '../../src/ops/conv2d.ts';
import { DIRECT_CHOICES, directKey, useDirect, withDirectChoice } from '../../src/ops/conv2d_direct.ts';
import { tuneConv2d, tuneMatmul } from '../../src/ops/tune.ts';
import { assertClose, kernelsUsed, uniform } from '../harness/gpu.ts';
import { skip } from '../harness/skip.ts';
import { matmulRef } from '../ref/matmul.ts';

const test = suite('ops/tune');

const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);

/** Every value bit for bit (NaN-safe), naming the first difference. */
function sameBits(name: string, got: ArrayLike<number>, want: ArrayLike<number>): void {
  assert.is(got.length, want.length, `${name}: length`);
  const i = Array.from(got).findIndex((v, j) => !Object.is(v, want[j]));
  assert.ok(i < 0, `${name}: element ${i} is ${got[i]}, the first choice gave ${want[i]}`);
}

let gpu: Gpu;
test.before(async () => {
  gpu = await createGpu(); // its own device: tuning entries must not leak into other suites
});
test.after(() => gpu.destroy());

test('every matmul choice computes the same bits, and they match float64', async () => {
  // Ragged shapes (scalar path), vec4 shapes with ragged tiles, transposes and a batch.
  const cases: [Shape, Shape, MatmulOptions][] = [
    [[37, 29], [29, 53], {}], [[64, 132], [132, 96], {}], [[29, 37], [53, 29], { transposeA: true, transposeB: true }], [[3, 70, 44], [44, 33], {}],
  ];
  for (const [as, bs, o] of cases) {
    const [ad, bd] = [uniform(size(as), 1), uniform(size(bs), 2)];
    const [a, b] = [tensor(gpu, ad, as), tensor(gpu, bd, bs)];
    let first: ArrayLike<number> | null = null;
    for (const c of matmulChoices(gpu)) {
      const y = withMatmulChoice(gpu, c, () => matmul(a, b, o));
      const v = await y.data();
      y.dispose();
      if (first) sameBits(`matmul ${c} [${as}]·[${bs}]`, v, first);
      else assertClose(`matmul ${c}`, v, matmulRef(ad, as, bd, bs, o.transposeA, o.transposeB).data, { atol: 1e-5, rtol: 1e-5 });
      first ??= v;
    }
    a.dispose();
    b.dispose();
  }
});

test('every direct conv2d choice computes the same bits in forward, dInput and dWeight', async () => {
  const cases: [Shape, number, number, Conv2dOptions][] = [
    [[2, 13, 11, 9], 19, 3, { padding: 1, mask: centreMask(gpu, 3) }],
    [[1, 70, 10, 12], 37, 3, { padding: 2, dilation: 2, stride: 2 }],
  ];
  for (const [xs, o, k, co] of cases) {
    const ws = [o, xs[1], k, k];
    const geo = convGeometry('test', xs, ws, null, co);
    if (!useDirect(gpu, geo)) {
      // unfold + matmul here: covered by the matmul case
      skip('adapter', `conv2d [${xs}]: no direct (subgroup) kernels on this adapter`);
      continue;
    }
    const x = tensor(gpu, uniform(size(xs), 3), xs);
    const w = tensor(gpu, uniform(size(ws), 4), ws);
    const dy = tensor(gpu, uniform(geo.n * o * geo.ho * geo.wo, 5), [geo.n, o, geo.ho, geo.wo]);
    const outs = new Map<string, ArrayLike<number>[]>();
    for (const c of DIRECT_CHOICES) {
      const ts = withDirectChoice(gpu, c, () => [conv2d(x, w, null, co), conv2dInputGrad(dy, w, xs, co), conv2dWeightGrad(x, dy, ws, co)]);
      outs.set(c, await Promise.all(ts.map((t) => t.data())));
      for (const t of ts) t.dispose();
    }
    const [ref, ...rest] = [...outs.values()];
    for (const [i, other] of rest.entries()) ['forward', 'dInput', 'dWeight'].forEach((p, j) => sameBits(`conv2d ${DIRECT_CHOICES[i + 1]} ${p} [${xs}]`, other[j], ref[j]));
    for (const t of [x, w, dy, co.mask ?? null]) t?.dispose();
  }
});

test('tuneMatmul measures each choice once per shape bucket, and matmul then uses the winner', async () => {
  const results = await tuneMatmul(gpu, [{ m: 40, n: 24, k: 36 }, { m: 33, n: 20, k: 40 }], { rounds: 2 });
  assert.is(results.length, 1, 'both shapes fall in one bucket');
  const r = results[0];
  assert.is(r.key, matmulKey(40, 24, 36));
  assert.equal(Object.keys(r.ms).sort(), matmulChoices(gpu).sort());
  assert.ok(Object.values(r.ms).every((ms) => ms > 0 && Number.isFinite(ms)));
  assert.is(gpu.tuning.get(r.key), r.choice);
  // Force a known choice through the table and watch which pipeline matmul builds.
  gpu.tuning.set(r.key, { choice: 'tiled/128', ms: {} });
  const [a, b] = [tensor(gpu, uniform(40 * 36, 1), [40, 36]), tensor(gpu, uniform(36 * 24, 2), [36, 24])];
  const specs = kernelsUsed(gpu, () => matmul(a, b).dispose());
  assert.equal(specs.map((s) => [s.entry, s.overrides]), [['matmul_forward_tiled_vec4', { WG: 128 }]]);
  a.dispose();
  b.dispose();
});

test('untuned, matmul takes 64 × 32 subgroup tiles; conv2d 32 × 32, and 64 × 32 for dWeight', () => {
  if (!matmulChoices(gpu).includes('subgroup/64x32')) return skip('adapter', 'no subgroup matmul or direct conv2d on this adapter (tiled/64 everywhere)');
  // 100 × 20 · 20 × 40: a bucket no other test tunes
  const [a, b] = [tensor(gpu, uniform(100 * 20, 1), [100, 20]), tensor(gpu, uniform(20 * 40, 2), [20, 40])];
  assert.equal(kernelsUsed(gpu, () => matmul(a, b).dispose()).map((s) => s.overrides), [{ TM: 64, TN: 32 }]);
  const co = { padding: 1 };
  const [x, w] = [tensor(gpu, uniform(40 * 30, 1), [1, 40, 6, 5]), tensor(gpu, uniform(20 * 360, 2), [20, 40, 3, 3])];
  const dy = tensor(gpu, uniform(20 * 30, 3), [1, 20, 6, 5]);
  const specs = kernelsUsed(gpu, () => {
    conv2d(x, w, null, co).dispose();
    conv2dInputGrad(dy, w, [1, 40, 6, 5], co).dispose();
    conv2dWeightGrad(x, dy, [20, 40, 3, 3], co).dispose();
  });
  const tiles = (entry: string) => specs.filter((s) => s.entry === entry).map((s) => s.overrides);
  // forward and dInput run conv2d_direct_forward, dWeight its own kernel
  assert.equal(tiles('conv2d_direct_forward'), [{ TM: 32, TN: 32 }, { TM: 32, TN: 32 }]);
  assert.equal(tiles('conv2d_direct_backward_weight'), [{ TM: 64, TN: 32 }]);
  for (const t of [a, b, x, w, dy]) t.dispose();
});

test('tuneConv2d tunes each direct pass; the conv then uses the winner', async () => {
  const shape = { input: [1, 8, 9, 7], out: 12, kernel: 3, options: { padding: 1 } };
  const results = await tuneConv2d(gpu, [shape, shape], { rounds: 1 });
  const geo = convGeometry('test', shape.input, [12, 8, 3, 3], null, shape.options);
  if (!useDirect(gpu, geo)) {
    assert.is(results.length, 0, 'nothing to tune without the direct kernels');
    return skip('adapter', 'no direct (subgroup) conv2d kernels to tune on this adapter');
  }
  assert.equal(results.map((r) => r.key), ['forward', 'dInput', 'dWeight'].map((p) => directKey(p as 'forward', geo)));
  gpu.tuning.set(directKey('forward', geo), { choice: 'direct/32x64', ms: {} });
  const [x, w] = [tensor(gpu, uniform(8 * 63, 1), shape.input), tensor(gpu, uniform(12 * 72, 2), [12, 8, 3, 3])];
  const specs = kernelsUsed(gpu, () => conv2d(x, w, null, shape.options).dispose());
  assert.equal(specs.filter((s) => s.entry === 'conv2d_direct_forward').map((s) => s.overrides), [{ TM: 32, TN: 64 }]);
  x.dispose();
  w.dispose();
});

test('a saved table loads on the same adapter and is refused elsewhere or malformed', async () => {
  gpu.tuning.set(matmulKey(512, 512, 512), { choice: 'subgroup/32x32', ms: { 'subgroup/32x32': 1, 'subgroup/64x64': 2 } });
  const table = JSON.parse(JSON.stringify(gpu.tuning.toJSON()));
  const again = await createGpu({ tuning: table });
  assert.is(again.tuning.get(matmulKey(500, 300, 257)), 'subgroup/32x32');
  assert.equal(again.tuning.toJSON(), table);
  again.destroy();
  try {
    await createGpu({ tuning: { ...table, adapter: 'some other GPU' } });
    assert.unreachable('a foreign table loaded');
  } catch (e) {
    assert.instance(e, GpuUsageError);
    assert.match((e as Error).message, /tuning: adapter: expected a table measured on '.*', got one from 'some other GPU' \(run hsi tune on this machine\)/);
  }
  try {
    await createGpu({ tuning: { format: 'nope' } as never });
    assert.unreachable('a malformed table loaded');
  } catch (e) {
    assert.match((e as Error).message, /tuning: table: expected an object with format 'hsi-gpu-tuning\/1'/);
  }
});

test('timeCandidates skips candidates that throw; winner keeps the default within the margin', async () => {
  const ran: string[] = [];
  const ms = await timeCandidates(['ok', 'bad'], (n) => { ran.push(n); if (n === 'bad') throw new Error('beyond a limit'); }, async () => {}, 3);
  assert.equal(Object.keys(ms), ['ok']);
  assert.is(ran.filter((n) => n === 'ok').length, 4, 'one warm-up and three rounds');
  assert.is(winner({ a: 1.0, b: 0.96 }, 'a'), 'a');
  assert.is(winner({ a: 1.0, b: 0.9 }, 'a'), 'b');
  assert.is(winner({ b: 0.9 }, 'a'), 'b');
});

test.run();
