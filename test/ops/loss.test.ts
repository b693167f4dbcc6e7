import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, tensor, type Shape, type Tensor } from '../../src/index.ts';
import { checkTargets, crossEntropy, l1Loss, mseLoss, type CrossEntropyOptions, type Reduction } from '../../src/ops/loss.ts';
import { assertClose, rejects, rng, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { crossEntropyRef, l1Ref, mseRef } from '../ref/loss.ts';

const test = suite('ops/loss');
const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];
const size = (s: Shape): number => s.reduce((a, b) => a * b, 1);

/** Class indices in [0, c), with `ignore` written at every `every`-th entry when given. */
function classes(n: number, c: number, seed: number, ignore?: number, every = 4): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, (_, i) => (ignore !== undefined && i % every === 1 ? ignore : Math.floor(r() * c)));
}

test('l1Loss and mseLoss: forward and gradients w.r.t. pred and target, every reduction', async () => {
  const gpu = await testGpu();
  for (const shape of [[7, 13], [3, 4, 5], [1]] as Shape[]) {
    for (const reduction of REDUCTIONS) {
      for (const [name, fn, ref] of [['l1Loss', l1Loss, l1Ref], ['mseLoss', mseLoss, mseRef]] as const) {
        await gradCheck(gpu, `${name} ${JSON.stringify(shape)} ${reduction}`, {
          inputs: [{ shape, data: uniform(size(shape), 50, -2, 2) }, { shape, data: uniform(size(shape), 51, -2, 2) }],
          gpuFn: (p, t) => fn(p, t, reduction),
          refFn: (p, t) => ref(p, t, reduction),
          shape: reduction === 'none' ? shape : [],
        });
      }
    }
  }
});

test('crossEntropy [N, C]: forward and gradient w.r.t. logits for every reduction, ignoreIndex and label smoothing', async () => {
  const gpu = await testGpu();
  const shape = [9, 5];
  const opts: CrossEntropyOptions[] = [{}, { labelSmoothing: 0.1 }, { ignoreIndex: 2 }, { ignoreIndex: -100, labelSmoothing: 0.3 }];
  for (const reduction of REDUCTIONS) {
    for (const [i, o] of opts.entries()) {
      // Rows 1, 5 target −100 (PyTorch's default ignoreIndex) in every case.
      const t = classes(9, 5, 60 + i, -100);
      await gradCheck(gpu, `crossEntropy ${reduction} ${JSON.stringify(o)}`, {
        inputs: [{ shape, data: uniform(45, 61 + i, -3, 3) }, { shape: [9], data: t, dtype: 'i32', diff: false }],
        gpuFn: (x, tt) => crossEntropy(x, tt, { ...o, reduction }),
        refFn: (x, tt) => crossEntropyRef(x, shape, tt, { ...o, reduction }),
      });
    }
  }
});

test('crossEntropy on [N, C, d1, d2], unbatched [C], and C = 1', async () => {
  const gpu = await testGpu();
  const cases: [Shape, Shape][] = [[[2, 4, 3, 5], [2, 3, 5]], [[3, 6, 7], [3, 7]], [[6], []], [[4, 1], [4]]];
  for (const [i, [shape, tshape]] of cases.entries()) {
    const c = shape.length === 1 ? shape[0] : shape[1];
    for (const reduction of REDUCTIONS) {
      await gradCheck(gpu, `crossEntropy ${JSON.stringify(shape)} ${reduction}`, {
        inputs: [{ shape, data: uniform(size(shape), 70 + i, -3, 3) }, { shape: tshape, data: classes(size(tshape), c, 71 + i), dtype: 'i32', diff: false }],
        gpuFn: (x, t) => crossEntropy(x, t, { reduction, labelSmoothing: 0.05 }),
        refFn: (x, t) => crossEntropyRef(x, shape, t, { reduction, labelSmoothing: 0.05 }),
      });
    }
  }
});

test('crossEntropy: logits of ±1e4 keep full precision; 300 classes; the gradient is softmax − onehot', async () => {
  const gpu = await testGpu();
  const big = Float32Array.from([1e4, -1e4, 9999, 3, -1e4, -1e4, -9990, -1e4, 0, 0, 0, 0]);
  const t = Int32Array.from([2, 1, 3]);
  const x = tensor(gpu, big, [3, 4]);
  x.requiresGrad = true;
  const y = crossEntropy(x, tensor(gpu, t), { reduction: 'sum', labelSmoothing: 0.2 });
  assertClose('crossEntropy ±1e4', await y.data(), crossEntropyRef(big, [3, 4], t, { reduction: 'sum', labelSmoothing: 0.2 }), { atol: 1e-6, rtol: 1e-6 });
  ops.backward(y);
  const want = new Float64Array(12);
  for (let r = 0; r < 3; r++) {
    const row = Array.from(big.subarray(4 * r, 4 * r + 4));
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    for (let c = 0; c < 4; c++) want[4 * r + c] = Math.exp(row[c] - m) / s - (c === t[r] ? 0.8 : 0) - 0.05;
  }
  assertClose('dcrossEntropy ±1e4', await x.grad!.data(), want, { atol: 1e-6, rtol: 1e-5 });
  const wide = uniform(4 * 300, 80, -6, 6);
  const tw = classes(4, 300, 81);
  const yw = crossEntropy(tensor(gpu, wide, [4, 300]), tensor(gpu, tw, [4], 'i32'), { reduction: 'none' });
  assertClose('crossEntropy 300 classes', await yw.data(), crossEntropyRef(wide, [4, 300], tw, { reduction: 'none' }), { atol: 1e-6, rtol: 1e-6 });
});

