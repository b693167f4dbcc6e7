import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Tensor } from '../../src/index.ts';
import { adaConv, adaConvInputGrad, adaConvPlans, adaConvWeightGrad, adaSelect, convSelect, withAdaConvPlan, type AdaConvPlan } from '../../src/ops/adaconv.ts';
import { assertClose, kernelsUsed, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { skip } from '../harness/skip.ts';
import { adaConvRef, adaSelectRef, conv2dRef, gatherConvRef } from '../ref/adaconv.ts';

const test = suite('ops/adaconv');
const INVALID = 0xffffffff;

/** A guide of small integers 0 … levels−1: many ties between window positions. */
function tiedGuide(n: number, seed: number, levels: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => Math.floor(levels * r()));
}

// [C, O, H, W, n, k, guide levels (0: continuous), guidePad]
type Case = [number, number, number, number, number, number, number, number];
const CASES: Case[] = [
  [3, 5, 7, 9, 5, 3, 0, 999],
  [3, 5, 7, 9, 5, 3, 3, 999], // ties everywhere
  [2, 3, 6, 5, 3, 3, 0, 999], // n = k: all nine picked, reordered
  [2, 3, 5, 7, 5, 3, 0, -1], // padding preferred: reflected neighbours are picked
  [1, 2, 4, 4, 7, 5, 2, 999], // n = 7 on a 4 × 4 image (p = 3 = H − 1), 25 of 49
  [2, 1, 3, 8, 3, 1, 0, 999], // k = 1: the single lowest neighbour
  [2, 3, 5, 6, 5, 3, 3, 1], // padding ties in-image values 1: still by window index
  [1, 2, 9, 10, 9, 3, 0, 999], // n = 9, the paper's best San Diego setting
];

test('adaSelect matches a full sort of each window (ties by index, 999 / other border padding)', async () => {
  const gpu = await testGpu();
  for (const [, , h, w, n, k, levels, pad] of CASES) {
    const g = levels ? tiedGuide(h * w, h * w + n, levels) : uniform(h * w, h + w, 0, 1);
    const sel = adaSelect(tensor(gpu, g, [1, 1, h, w]), n, k, pad);
    assert.equal(Array.from(await sel.index.data()), Array.from(adaSelectRef(g, h, w, n, k, pad)), `adaSelect ${h}×${w} n ${n} k ${k} levels ${levels} pad ${pad}`);
    sel.dispose();
  }
});

/** Every case of CASES through `plan`: forward against float64, gradients by finite differences. */
async function planCases(plan: AdaConvPlan): Promise<void> {
  const gpu = await testGpu();
  for (const [c, o, h, w, n, k, levels, pad] of CASES) {
    const g = levels ? tiedGuide(h * w, h * w + n, levels) : uniform(h * w, h + w, 0, 1);
    await gradCheck(gpu, `adaConv ${plan} C ${c} O ${o} ${h}×${w} n ${n} k ${k} levels ${levels} pad ${pad}`, {
      inputs: [
        { shape: [1, c, h, w], data: uniform(c * h * w, 1) }, { shape: [o, c, k, k], data: uniform(o * c * k * k, 2) },
        { shape: [o], data: uniform(o, 3) }, { shape: [h, w], data: g, diff: false },
      ],
      gpuFn: (x, wt, b, gd) => {
        const sel = adaSelect(gd, n, k, pad);
        // The backward follows the forward's plan.
        const y = withAdaConvPlan(gpu, plan, () => adaConv(x, wt, b, sel));
        sel.dispose();
        return y;
      },
      refFn: (x, wt, b, gd) => adaConvRef(x, c, h, w, wt, o, b, gd, n, k, pad),
    });
  }
}

test('adaConv matches gather-then-multiply in float64 and differentiates w.r.t. x, weight, bias (gather plan)', async () => {
  await planCases('gather');
});

test('adaConv matches gather-then-multiply in float64 and differentiates w.r.t. x, weight, bias (direct plan)', async () => {
  const gpu = await testGpu();
  if (!adaConvPlans(gpu).includes('direct')) return skip('adapter', 'the direct adaConv kernels need the subgroups feature with ≥ 8 lanes');
  await planCases('direct');
});

/** Float64 dX and dW of L = Σ dy · adaConv(x) for selection `sel` [k², H·W] (−1 or 0xffffffff: a zero tap). */
function gradsRef(x: Float32Array, c: number, hw: number, wt: Float32Array, o: number, kk: number, dy: Float32Array, sel: ArrayLike<number>) {
  const dx = new Float64Array(c * hw);
  const dw = new Float64Array(o * c * kk);
  for (let p = 0; p < hw; p++) {
    for (let r = 0; r < kk; r++) {
      const q = sel[r * hw + p];
      if (q < 0 || q === INVALID) continue;
      for (let ci = 0; ci < c; ci++) {
        for (let oi = 0; oi < o; oi++) {
          dx[ci * hw + q] += wt[(oi * c + ci) * kk + r] * dy[oi * hw + p];
          dw[(oi * c + ci) * kk + r] += dy[oi * hw + p] * x[ci * hw + q];
        }
      }
    }
  }
  return { dx, dw };
}

