import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, scope, sum, tensor, type Gpu, type Shape } from '../../src/index.ts';
import { matmul, matmulVariant, matmulWith, subgroupMatmulFits, type MatmulOptions, type MatmulVariant } from '../../src/ops/matmul.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { matmulRef } from '../ref/matmul.ts';

const test = suite('ops/matmul');

// f32 sums of ≤ 130 products of values in [−1, 1]: rounding stays far below this.
const TOL = { atol: 1e-5, rtol: 1e-5 };
const TRANSPOSES: MatmulOptions[] = [{}, { transposeA: true }, { transposeB: true }, { transposeA: true, transposeB: true }];

const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const fmt = (o: MatmulOptions): string => `${o.transposeA ? 'Aᵀ' : 'A'}·${o.transposeB ? 'Bᵀ' : 'B'}`;

function variants(gpu: Gpu): MatmulVariant[] {
  return subgroupMatmulFits(gpu) ? ['subgroup', 'tiled'] : ['tiled'];
}

/** Stored shapes for logical [..., M, K] × [..., K, N] under the transpose options. */
function stored(aBatch: number[], bBatch: number[], m: number, k: number, n: number, o: MatmulOptions): [number[], number[]] {
  return [[...aBatch, ...(o.transposeA ? [k, m] : [m, k])], [...bBatch, ...(o.transposeB ? [n, k] : [k, n])]];
}

async function checkForward(gpu: Gpu, v: MatmulVariant, aShape: number[], bShape: number[], o: MatmulOptions, seed: number): Promise<void> {
  const aData = uniform(size(aShape), seed);
  const bData = uniform(size(bShape), seed + 1);
  const a = tensor(gpu, aData, aShape);
  const b = tensor(gpu, bData, bShape);
  const y = matmulWith(v, a, b, o);
  const ref = matmulRef(aData, aShape, bData, bShape, o.transposeA, o.transposeB);
  const name = `matmul ${v} [${aShape}]·[${bShape}] ${fmt(o)}`;
  assert.equal(y.shape, ref.shape, `${name}: shape`);
  assertClose(name, await y.data(), ref.data, TOL);
  for (const t of [a, b, y]) t.dispose();
}

// [M, K, N]: not multiples of any tile, vector-like, K = 1, vec4-aligned with ragged edges, exact tiles.
const SIZES: [number, number, number][] = [
  [37, 29, 53], [1, 1, 1], [1, 37, 1], [1, 64, 40], [50, 64, 1], [33, 1, 45], [70, 36, 68], [64, 32, 96], [129, 8, 33],
];

test('2-D products match float64 for edge sizes, both kernels, all four transposes', async () => {
  const gpu = await testGpu();
  let seed = 1;
  for (const v of variants(gpu)) {
    for (const [m, k, n] of SIZES) {
      for (const o of TRANSPOSES) {
        const [as, bs] = stored([], [], m, k, n, o);
        await checkForward(gpu, v, as, bs, o, seed++);
      }
    }
  }
});

// Batch shapes of A and B: shared B (folded into rows), shared A, size-1 on either side, rank mismatch.
const BATCHES: [number[], number[]][] = [
  [[3], []], [[], [3]], [[2, 1], [1, 3]], [[2, 3], [3]], [[1], [4]], [[4, 1], [4]], [[5], [5]], [[2, 1, 2], [3, 1]],
];

test('batch dimensions broadcast every way, with transposes', async () => {
  const gpu = await testGpu();
  let seed = 500;
  for (const v of variants(gpu)) {
    for (const [ab, bb] of BATCHES) {
      for (const [[m, k, n], o] of [[[9, 13, 7], {}], [[8, 12, 16], {}], [[9, 13, 7], { transposeA: true }], [[8, 12, 16], { transposeA: true, transposeB: true }]] as const) {
        const [as, bs] = stored(ab, bb, m, k, n, o);
        await checkForward(gpu, v, as, bs, o, seed++);
      }
    }
  }
});

type GradCase = [aShape: number[], bShape: number[], o: MatmulOptions];
const GRADS: GradCase[] = [
  ...TRANSPOSES.map((o): GradCase => [...stored([], [], 5, 7, 6, o), o]),
  [[2, 1, 3, 4], [1, 3, 4, 5], {}],
  [[2, 1, 4, 3], [1, 3, 5, 4], { transposeA: true, transposeB: true }],
  [[2, 3, 4], [4, 5], {}],
  [[2, 3, 4], [5, 4], { transposeB: true }],
  [[2, 4, 3], [4, 5], { transposeA: true }],
  [[3, 4], [2, 4, 5], {}],
  [[4, 3], [2, 5, 4], { transposeA: true, transposeB: true }],
  [[2, 4, 8], [8, 4], {}],
  [[2, 8, 4], [2, 4, 8], { transposeA: true, transposeB: true }],
];

test('gradients for a and b match central differences, with broadcast batches and transposes', async () => {
  const gpu = await testGpu();
  let seed = 900;
  for (const v of variants(gpu)) {
    for (const [as, bs, o] of GRADS) {
      await gradCheck(gpu, `matmul ${v} [${as}]·[${bs}] ${fmt(o)}`, {
        inputs: [{ shape: as, data: uniform(size(as), seed++) }, { shape: bs, data: uniform(size(bs), seed++) }],
        gpuFn: (a, b) => matmulWith(v, a, b, o),
        refFn: (a, b) => matmulRef(a, as, b, bs, o.transposeA, o.transposeB).data,
        shape: matmulRef(new Float64Array(size(as)), as, new Float64Array(size(bs)), bs, o.transposeA, o.transposeB).shape,
      });
    }
  }
});

