import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, mul, OptionError, sum, tensor, type Tensor } from '../../src/index.ts';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from '../../src/ops/pool.ts';
import { assertClose, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { gradCheck } from '../harness/gradcheck.ts';
import { adaptiveAvgPool2dRef, avgPool2dRef, maxPool2dRef, type Dims4 } from '../ref/pool.ts';

const test = suite('ops/pool');

const size = (s: Dims4): number => s[0] * s[1] * s[2] * s[3];
const p2 = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

type AvgCase = [shape: Dims4, k: number | [number, number], s: number | [number, number], p: number | [number, number], includePad: boolean];
const AVG: AvgCase[] = [
  [[2, 3, 7, 6], 2, 2, 0, true], // stride = kernel, odd H drops the last row
  [[1, 2, 9, 8], 3, 2, 1, true], // padding counted in the divisor
  [[1, 2, 9, 8], 3, 2, 1, false], // padding not counted
  [[2, 1, 6, 7], [3, 2], [1, 2], [1, 1], false], // overlapping, rectangular
  [[1, 1, 1, 1], 1, 1, 0, true], // size 1
];

for (const [shape, k, s, p, includePad] of AVG) {
  test(`avgPool2d ${shape} k${k} s${s} p${p} includePad=${includePad}: forward and gradient match float64`, async () => {
    const gpu = await testGpu();
    const g = { k: p2(k), s: p2(s), p: p2(p) };
    await gradCheck(gpu, 'avgPool2d', {
      inputs: [{ shape, data: uniform(size(shape), size(shape), -2, 2) }],
      gpuFn: (x) => avgPool2d(x, k, { stride: s, padding: p, countIncludePad: includePad }),
      refFn: (x) => avgPool2dRef(x, shape, g, includePad),
    });
  });
}

type MaxCase = [shape: Dims4, k: number | [number, number], s: number | [number, number], p: number | [number, number], d: number | [number, number]];
const MAX: MaxCase[] = [
  [[2, 3, 7, 6], 2, 2, 0, 1],
  [[1, 2, 9, 8], 3, 2, 1, 1],
  [[2, 1, 8, 9], [3, 2], 1, [1, 1], 1], // overlapping windows: several outputs share a maximum
  [[1, 2, 11, 10], 3, [2, 1], 2, 2], // dilation 2, padding 2
  [[1, 1, 1, 1], 1, 1, 0, 1],
];

for (const [shape, k, s, p, d] of MAX) {
  test(`maxPool2d ${shape} k${k} s${s} p${p} d${d}: forward and gradient match float64`, async () => {
    const gpu = await testGpu();
    const g = { k: p2(k), s: p2(s), p: p2(p), d: p2(d) };
    await gradCheck(gpu, 'maxPool2d', {
      inputs: [{ shape, data: uniform(size(shape), 7 * size(shape), -2, 2) }],
      gpuFn: (x) => maxPool2d(x, k, { stride: s, padding: p, dilation: d }),
      refFn: (x) => maxPool2dRef(x, shape, g).y,
      forward: { atol: 0, rtol: 0 },
    });
  });
}

test('maxPool2d: padding is −inf (negative inputs stay negative); ties send the gradient to the first maximum', async () => {
  const gpu = await testGpu();
  const neg = tensor(gpu, uniform(16, 3, -5, -1), [1, 1, 4, 4]);
  const yn = maxPool2d(neg, 3, { stride: 1, padding: 1 });
  assertClose('negative maxPool', await yn.data(), maxPool2dRef(await neg.data(), [1, 1, 4, 4], { k: [3, 3], s: [1, 1], p: [1, 1] }).y, { atol: 0, rtol: 0 });
  // All equal: every window's first in-image tap takes the gradient, once per window.
  const shape: Dims4 = [1, 1, 5, 4];
  const x = tensor(gpu, new Float32Array(20).fill(0.5), shape);
  x.requiresGrad = true;
  const y = maxPool2d(x, 3, { stride: 1, padding: 1 });
  const loss = sum(y);
  backward(loss);
  const { argmax } = maxPool2dRef(new Float64Array(20).fill(0.5), shape, { k: [3, 3], s: [1, 1], p: [1, 1] });
  const want = new Float64Array(20);
  for (const a of argmax) want[a] += 1;
  assertClose('tie gradient', await x.grad!.data(), want, { atol: 0, rtol: 0 });
  for (const t of [neg, yn, x, y, loss]) t.dispose();
});

const ADAPTIVE: [Dims4, number, number][] = [[[2, 5, 11, 11], 1, 1], [[1, 2, 7, 9], 3, 4], [[1, 1, 5, 3], 5, 3], [[1, 1, 1, 1], 1, 1]];
for (const [shape, oh, ow] of ADAPTIVE) {
  test(`adaptiveAvgPool2d ${shape} → ${oh}×${ow}: forward and gradient match float64`, async () => {
    const gpu = await testGpu();
    await gradCheck(gpu, 'adaptiveAvgPool2d', {
      inputs: [{ shape, data: uniform(size(shape), 11, -2, 2) }],
      gpuFn: (x) => adaptiveAvgPool2d(x, oh === ow ? oh : [oh, ow]),
      refFn: (x) => adaptiveAvgPool2dRef(x, shape, oh, ow),
    });
  });
}

/** dx of Σ y·w through max pooling: each w lands on its window's first maximum (float64). */
function maxPoolGradRef(argmax: Int32Array, w: ArrayLike<number>, planes: number, inPlane: number): Float64Array {
  const dx = new Float64Array(planes * inPlane);
  const outPlane = argmax.length / planes;
  for (let i = 0; i < argmax.length; i++) dx[Math.floor(i / outPlane) * inPlane + argmax[i]] += w[i];
  return dx;
}

test('grids beyond 65,535 workgroups: whole forward and backward of avgPool2d and maxPool2d; SSCC head 512×256×11×11 → 1×1', async () => {
  const gpu = await testGpu();
  const shape: Dims4 = [1, 4, 2049, 2049]; // 16.8M inputs for the backward grid
  const data = uniform(size(shape), 5);
  for (const [name, g] of [['avgPool2d', { k: [2, 2], s: [2, 2], p: [0, 0] }], ['maxPool2d', { k: [3, 3], s: [2, 2], p: [1, 1] }]] as const) {
    const x = tensor(gpu, data, shape);
    x.requiresGrad = true;
    const y = name === 'avgPool2d' ? avgPool2d(x, 2) : maxPool2d(x, 3, { stride: 2, padding: 1 });
    // A random upstream gradient, so every element of dx has its own expected value.
    const w = uniform(y.size, 6, 0.5, 1.5);
    const wt = tensor(gpu, w, y.shape);
    const yw = mul(y, wt);
    const loss = sum(yw);
    backward(loss);
    const geometry = { k: [...g.k], s: [...g.s], p: [...g.p] } as { k: [number, number]; s: [number, number]; p: [number, number] };
    const dx = await x.grad!.data();
    if (name === 'avgPool2d') {
      assertClose('large avgPool2d', await y.data(), avgPool2dRef(data, shape, geometry), { atol: 1e-6, rtol: 1e-5 });
      // Non-overlapping 2×2 windows: dx = w/4 inside them, 0 in the last row and column (outside every window).
      const [h, wd] = [shape[2], shape[3]];
      const expected = new Float64Array(dx.length);
      for (let pl = 0; pl < 4; pl++) {
        for (let r = 0; r < h - 1; r++) for (let c = 0; c < wd - 1; c++) expected[(pl * h + r) * wd + c] = w[(pl * 1024 + (r >> 1)) * 1024 + (c >> 1)] / 4;
      }
      assertClose('large avgPool2d backward', dx, expected, { atol: 0, rtol: 1e-6 });
    } else {
      const ref = maxPool2dRef(data, shape, geometry);
      assertClose('large maxPool2d', await y.data(), ref.y, { atol: 0, rtol: 0 });
      assertClose('large maxPool2d backward', dx, maxPoolGradRef(ref.argmax, w, 4, shape[2] * shape[3]), { atol: 0, rtol: 1e-6 });
    }
    for (const t of [x, x.grad!, y, wt, yw, loss]) t.dispose();
  }
  const hs: Dims4 = [512, 256, 11, 11];
  const hd = uniform(size(hs), 6);
  const h = tensor(gpu, hd, hs);
  const pooled = adaptiveAvgPool2d(h, 1);
  assertClose('SSCC pooling', await pooled.data(), adaptiveAvgPool2dRef(hd, hs, 1, 1), { atol: 1e-6, rtol: 1e-5 });
  h.dispose();
  pooled.dispose();
});

test('no leaks; bad arguments are refused at the op', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  const x = tensor(gpu, uniform(2 * 3 * 5 * 5, 1), [2, 3, 5, 5]);
  x.requiresGrad = true;
  for (const f of [(t: Tensor) => maxPool2d(t, 2), (t: Tensor) => avgPool2d(t, 3, { padding: 1 }), (t: Tensor) => adaptiveAvgPool2d(t, 2)]) {
    const y = f(x);
    const loss = sum(y);
    backward(loss);
    for (const t of [y, loss]) t.dispose();
  }
  x.grad!.dispose();
  x.grad = null;
  // Without a graph the argmax of maxPool2d is freed at once.
  const plain = tensor(gpu, uniform(2 * 3 * 5 * 5, 2), [2, 3, 5, 5]);
  for (const y of [maxPool2d(plain, 3, { stride: 2 }), avgPool2d(plain, 2), adaptiveAvgPool2d(plain, 1)]) y.dispose();
  plain.dispose();
  const flat = tensor(gpu, [1, 2, 3, 4], [2, 2]);
  throwsLike(() => maxPool2d(flat, 2), GpuUsageError, /maxPool2d: input: expected shape \[N, C, H, W\], got \[2, 2\]/);
  flat.dispose();
  throwsLike(() => maxPool2d(x, 3, { padding: 2 }), GpuUsageError, /maxPool2d: padding: expected at most half the kernel extent \[3, 3\], got \[2, 2\]/);
  throwsLike(() => avgPool2d(x, 6), GpuUsageError, /avgPool2d: input: expected at least the kernel extent \[6, 6\] after padding, got \[2, 3, 5, 5\]/);
  throwsLike(() => avgPool2d(x, 0), OptionError, /avgPool2d: kernel: expected an integer ≥ 1 or a pair of them, got 0/);
  throwsLike(() => maxPool2d(x, 2, { dilation: [1, 0] }), OptionError, /maxPool2d: dilation: expected an integer ≥ 1/);
  throwsLike(() => adaptiveAvgPool2d(x, [1, 2, 3] as unknown as [number, number]), OptionError, /adaptiveAvgPool2d: outputSize: expected an integer ≥ 1 or a pair/);
  x.dispose();
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