// Off every tile: channels past 32 (two column tiles, a 64-row dWeight tile, two scatter blocks),
// odd sizes, ties, the plain zero-padded selection (zero taps), n = 7 (two reader words).
test('every plan: forward, adaConvInputGrad and adaConvWeightGrad against float64 off the tiles; plans agree', async () => {
  const gpu = await testGpu();
  const plans = adaConvPlans(gpu);
  const shapes: [number, number, number, number, number, number, string][] = [
    [37, 35, 13, 11, 5, 3, 'tied'], [33, 66, 9, 7, 5, 3, 'continuous'], [5, 3, 12, 9, 3, 3, 'plain'], [6, 40, 10, 9, 7, 3, 'tied'], [4, 9, 8, 8, 9, 5, 'continuous'],
  ];
  for (const [c, o, h, w, n, k, kind] of shapes) {
    const hw = h * w;
    const g = kind === 'tied' ? tiedGuide(hw, c + o, 3) : uniform(hw, c * o, 0, 1);
    const sel = kind === 'plain' ? convSelect(gpu, h, w, k) : adaSelect(tensor(gpu, g, [h, w]), n, k);
    const selHost = Array.from(await sel.index.data());
    const [xd, wd, bd, dyd] = [uniform(c * hw, 41), uniform(o * c * k * k, 42), uniform(o, 43), uniform(o * hw, 44)];
    const ref = gradsRef(xd, c, hw, wd, o, k * k, dyd, selHost);
    const refY = gatherConvRef(xd, c, hw, wd, o, k * k, bd, selHost.map((v) => (v === INVALID ? -1 : v)));
    const [x, wt, b, dy] = [tensor(gpu, xd, [1, c, h, w]), tensor(gpu, wd, [o, c, k, k]), tensor(gpu, bd, [o]), tensor(gpu, dyd, [1, o, h, w])];
    const got: Record<string, number[][]> = {};
    for (const plan of plans) {
      const label = `${plan} C ${c} O ${o} ${h}×${w} n ${n} k ${k} ${kind}`;
      let y = null as unknown as Tensor;
      let gx = null as unknown as Tensor;
      let gw = null as unknown as Tensor;
      const files = new Set(kernelsUsed(gpu, () => withAdaConvPlan(gpu, plan, () => {
        y = adaConv(x, wt, b, sel);
        gx = adaConvInputGrad(dy, wt, sel);
        gw = adaConvWeightGrad(x, dy, sel);
      })).map((s) => s.file));
      assert.is(files.has('adaconv_direct.wgsl'), plan === 'direct', `${label}: the direct kernels ran only under the direct plan (${[...files]})`);
      assert.equal(y.shape, [1, o, h, w]);
      assert.equal(gx.shape, [1, c, h, w]);
      assert.equal(gw.shape, [o, c, k, k]);
      const tol = { atol: 1e-5, rtol: 1e-4 };
      assertClose(`${label} forward`, await y.data(), refY, tol);
      assertClose(`${label} dx`, await gx.data(), ref.dx, tol);
      assertClose(`${label} dw`, await gw.data(), ref.dw, tol);
      got[plan] = [Array.from(await gx.data()), Array.from(await gw.data())];
      for (const t of [y, gx, gw]) t.dispose();
    }
    for (const t of [x, wt, b, dy]) t.dispose();
    sel.dispose();
  }
});

test('n = k with every guide value tied is the reflect-padded conv; without bias too', async () => {
  const gpu = await testGpu();
  const [c, o, h, w] = [3, 4, 6, 7];
  const guide = tensor(gpu, new Float32Array(h * w), [h, w]);
  const sel = adaSelect(guide, 3, 3, 0);
  const xd = uniform(c * h * w, 4);
  const wd = uniform(o * c * 9, 5);
  const y = adaConv(tensor(gpu, xd, [c, h, w]), tensor(gpu, wd, [o, c, 3, 3]), null, sel);
  assert.equal(y.shape, [o, h, w]);
  assertClose('adaConv tied = reflect conv', await y.data(), conv2dRef(xd, c, h, w, wd, o, 3, null, 'reflect'), { atol: 1e-5, rtol: 1e-5 });
  for (const t of [guide, y]) t.dispose();
  sel.dispose();
});

