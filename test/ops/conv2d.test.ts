import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as ops from '../../src/index.ts';
import { GpuUsageError, OptionError, tensor, type Shape } from '../../src/index.ts';
import { centreMask, conv2d, conv2dInputGrad, conv2dWeightGrad, type Conv2dOptions } from '../../src/ops/conv2d.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck, type GradInput } from '../harness/gradcheck.ts';
import { conv2dGradsRef, conv2dRef, type ConvRefOptions } from '../ref/conv2d.ts';

const test = suite('ops/conv2d');
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const two = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

interface Case {
  name: string;
  x: Shape;
  w: Shape;
  bias?: boolean;
  opts?: Omit<Conv2dOptions, 'mask'>;
  mask?: number[];
}

function refOptions(c: Case): ConvRefOptions {
  const o = c.opts ?? {};
  return {
    stride: two(o.stride, 1), padding: two(o.padding, 0), dilation: two(o.dilation, 1),
    paddingMode: o.paddingMode, groups: o.groups, mask: c.mask ?? null,
  };
}

// Small shapes off every tile size: ≤ ~300 elements per input (finite differences in float64).
const CASES: Case[] = [
  { name: '3×3 pad 1', x: [1, 3, 5, 6], w: [4, 3, 3, 3], bias: true, opts: { padding: 1 } },
  { name: 'stride 2 pad 0, N = 2', x: [2, 2, 7, 5], w: [3, 2, 3, 3], bias: true, opts: { stride: 2 } },
  { name: 'pad 2 dilation 2', x: [1, 2, 6, 7], w: [2, 2, 3, 3], bias: true, opts: { padding: 2, dilation: 2 } },
  { name: 'reflect pad 1', x: [1, 2, 5, 4], w: [3, 2, 3, 3], bias: true, opts: { padding: 1, paddingMode: 'reflect' } },
  { name: 'reflect pad [2, 1], kernel 3×2, stride [1, 2]', x: [2, 2, 4, 5], w: [2, 2, 3, 2], bias: true, opts: { padding: [2, 1], paddingMode: 'reflect', stride: [1, 2] } },
  { name: 'groups 2', x: [1, 4, 5, 5], w: [6, 2, 3, 3], bias: true, opts: { padding: 1, groups: 2 } },
  { name: 'depthwise', x: [2, 3, 6, 5], w: [3, 1, 3, 3], bias: true, opts: { padding: 1, groups: 3 } },
  { name: 'no bias', x: [1, 3, 4, 5], w: [5, 3, 3, 3], bias: false, opts: { padding: 1 } },
  { name: '1×1', x: [2, 5, 3, 4], w: [3, 5, 1, 1], bias: true },
  { name: '1×1 stride 2, groups 5', x: [1, 5, 5, 3], w: [5, 1, 1, 1], bias: false, opts: { stride: 2, groups: 5 } },
  { name: 'kernel 1×3, stride [1, 2], pad [0, 1]', x: [1, 3, 4, 7], w: [4, 3, 1, 3], bias: true, opts: { stride: [1, 2], padding: [0, 1] } },
  { name: 'kernel 2×4 no padding', x: [1, 2, 5, 8], w: [3, 2, 2, 4], bias: true },
  { name: 'centre mask 3×3 pad 1', x: [1, 3, 5, 5], w: [2, 3, 3, 3], bias: true, opts: { padding: 1 }, mask: [1, 1, 1, 1, 0, 1, 1, 1, 1] },
  { name: 'mask 2×3, dilation [2, 1], N = 2', x: [2, 2, 6, 5], w: [3, 2, 2, 3], bias: false, opts: { padding: 1, dilation: [2, 1] }, mask: [1, 0, 1, 0, 1, 1] },
];

for (const c of CASES) {
  test(`${c.name}: forward and gradients w.r.t. x, weight, bias match float64`, async () => {
    const gpu = await testGpu();
    const o = c.w[0];
    const inputs: GradInput[] = [{ shape: c.x, data: uniform(size(c.x), size(c.x)) }, { shape: c.w, data: uniform(size(c.w), 7) }];
    if (c.bias) inputs.push({ shape: [o], data: uniform(o, 11) });
    const ro = refOptions(c);
    const mask = c.mask ? tensor(gpu, c.mask, [c.w[2], c.w[3]]) : null;
    await gradCheck(gpu, `conv2d ${c.name}`, {
      inputs,
      gpuFn: (x, w, b) => conv2d(x, w, b ?? null, { ...c.opts, mask }),
      refFn: (x, w, b) => conv2dRef(x, c.x, w, c.w, b ?? null, ro),
    });
    mask?.dispose();
  });
}

test('masked taps get exactly zero weight gradient', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(2 * 3 * 6 * 6, 1), [2, 3, 6, 6]);
  const w = tensor(gpu, uniform(4 * 3 * 9, 2), [4, 3, 3, 3]);
  w.requiresGrad = true;
  const m = centreMask(gpu, 3);
  assert.equal(Array.from(await m.data()), [1, 1, 1, 1, 0, 1, 1, 1, 1]);
  const y = conv2d(x, w, null, { padding: 1, mask: m });
  const s = ops.sum(ops.square(y));
  ops.backward(s);
  const g = await w.grad!.data();
  for (let i = 4; i < g.length; i += 9) assert.is(g[i], 0, `centre tap ${i}`);
  assert.ok(g.some((v) => v !== 0));
  for (const t of [x, w, m, y, s]) t.dispose();
});

