// Both conv2d plans on every adapter that can run them: the direct implicit-GEMM kernels
// (subgroups of ≥ 8 lanes: Dawn on lavapipe; a skip, counted as one, where the adapter has none,
// as Chromium's SwiftShader) and unfold + matmul (everywhere), each forced with withConv2dPlan.
// Forward, the gradients through backward() (reflect padding included) and the standalone
// conv2dInputGrad / conv2dWeightGrad against the float64 reference, on shapes off every tile,
// with masks, strides, dilations, N = 2 and (unfold only: the direct kernels run one group) groups.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { backward, GpuUsageError, tensor, type Gpu, type Shape } from '../../src/index.ts';
import { conv2d, conv2dInputGrad, conv2dWeightGrad, type Conv2dOptions } from '../../src/ops/conv2d.ts';
import { conv2dPlans, withConv2dPlan, type Conv2dPlan } from '../../src/ops/conv2d_direct.ts';
import { assertClose, kernelsUsed, testGpu, throwsLike, uniform } from '../harness/gpu.ts';
import { skip } from '../harness/skip.ts';
import { conv2dGradsRef, conv2dRef, type ConvRefOptions } from '../ref/conv2d.ts';

const test = suite('ops/conv2d plans');
const size = (s: Shape): number => s.reduce((p, d) => p * d, 1);
const two = (v: number | readonly [number, number] | undefined, d: number): [number, number] =>
  v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
const TOL = { atol: 1e-5, rtol: 1e-5 };

interface Case {
  name: string;
  x: Shape;
  w: Shape;
  opts?: Omit<Conv2dOptions, 'mask'>;
  mask?: number[];
}

const CASES: Case[] = [
  { name: '2×37×11×13 → 70, 3×3 pad 1', x: [2, 37, 11, 13], w: [70, 37, 3, 3], opts: { padding: 1 } },
  { name: '1×66×9×10 → 5, centre mask', x: [1, 66, 9, 10], w: [5, 66, 3, 3], opts: { padding: 1 }, mask: [1, 1, 1, 1, 0, 1, 1, 1, 1] },
  { name: '2×5×16×14 → 7, stride [2, 3] pad [0, 2] dilation [2, 1]', x: [2, 5, 16, 14], w: [7, 5, 3, 3], opts: { stride: [2, 3], padding: [0, 2], dilation: [2, 1] } },
  { name: '1×9×8×20 → 6, mask 2×3 dilation [1, 2] pad [1, 3]', x: [1, 9, 8, 20], w: [6, 9, 2, 3], opts: { dilation: [1, 2], padding: [1, 3] }, mask: [1, 0, 1, 0, 1, 1] },
  { name: '2×12×15×13 → 9, 5×5 stride 2 reflect 2', x: [2, 12, 15, 13], w: [9, 12, 5, 5], opts: { stride: 2, padding: 2, paddingMode: 'reflect' } },
  { name: '1×6×7×9 → 6, reflect 2 dilation 2, centre mask', x: [1, 6, 7, 9], w: [6, 6, 3, 3], opts: { padding: 2, dilation: 2, paddingMode: 'reflect' }, mask: [1, 1, 1, 1, 0, 1, 1, 1, 1] },
  { name: '2×5×6×7 → 3, 1×1', x: [2, 5, 6, 7], w: [3, 5, 1, 1] },
  { name: '1×6×9×8 → 4, groups 2 stride 2', x: [1, 6, 9, 8], w: [4, 3, 3, 3], opts: { padding: 1, stride: 2, groups: 2 } },
];

function refOptions(c: Case): ConvRefOptions {
  const o = c.opts ?? {};
  return { stride: two(o.stride, 1), padding: two(o.padding, 0), dilation: two(o.dilation, 1), paddingMode: o.paddingMode, groups: o.groups, mask: c.mask ?? null };
}