test('no gradient reaches the guide; without bias x and weight still differentiate', async () => {
  const gpu = await testGpu();
  const [c, o, h, w] = [2, 3, 6, 5];
  const g = uniform(h * w, 81, 0, 1);
  await gradCheck(gpu, 'adaConv without bias', {
    inputs: [{ shape: [c, h, w], data: uniform(c * h * w, 82) }, { shape: [o, c, 3, 3], data: uniform(o * c * 9, 83) }],
    gpuFn: (x, wt) => {
      const gt = tensor(gpu, g, [h, w]);
      const sel = adaSelect(gt, 5, 3);
      const y = adaConv(x, wt, null, sel);
      gt.dispose();
      sel.dispose();
      return y;
    },
    refFn: (x, wt) => adaConvRef(x, c, h, w, wt, o, null, g, 5, 3),
  });
  const guide = tensor(gpu, g, [1, 1, h, w]);
  guide.requiresGrad = true;
  const x = tensor(gpu, uniform(c * h * w, 84), [1, c, h, w]);
  x.requiresGrad = true;
  const sel = adaSelect(guide, 5, 3);
  const y = adaConv(x, tensor(gpu, uniform(o * c * 9, 85), [o, c, 3, 3]), null, sel);
  const s = ops.sum(y);
  ops.backward(s);
  assert.ok(x.grad !== null, 'x gets a gradient');
  assert.is(guide.grad, null, 'the guide gets none');
  for (const t of [guide, x, y, s]) t.dispose();
  sel.dispose();
});

test('convSelect (no guide) is the zero-padded conv, with gradients; k = 1 and k > H', async () => {
  const gpu = await testGpu();
  for (const [c, o, h, w, k] of [[3, 5, 7, 9, 3], [4, 3, 5, 6, 1], [2, 2, 3, 4, 5]]) {
    await gradCheck(gpu, `convSelect conv C ${c} O ${o} ${h}×${w} k ${k}`, {
      inputs: [{ shape: [c, h, w], data: uniform(c * h * w, 6) }, { shape: [o, c, k, k], data: uniform(o * c * k * k, 7) }, { shape: [o], data: uniform(o, 8) }],
      gpuFn: (x, wt, b) => {
        const sel = convSelect(gpu, h, w, k);
        const y = adaConv(x, wt, b, sel);
        sel.dispose();
        return y;
      },
      refFn: (x, wt, b) => conv2dRef(x, c, h, w, wt, o, k, b, 'zeros'),
    });
  }
  const sel = convSelect(gpu, 2, 3, 3);
  const idx = Array.from(await sel.index.data());
  assert.equal(idx.slice(0, 6), [INVALID, INVALID, INVALID, INVALID, 0, 1]); // slot (0, 0): up-left neighbour
  sel.dispose();
});

test('large: 600 × 800 pixels (gather over 65,535 workgroups), C = 1 → 2, n = k = 3', async () => {
  const gpu = await testGpu();
  const [h, w, o] = [600, 800, 2];
  const g = uniform(h * w, 21, 0, 1);
  const xd = uniform(h * w, 22);
  const wd = uniform(o * 9, 23);
  const sel = adaSelect(tensor(gpu, g, [h, w]), 3, 3);
  const refSel = adaSelectRef(g, h, w, 3, 3);
  assert.equal(Array.from(await sel.index.data()), Array.from(refSel));
  const y = adaConv(tensor(gpu, xd, [1, 1, h, w]), tensor(gpu, wd, [o, 1, 3, 3]), tensor(gpu, [0.5, -0.25]), sel);
  assertClose('adaConv 600×800', await y.data(), gatherConvRef(xd, 1, h * w, wd, o, 9, [0.5, -0.25], refSel), { atol: 1e-5, rtol: 1e-5 });
  sel.dispose();
  y.dispose();
});