test('larger shapes (channels and pixels past the matmul tiles) match float64', async () => {
  const gpu = await testGpu();
  const cases: Case[] = [
    { name: '1×17×19×21 → 70, 3×3 pad 1', x: [1, 17, 19, 21], w: [70, 17, 3, 3], bias: true, opts: { padding: 1 } },
    { name: '2×12×15×13 → 9, 5×5 stride 2 reflect 2', x: [2, 12, 15, 13], w: [9, 12, 5, 5], bias: true, opts: { stride: 2, padding: 2, paddingMode: 'reflect' } },
    { name: '1×8×33×30 → 8, depthwise dilation 2', x: [1, 8, 33, 30], w: [8, 1, 3, 3], bias: false, opts: { padding: 2, dilation: 2, groups: 8 } },
  ];
  for (const c of cases) {
    const xd = uniform(size(c.x), 3);
    const wd = uniform(size(c.w), 4);
    const bd = uniform(c.w[0], 5);
    const y = conv2d(tensor(gpu, xd, c.x), tensor(gpu, wd, c.w), c.bias ? tensor(gpu, bd, [c.w[0]]) : null, c.opts);
    assertClose(`conv2d ${c.name}`, await y.data(), conv2dRef(xd, c.x, wd, c.w, c.bias ? bd : null, refOptions(c)), { atol: 1e-5, rtol: 1e-5 });
  }
});