test('out-of-range targets count as ignored rows; checkTargets names them; an all-ignored mean is 0', async () => {
  const gpu = await testGpu();
  const data = uniform(20, 90, -2, 2);
  const t = Int32Array.from([1, 7, -3, 0, -100]);
  const x = tensor(gpu, data, [5, 4]);
  const tt = tensor(gpu, t);
  for (const reduction of REDUCTIONS) {
    assertClose(`crossEntropy bad targets ${reduction}`, await crossEntropy(x, tt, { reduction }).data(), crossEntropyRef(data, [5, 4], t, { reduction }), { atol: 1e-6, rtol: 1e-6 });
  }
  await rejects(checkTargets(tt, 4), GpuUsageError, /crossEntropy: targets\[1\]: expected a class index in \[0, 4\) or ignoreIndex -100, got 7/);
  await checkTargets(tensor(gpu, Int32Array.from([0, 3, -100])), 4);
  const none = crossEntropy(x, tensor(gpu, Int32Array.from([-100, -100, 9, 9, 9])));
  assert.equal(Array.from(await none.data()), [0]);
});

test('more than 65,535 workgroups: 4,194,400 rows of 2 classes', async () => {
  const gpu = await testGpu();
  const rows = 65535 * 64 + 160;
  const data = uniform(rows * 2, 91, -4, 4);
  const t = classes(rows, 2, 92);
  const y = await crossEntropy(tensor(gpu, data, [rows, 2]), tensor(gpu, t, [rows], 'i32'), { reduction: 'none' }).data();
  let bad = -1;
  for (let r = 0; r < rows && bad < 0; r++) {
    const other = data[2 * r + 1 - t[r]] - data[2 * r + t[r]];
    const want = Math.max(other, 0) + Math.log1p(Math.exp(-Math.abs(other)));
    if (!(Math.abs(y[r] - want) <= 1e-6 + 1e-6 * want)) bad = r;
  }
  assert.is(bad, -1, `first wrong row ${bad}`);
});

test('bad arguments are refused at the op; no leaks', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(12, 1), [3, 4]);
  const t = tensor(gpu, Int32Array.from([0, 1, 2]));
  throwsLike(() => crossEntropy(x, tensor(gpu, [0, 1, 2])), GpuUsageError, /crossEntropy: targets dtype: expected i32 class indices, got f32 \[3\]/);
  throwsLike(() => crossEntropy(x, tensor(gpu, Int32Array.from([0, 1]))), GpuUsageError, /crossEntropy: targets shape: expected \[3\] for logits \[3, 4\], got \[2\]/);
  throwsLike(() => crossEntropy(x, t, { reduction: 'avg' as Reduction }), GpuUsageError, /crossEntropy: reduction: expected 'mean', 'sum' or 'none', got avg/);
  throwsLike(() => crossEntropy(x, t, { labelSmoothing: 1.5 }), GpuUsageError, /crossEntropy: labelSmoothing: expected a number in \[0, 1\], got 1.5/);
  throwsLike(() => crossEntropy(x, t, { ignoreIndex: 0.5 }), GpuUsageError, /crossEntropy: ignoreIndex: expected an i32 integer, got 0.5/);
  throwsLike(() => crossEntropy(tensor(gpu, [], [3, 0]), t), GpuUsageError, /crossEntropy: logits: expected at least one class, got \[3, 0\]/);
  throwsLike(() => mseLoss(x, tensor(gpu, uniform(4, 2), [4])), GpuUsageError, /mseLoss: target shape: expected \[3, 4\] \(the shape of pred\), got \[4\]/);
  throwsLike(() => l1Loss(x, x, 'max' as Reduction), GpuUsageError, /l1Loss: reduction: expected 'mean', 'sum' or 'none', got max/);
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  x.requiresGrad = true;
  for (const fn of [(a: Tensor) => crossEntropy(a, t), (a: Tensor) => crossEntropy(a, t, { reduction: 'none' }), (a: Tensor) => mseLoss(a, a), (a: Tensor) => l1Loss(a, a, 'sum')]) {
    const y = fn(x);
    const loss = ops.sum(y);
    ops.backward(loss);
    for (const v of [y, loss]) v.dispose();
  }
  x.grad!.dispose();
  x.grad = null;
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