test('backward is deterministic: the same bits run after run (every plan)', async () => {
  const gpu = await testGpu();
  const [c, o, h, w] = [5, 6, 11, 13];
  const guide = tensor(gpu, tiedGuide(h * w, 31, 4), [h, w]);
  const sel = adaSelect(guide, 5, 3);
  for (const plan of adaConvPlans(gpu)) {
    const grads: number[][] = [];
    for (let run = 0; run < 3; run++) {
      const x = tensor(gpu, uniform(c * h * w, 32), [1, c, h, w]);
      x.requiresGrad = true;
      const wt = tensor(gpu, uniform(o * c * 9, 33), [o, c, 3, 3]);
      wt.requiresGrad = true;
      const y = withAdaConvPlan(gpu, plan, () => adaConv(x, wt, null, sel));
      ops.backward(y, tensor(gpu, uniform(o * h * w, 34), y.shape));
      grads.push([...await x.grad!.data(), ...await wt.grad!.data()]);
    }
    assert.equal(grads[1], grads[0], `${plan}: run 2`);
    assert.equal(grads[2], grads[0], `${plan}: run 3`);
  }
  sel.dispose();
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const g = tensor(gpu, uniform(30, 1, 0, 1), [5, 6]);
  const x = tensor(gpu, uniform(60, 2), [2, 5, 6]);
  const wt = tensor(gpu, uniform(36, 3), [2, 2, 3, 3]);
  throwsLike(() => adaSelect(g, 3, 5), GpuUsageError, /adaSelect: kernel size k: expected k ≤ window size n = 3, got 5/);
  throwsLike(() => adaSelect(g, 4, 3), GpuUsageError, /adaSelect: window size n: expected an odd positive integer, got 4/);
  throwsLike(() => adaSelect(g, 5, 2), GpuUsageError, /adaSelect: kernel size k: expected an odd positive integer, got 2/);
  throwsLike(() => adaSelect(g, 11, 3), GpuUsageError, /adaSelect: guide shape: expected H and W ≥ 6 for reflect padding by 5, got \[5, 6\]/);
  throwsLike(() => adaSelect(tensor(gpu, uniform(60, 1), [2, 5, 6]), 3, 3), GpuUsageError, /adaSelect: guide shape: expected \[H, W\] or \[1, 1, H, W\], got \[2, 5, 6\]/);
  throwsLike(() => adaSelect(g, 3, 3, NaN), GpuUsageError, /adaSelect: guidePad: expected a finite number, got NaN/);
  throwsLike(() => convSelect(gpu, 5, 6, 4), GpuUsageError, /convSelect: kernel size k: expected an odd positive integer, got 4/);
  throwsLike(() => withAdaConvPlan(gpu, 'im2col' as AdaConvPlan, () => 0), GpuUsageError, /adaConv: plan: expected 'direct' or 'gather', got im2col/);
  const sel = adaSelect(g, 5, 3);
  throwsLike(() => adaConvInputGrad(tensor(gpu, uniform(70, 2), [2, 5, 7]), wt, sel), GpuUsageError, /adaConvInputGrad: dy shape: expected \[1, O, 5, 6\] or \[O, 5, 6\]/);
  throwsLike(() => adaConvWeightGrad(x, tensor(gpu, uniform(60, 2), [1, 2, 6, 5]), sel), GpuUsageError, /adaConvWeightGrad: dy shape: expected \[1, O, 5, 6\]/);
  throwsLike(() => adaConv(tensor(gpu, uniform(70, 2), [2, 5, 7]), wt, null, sel), GpuUsageError, /adaConv: x shape: expected \[1, C, 5, 6\] or \[C, 5, 6\] \(the selection's image\), got \[2, 5, 7\]/);
  throwsLike(() => adaConv(x, tensor(gpu, uniform(24, 3), [2, 3, 2, 2]), null, sel), GpuUsageError, /adaConv: weight shape: expected \[O, 2, 3, 3\], got \[2, 3, 2, 2\]/);
  throwsLike(() => adaConv(x, wt, tensor(gpu, [1, 2, 3]), sel), GpuUsageError, /adaConv: bias shape: expected \[2\], got \[3\]/);
  throwsLike(() => adaConv(x, wt, null, g as unknown as ReturnType<typeof adaSelect>), GpuUsageError, /adaConv: selection: expected an AdaSelection/);
  throwsLike(() => adaConv(tensor(gpu, new Int32Array(60), [2, 5, 6], 'i32'), wt, null, sel), GpuUsageError, /adaConv: input 0 dtype: expected f32, got i32/);
  sel.dispose();
  throwsLike(() => adaConv(x, wt, null, sel), GpuUsageError, /adaConv: tensor #\d+ \[9, 5, 6\]: expected a live tensor/);
});

test('no leaks: selection, forward and backward (guided and plain) return every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const make = (data: Float32Array, shape: number[]): Tensor => {
    const t = tensor(gpu, data, shape);
    t.requiresGrad = true;
    return t;
  };
  const x = make(uniform(3 * 7 * 9, 1), [1, 3, 7, 9]);
  const wt = make(uniform(5 * 27, 2), [5, 3, 3, 3]);
  const b = make(uniform(5, 3), [5]);
  const guide = tensor(gpu, uniform(63, 4, 0, 1), [7, 9]);
  for (const sel of [adaSelect(guide, 5, 3), convSelect(gpu, 7, 9, 3)]) {
    const y = adaConv(x, wt, b, sel);
    sel.dispose();
    const s = ops.sum(y);
    ops.backward(s);
    y.dispose();
    s.dispose();
  }
  for (const t of [x, wt, b, guide]) t.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