// Past every tile of the kernels (64 pixel or channel rows, 32 output columns, vec4 channel
// padding), strided and dilated input gradients (zero insertion), padding wider than the
// kernel reach (a crop in the input gradient), a mask, N = 2, and groups (the unfold path).
const GRAD_CASES: Case[] = [
  { name: '2×37×11×13 → 70, 3×3 pad 1', x: [2, 37, 11, 13], w: [70, 37, 3, 3], bias: true, opts: { padding: 1 } },
  { name: '1×6×17×15 → 9, stride 2 pad 1', x: [1, 6, 17, 15], w: [9, 6, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
  { name: '1×5×16×14 → 7, stride [2, 3] pad [0, 2] dilation [2, 1]', x: [1, 5, 16, 14], w: [7, 5, 3, 3], bias: true, opts: { stride: [2, 3], padding: [0, 2], dilation: [2, 1] } },
  { name: '2×66×9×10 → 5, centre mask', x: [2, 66, 9, 10], w: [5, 66, 3, 3], bias: true, opts: { padding: 1 }, mask: [1, 1, 1, 1, 0, 1, 1, 1, 1] },
  { name: '2×4×13×11 → 5, stride [2, 1] pad 1', x: [2, 4, 13, 11], w: [5, 4, 3, 3], bias: true, opts: { stride: [2, 1], padding: 1 } },
  { name: '1×9×8×20 → 6, 3×3 dilation [1, 2] pad [1, 3]', x: [1, 9, 8, 20], w: [6, 9, 3, 3], bias: true, opts: { dilation: [1, 2], padding: [1, 3] } },
  { name: '1×3×12×12 → 4, 5×5 pad 5 dilation 1', x: [1, 3, 12, 12], w: [4, 3, 5, 5], bias: false, opts: { padding: 5 } },
  { name: '1×6×9×8 → 4, groups 2 stride 2', x: [1, 6, 9, 8], w: [4, 3, 3, 3], bias: false, opts: { padding: 1, stride: 2, groups: 2 } },
];

test('larger shapes: forward, conv2dInputGrad and conv2dWeightGrad match float64', async () => {
  const gpu = await testGpu();
  for (const c of GRAD_CASES) {
    const ro = refOptions(c);
    const y0 = conv2dRef(new Float64Array(size(c.x)), c.x, new Float64Array(size(c.w)), c.w, null, ro);
    const [xd, wd, bd, dyd] = [uniform(size(c.x), 21), uniform(size(c.w), 22), uniform(c.w[0], 23), uniform(y0.length, 24)];
    const [x, w, b] = [tensor(gpu, xd, c.x), tensor(gpu, wd, c.w), tensor(gpu, bd, [c.w[0]])];
    const mask = c.mask ? tensor(gpu, c.mask, [c.w[2], c.w[3]]) : null;
    const opts = { ...c.opts, mask };
    const y = conv2d(x, w, c.bias ? b : null, opts);
    assertClose(`conv2d ${c.name}`, await y.data(), conv2dRef(xd, c.x, wd, c.w, c.bias ? bd : null, ro), { atol: 1e-5, rtol: 1e-5 });
    const dy = tensor(gpu, dyd, y.shape);
    const ref = conv2dGradsRef(xd, c.x, wd, c.w, dyd, ro);
    const dx = conv2dInputGrad(dy, w, c.x, opts);
    assertClose(`conv2dInputGrad ${c.name}`, await dx.data(), ref.dx, { atol: 1e-5, rtol: 1e-5 });
    const dWeight = conv2dWeightGrad(x, dy, c.w, opts);
    assertClose(`conv2dWeightGrad ${c.name}`, await dWeight.data(), ref.dWeight, { atol: 1e-5, rtol: 1e-5 });
    for (const t of [x, w, b, mask, y, dy, dx, dWeight]) t?.dispose();
  }
});

test('bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const x = tensor(gpu, uniform(2 * 4 * 5 * 5, 1), [2, 4, 5, 5]);
  const w = tensor(gpu, uniform(6 * 4 * 9, 2), [6, 4, 3, 3]);
  throwsLike(() => conv2d(x, tensor(gpu, uniform(162, 2), [6, 3, 3, 3])), GpuUsageError, /conv2d: weight: expected \[O, 4, KH, KW\] for 4 input channels in 1 group\(s\), got \[6, 3, 3, 3\]/);
  throwsLike(() => conv2d(x, w, null, { groups: 3 }), GpuUsageError, /conv2d: groups: expected a divisor of the input channels 4 and output channels 6, got 3/);
  throwsLike(() => conv2d(x, w, null, { padding: 5, paddingMode: 'reflect' }), GpuUsageError, /conv2d: reflect padding: expected \[5, 5\] < the input size \[5, 5\]/);
  throwsLike(() => conv2d(x, w, null, { mask: tensor(gpu, [1, 0, 1, 1], [2, 2]) }), GpuUsageError, /conv2d: mask: expected \[3, 3\] like the kernel, got \[2, 2\]/);
  throwsLike(() => conv2d(x, w, tensor(gpu, [1, 2], [2])), GpuUsageError, /conv2d: bias: expected \[6\], got \[2\]/);
  throwsLike(() => conv2d(tensor(gpu, [1, 2, 3], [3]), w), GpuUsageError, /conv2d: x: expected \[N, C, H, W\], got \[3\]/);
  throwsLike(() => conv2d(x, w, null, { stride: 0 }), OptionError, /conv2d: stride: expected an integer ≥ 1/);
  throwsLike(() => conv2d(x, w, null, { dilation: 3 }), GpuUsageError, /conv2d: output size: expected ≥ 1/);
  throwsLike(() => conv2d(x, w, null, { paddingMode: 'circular' as 'zeros' }), GpuUsageError, /conv2d: paddingMode: expected 'zeros' or 'reflect', got circular/);
  throwsLike(() => conv2d(x, tensor(gpu, new Int32Array(216), [6, 4, 3, 3])), GpuUsageError, /conv2d: input 1 dtype: expected f32, got i32/);
  throwsLike(() => centreMask(gpu, 2), GpuUsageError, /centreMask: kh: expected an odd positive integer/);
  const dy = tensor(gpu, uniform(2 * 6 * 3 * 3, 3), [2, 6, 3, 3]);
  throwsLike(() => conv2dInputGrad(dy, w, x.shape, { padding: 1 }), GpuUsageError, /conv2dInputGrad: dy: expected \[2, 6, 5, 5\], got \[2, 6, 3, 3\]/);
  throwsLike(() => conv2dWeightGrad(x, dy, w.shape, { padding: 1, paddingMode: 'reflect' }), GpuUsageError, /conv2dWeightGrad: paddingMode: expected 'zeros'/);
  throwsLike(() => conv2dWeightGrad(x, dy, [6, 4, 3], {}), GpuUsageError, /conv2dWeightGrad: weight: expected \[O, C\/groups, KH, KW\], got \[6, 4, 3\]/);
  dy.dispose();
});

test('no leaks: forward and backward (unfold, 1×1, reflect, mask, bias) return every buffer', async () => {
  const gpu = await testGpu();
  await gpu.sync();
  const before = gpu.stats().liveBytes;
  const x = tensor(gpu, uniform(2 * 4 * 6 * 5, 1), [2, 4, 6, 5]);
  x.requiresGrad = true;
  const w3 = tensor(gpu, uniform(3 * 4 * 9, 2), [3, 4, 3, 3]);
  w3.requiresGrad = true;
  const w1 = tensor(gpu, uniform(3 * 4, 3), [3, 4, 1, 1]);
  w1.requiresGrad = true;
  const b = tensor(gpu, uniform(3, 4), [3]);
  b.requiresGrad = true;
  const m = centreMask(gpu, 3);
  const runs: [ops.Tensor, Conv2dOptions][] = [[w3, { padding: 1 }], [w1, {}], [w3, { padding: 1, paddingMode: 'reflect' }], [w3, { padding: 1, mask: m }]];
  for (const [w, opts] of runs) {
    const y = conv2d(x, w, b, opts);
    const s = ops.sum(y);
    ops.backward(s);
    y.dispose();
    s.dispose();
  }
  const y = ops.noGrad(() => conv2d(x, w3, b, { padding: 1 }));
  y.dispose();
  for (const t of [x, w3, w1, b, m]) t.dispose();
  assert.is(ops.liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