/** One case under `plan`: forward, backward() and the standalone gradients against float64. */
async function checkCase(gpu: Gpu, plan: Conv2dPlan, c: Case): Promise<void> {
  const label = `${plan} ${c.name}`;
  const ro = refOptions(c);
  const y0 = conv2dRef(new Float64Array(size(c.x)), c.x, new Float64Array(size(c.w)), c.w, null, ro);
  const [xd, wd, bd, dyd] = [uniform(size(c.x), 31), uniform(size(c.w), 32), uniform(c.w[0], 33), uniform(y0.length, 34)];
  const [x, w, b] = [tensor(gpu, xd, c.x), tensor(gpu, wd, c.w), tensor(gpu, bd, [c.w[0]])];
  for (const t of [x, w, b]) t.requiresGrad = true;
  const mask = c.mask ? tensor(gpu, c.mask, [c.w[2], c.w[3]]) : null;
  const opts: Conv2dOptions = { ...c.opts, mask };
  let y = null as unknown as ReturnType<typeof conv2d>;
  const files = new Set(kernelsUsed(gpu, () => (y = withConv2dPlan(gpu, plan, () => conv2d(x, w, b, opts)))).map((k) => k.file));
  const plain1x1 = c.w[2] === 1 && c.w[3] === 1 && !c.opts?.padding && !c.opts?.stride && !mask;
  if (!plain1x1) assert.ok(files.has(plan === 'direct' ? 'conv2d_direct.wgsl' : 'conv2d.wgsl'), `${label}: the forced plan ran (${[...files]})`);
  assert.not.ok(files.has(plan === 'direct' ? 'conv2d.wgsl' : 'conv2d_direct.wgsl'), `${label}: only the forced plan ran (${[...files]})`);
  assertClose(`conv2d ${label}`, await y.data(), conv2dRef(xd, c.x, wd, c.w, bd, ro), TOL);
  const dy = tensor(gpu, dyd, y.shape);
  backward(y, dy);
  const ref = conv2dGradsRef(xd, c.x, wd, c.w, dyd, ro);
  const dBias = new Float64Array(c.w[0]);
  const px = y.shape[2] * y.shape[3];
  dyd.forEach((v, i) => (dBias[Math.floor(i / px) % c.w[0]] += v));
  assertClose(`backward dx ${label}`, await x.grad!.data(), ref.dx, TOL);
  assertClose(`backward dWeight ${label}`, await w.grad!.data(), ref.dWeight, TOL);
  assertClose(`backward dBias ${label}`, await b.grad!.data(), dBias, TOL);
  if (c.opts?.paddingMode !== 'reflect') {
    const [dx, dW] = withConv2dPlan(gpu, plan, () => [conv2dInputGrad(dy, w, c.x, opts), conv2dWeightGrad(x, dy, c.w, opts)]);
    assertClose(`conv2dInputGrad ${label}`, await dx.data(), ref.dx, TOL);
    assertClose(`conv2dWeightGrad ${label}`, await dW.data(), ref.dWeight, TOL);
    dx.dispose();
    dW.dispose();
  }
  for (const t of [x, w, b, mask, y, dy]) t?.dispose();
}

for (const plan of ['direct', 'unfold'] as const) {
  test(`${plan}: forward, backward and the standalone gradients match float64`, async () => {
    const gpu = await testGpu();
    if (!conv2dPlans(gpu).includes(plan)) {
      throwsLike(() => withConv2dPlan(gpu, plan, () => 0), GpuUsageError, /conv2d: plan: expected 'unfold' on this device/);
      return skip('adapter', `the ${plan} conv2d kernels need the subgroups feature with ≥ 8 lanes`);
    }
    for (const c of CASES) {
      if (plan === 'direct' && (c.opts?.groups ?? 1) > 1) continue; // the direct kernels run one group: below
      await checkCase(gpu, plan, c);
    }
  });
}

test('an unknown plan is refused', async () => {
  const gpu = await testGpu();
  throwsLike(() => withConv2dPlan(gpu, 'im2col' as Conv2dPlan, () => 0), GpuUsageError, /conv2d: plan: expected 'direct' or 'unfold', got im2col/);
});

test('a forced direct plan refuses groups > 1 at the op, before any GPU work', async () => {
  const gpu = await testGpu();
  if (!conv2dPlans(gpu).includes('direct')) return skip('adapter', 'no direct conv2d kernels here to refuse groups with');
  const x = tensor(gpu, uniform(4 * 25, 1), [1, 4, 5, 5]);
  const w = tensor(gpu, uniform(4 * 2 * 9, 2), [4, 2, 3, 3]);
  const before = gpu.stats().liveBytes;
  throwsLike(() => withConv2dPlan(gpu, 'direct', () => conv2d(x, w, null, { groups: 2, padding: 1, paddingMode: 'reflect' })), GpuUsageError,
    /conv2d: plan 'direct': expected groups 1 \(grouped convs run the unfold plan\), got 2/);
  assert.is(gpu.stats().liveBytes, before, 'nothing allocated before the refusal');
  x.dispose();
  w.dispose();
});

test.run();