test('grids beyond 65,535 workgroups fold: a subgroup workgroup and a tiled invocation per matrix', async () => {
  const gpu = await testGpu();
  // 70,000 one-tile products (subgroup: one workgroup each); 4,200,000 one-element products
  // (tiled: 64 per workgroup, so 65,625 workgroups).
  const cases: [MatmulVariant, number, number, number, number][] = [['subgroup', 70000, 2, 3, 2], ['tiled', 4_200_000, 1, 1, 1]];
  for (const [v, batch, m, k, n] of cases) {
    if (!variants(gpu).includes(v)) continue;
    const aData = uniform(batch * m * k, 31);
    const bData = uniform(batch * k * n, 32);
    const a = tensor(gpu, aData, [batch, m, k]);
    const b = tensor(gpu, bData, [batch, k, n]);
    const y = matmulWith(v, a, b);
    assertClose(`matmul ${v} batch ${batch}`, await y.data(), matmulRef(aData, a.shape, bData, b.shape).data, TOL);
    for (const t of [a, b, y]) t.dispose();
  }
});

test('K = 0 gives zeros; empty M, N or batch give empty results', async () => {
  const gpu = await testGpu();
  for (const v of variants(gpu)) {
    await scope(async () => {
      const y = matmulWith(v, tensor(gpu, [], [3, 0]), tensor(gpu, [], [0, 5]));
      assert.equal(y.shape, [3, 5]);
      assert.equal(Array.from(await y.data()), new Array(15).fill(0));
      assert.equal(matmulWith(v, tensor(gpu, [], [0, 3]), tensor(gpu, uniform(12, 1), [3, 4])).shape, [0, 4]);
      assert.equal(matmulWith(v, tensor(gpu, [], [0, 2, 3]), tensor(gpu, uniform(12, 1), [3, 4])).shape, [0, 2, 4]);
    });
  }
});

test('matmul picks the subgroup kernel exactly when it fits, and frees what backward used', async () => {
  const gpu = await testGpu();
  assert.is(matmulVariant(gpu), subgroupMatmulFits(gpu) ? 'subgroup' : 'tiled');
  const before = gpu.stats().liveBytes;
  const a = tensor(gpu, uniform(2 * 5 * 6, 3), [2, 5, 6]);
  const b = tensor(gpu, uniform(6 * 7, 4), [6, 7]);
  a.requiresGrad = true;
  b.requiresGrad = true;
  const y = matmul(a, b, {});
  const loss = sum(y);
  backward(loss);
  assertClose('matmul default', await y.data(), matmulRef(await a.data(), a.shape, await b.data(), b.shape).data, TOL);
  for (const t of [a, b, y, loss]) t.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const a = tensor(gpu, uniform(6, 1), [2, 3]);
  const b = tensor(gpu, uniform(8, 2), [4, 2]);
  throwsLike(() => matmul(a, b), GpuUsageError, /^matmul: shapes: expected inner dimensions to match, got \[2, 3\] and \[4, 2\]$/);
  throwsLike(() => matmul(a, b, { transposeB: true }), GpuUsageError, /matmul: shapes: expected inner dimensions to match, got \[2, 3\] and \[4, 2\] \(transposeA false, transposeB true\)/);
  throwsLike(() => matmul(tensor(gpu, [1, 2, 3]), a), GpuUsageError, /matmul: a: expected rank ≥ 2 \(\[\.\.\., M, K\]; reshape vectors to a row or column\), got \[3\]/);
  throwsLike(() => matmul(a, tensor(gpu, [1, 2, 3])), GpuUsageError, /matmul: b: expected rank ≥ 2 \(\[\.\.\., K, N\]/);
  const a3 = tensor(gpu, uniform(12, 3), [2, 2, 3]);
  const b3 = tensor(gpu, uniform(27, 4), [3, 3, 3]);
  throwsLike(() => matmul(a3, b3), GpuUsageError, /matmul: batch dimensions: expected broadcastable shapes, got \[2, 2, 3\] and \[3, 3, 3\]/);
  throwsLike(() => matmul(a, tensor(gpu, new Int32Array(6), [3, 2])), GpuUsageError, /matmul: input 1 dtype: expected f32, got i32/);
  throwsLike(() => matmul(a, a, { transposeA: 1 as unknown as boolean }), GpuUsageError, /matmul: transposeA: expected a boolean, got 1/);
  throwsLike(() => matmulWith('fast' as MatmulVariant, a, a), GpuUsageError, /matmul: variant: expected 'subgroup' or 'tiled', got fast/);
  if (!subgroupMatmulFits(gpu)) throwsLike(() => matmulWith('subgroup', a, a), GpuUsageError, /matmul: variant: expected 'tiled' on this device/);
  for (const t of [a, b, a3, b3]) t.dispose();
  throwsLike(() => matmul(a, b), GpuUsageError, /matmul: tensor #\d+ \[2, 3\]: expected a live tensor, got one already disposed/);
});

test.run();
