/**
 * Super-AD end to end (src/models/superad.ts, superadtrain.ts) against a PyTorch float64 golden
 * (scripts/golden/superad.py; test/fixtures/golden/superad.safetensors): 9 bands, 12 × 14 pixels,
 * 6 superpixels (one of 4 pixels, one with 2 planted outliers), dim 6, the code's layer names.
 * Step 0 (no error map: smconv skipped, every AdaConv a plain conv): x̂, e, the OBPM keep mask
 * (exactly), the loss and every gradient; one AdamW step (lr 1e-3, betas (0.5, 0.8), eps 1e-8,
 * weight decay 1e-4): every parameter; step 1 guided by our own e0: x̂, e, keep, loss, every
 * gradient, and the score ‖x − x̂‖² / C.
 *
 * Closeness as the other goldens (golden-check.ts): |got − want| ≤ 1e-4·max|want| + 1e-4·|want|
 * per tensor. Two things need more than that rule:
 * - Adam's first step moves a parameter by lr·g / (|g| + eps) ≈ lr·sign(g), so an element whose
 *   gradient is within float32 round-off of 0 may move by up to 2·lr the other way. param1 is
 *   checked against the interval the step maps the gradient's tolerance to, and step 1 then runs
 *   from the fixture's param1 (loaded by name), so such an element cannot move step 1.
 * - Gradients far below the step's largest are floored at 1e-3 of it, as in golden-check.ts:
 *   attn.k_norm.bias's is zero by structure (softmax ignores a shift common to a row of scores;
 *   float32 gives round-off, PyTorch ~1e-19), and the other qk-norm vectors' are 1e-5 … 5e-5 of
 *   the largest (the scores barely move the loss here), sums of nearly cancelling terms whose
 *   float32 error is 1e-5 … 1.3e-4 of their own size but ~5e-9 of the largest gradient. Every
 *   other gradient is above the floor and measured against its own size (~5e-7 here).
 * The script chose the scene and weights so that no discrete decision (AdaConv's neighbour order
 * on e0, OBPM's argmaxes, the LeakyReLU and |·| kinks) is within float32 round-off of flipping.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AdamW, backward, buildSegments, liveGraphNodes, loadSafetensors, scope, tensor, type Gpu, type Segments, type Tensor } from '../../src/index.ts';
import { SuperAd } from '../../src/models/superad.ts';
import { obpmLoss, superAdScores, type ObpmOptions } from '../../src/models/superadtrain.ts';
import { assertClose, testGpu } from '../harness/gpu.ts';
import { GOLDEN_TOL } from '../nn/golden-check.ts';
import { readFixture, type Fixture, type FixtureTensor } from '../ref/safetensors-read.ts';
import fixtureBytes from '../fixtures/golden/superad.safetensors' with { type: 'bytes' };

const test = suite('models/superad.golden');
const STRUCTURAL_ZERO = /\.attn\.k_norm\.bias$/;
const NOT_STATE = /^(x|labels|xhat[01]|e[01]|L[01]|keep[01]|loss[01]|score1|(grad0|grad1|param1)\..*)$/;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function entry(fx: Fixture, key: string): FixtureTensor {
  const v = fx.tensors.get(key);
  if (!v) throw new Error(`superad golden: ${key}: expected a fixture entry, got none`);
  return v;
}

/** Checks got against the fixture's `key` (same element count); returns max|got − want| / scale. */
function closeness(label: string, got: ArrayLike<number>, want: FixtureTensor, floor = 0): number {
  assert.is(got.length, want.data.length, `${label}: element count`);
  const scale = Math.max(maxAbs(want.data), floor);
  assertClose(label, got, want.data, { atol: GOLDEN_TOL * scale, rtol: GOLDEN_TOL });
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
  return scale > 0 ? worst / scale : worst;
}

async function compare(fx: Fixture, key: string, got: Tensor, errors: Record<string, number>, floor = 0): Promise<void> {
  const want = entry(fx, key);
  assert.equal([...got.shape], want.shape, `${key}: shape`);
  errors[key] = closeness(key, await got.data(), want, floor);
}

/** Every parameter's gradient against `grad<step>.<name>`; a parameter the fixture has none for must have none (or zeros). */
async function compareGrads(fx: Fixture, step: number, net: SuperAd, errors: Record<string, number>): Promise<void> {
  const prefix = `grad${step}.`;
  const floor = 1e-3 * Math.max(...[...fx.tensors].filter(([k]) => k.startsWith(prefix)).map(([, v]) => maxAbs(v.data)));
  const names = new Set(net.namedParameters().map(([n]) => n));
  for (const k of fx.tensors.keys()) if (k.startsWith(prefix)) assert.ok(names.has(k.slice(prefix.length)), `${k}: a parameter of the model`);
  for (const [n, p] of net.namedParameters()) {
    const key = prefix + n;
    if (!fx.tensors.has(key)) {
      if (p.grad) assert.is(maxAbs(await p.grad.data()), 0, `${key}: no gradient in PyTorch (the layer did not run), got a non-zero one`);
      continue;
    }
    if (!p.grad) throw new Error(`${key}: expected a gradient, got none`);
    await compare(fx, key, p.grad, errors, floor);
  }
}

/**
 * param1 against the fixture: got must lie in p0·(1 − lr·wd) − lr·u(g ± δ), widened by the usual
 * tolerance, where u(g) = g / (|g| + eps) is AdamW's first step and δ the gradient's tolerance
 * (GOLDEN_TOL of its scale and of |g|). A parameter without grad0 must be unchanged.
 */
async function compareParams(fx: Fixture, net: SuperAd, o: { lr: number; eps: number; weightDecay: number }, errors: Record<string, number>): Promise<void> {
  const gradFloor = 1e-3 * Math.max(...[...fx.tensors].filter(([k]) => k.startsWith('grad0.')).map(([, v]) => maxAbs(v.data)));
  const u = (g: number): number => g / (Math.abs(g) + o.eps);
  for (const [n, p] of net.namedParameters()) {
    const want = entry(fx, `param1.${n}`);
    const p0 = entry(fx, n).data;
    const g0 = fx.tensors.get(`grad0.${n}`)?.data;
    const got = await p.data();
    const scale = maxAbs(want.data);
    const gScale = g0 ? Math.max(maxAbs(g0), STRUCTURAL_ZERO.test(n) ? gradFloor : 0) : 0;
    for (let i = 0; i < got.length; i++) {
      const slack = GOLDEN_TOL * scale + GOLDEN_TOL * Math.abs(want.data[i]);
      let [lo, hi] = [want.data[i], want.data[i]];
      if (g0) {
        const delta = GOLDEN_TOL * gScale + GOLDEN_TOL * Math.abs(g0[i]);
        const base = p0[i] * (1 - o.lr * o.weightDecay);
        [lo, hi] = [Math.min(lo, base - o.lr * u(g0[i] + delta)), Math.max(hi, base - o.lr * u(g0[i] - delta))];
      }
      if (!(got[i] >= lo - slack && got[i] <= hi + slack)) {
        assert.unreachable(`param1.${n}[${i}]: expected ${want.data[i]} (AdamW range [${lo}, ${hi}] ± ${slack.toExponential(1)}), got ${got[i]} (p0 ${p0[i]}, grad0 ${g0?.[i]})`);
      }
    }
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
    errors[`param1.${n}`] = scale > 0 ? worst / scale : worst;
  }
}

interface Step {
  xhat: Tensor;
  loss: Tensor;
  err: Tensor;
  keep: Tensor;
}

async function step(fx: Fixture, i: number, net: SuperAd, x: Tensor, segs: Segments, guide: Tensor | null, o: ObpmOptions, errors: Record<string, number>): Promise<Step> {
  // In a scope, as the training loop runs it: obpmLoss leaves its intermediates to the caller.
  const { xhat, loss, err, keep } = scope(() => {
    const out = net.forward(x, segs, guide);
    return { xhat: out, ...obpmLoss(out, x, segs, o) };
  });
  await compare(fx, `xhat${i}`, xhat, errors);
  await compare(fx, `e${i}`, err, errors);
  await compare(fx, `loss${i}`, loss, errors);
  const wantKeep = entry(fx, `keep${i}`);
  assert.equal([...keep.shape], wantKeep.shape, `keep${i}: shape`);
  assert.equal(Array.from(await keep.data()), Array.from(wantKeep.data), `keep${i}: the OBPM mask, exactly`);
  backward(loss);
  await compareGrads(fx, i, net, errors);
  return { xhat, loss, err, keep };
}

/** With HSI_GOLDEN_REPORT set (Node), prints the worst relative error of each group of tensors. */
function report(errors: Record<string, number>): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (!env?.HSI_GOLDEN_REPORT) return;
  const groups = new Map<string, [string, number]>();
  for (const [k, v] of Object.entries(errors)) {
    const g = /^(grad0|grad1|param1)\./.test(k) ? k.split('.')[0] + (STRUCTURAL_ZERO.test(k) ? '.*.k_norm.bias' : '') : k;
    if (!groups.has(g) || groups.get(g)![1] < v) groups.set(g, [k, v]);
  }
  console.log('\n  golden superad: ' + [...groups].map(([g, [k, v]]) => `${g} ${v.toExponential(1)}${g !== k ? ` (${k})` : ''}`).join(', '));
}

async function run(gpu: Gpu): Promise<void> {
  const fx = readFixture(fixtureBytes);
  const m = fx.metadata;
  assert.is(m.module, 'SuperAd');
  const net = new SuperAd(gpu, { bands: Number(m.bands), dim: Number(m.dim), window: Number(m.window), kernel: Number(m.kernel), seed: 1 });
  const loaded = loadSafetensors(net, fixtureBytes, { strict: false });
  assert.equal(loaded.missing, [], 'every parameter of the model is in the fixture');
  assert.equal(loaded.unexpected.filter((n) => !NOT_STATE.test(n)), [], 'every parameter of the fixture is the model\'s');
  const o: ObpmOptions = { alpha: Number(m.alpha), beta: Number(m.beta), thIdx: Number(m.thIdx) };
  const adam = { lr: Number(m.lr), betas: [Number(m.beta1), Number(m.beta2)] as const, eps: Number(m.eps), weightDecay: Number(m.weightDecay) };
  const [xs, ls] = [entry(fx, 'x'), entry(fx, 'labels')];
  const x = tensor(gpu, xs.data, xs.shape);
  const labels = tensor(gpu, ls.data, ls.shape, 'i32');
  const segs = buildSegments(labels, Number(m.superpixels));
  const errors: Record<string, number> = {};

  const s0 = await step(fx, 0, net, x, segs, null, o, errors);
  const opt = new AdamW(net.parameters(), adam);
  opt.step();
  await compareParams(fx, net, adam, errors);
  opt.zeroGrad();
  // Step 1 from the fixture's param1 (see the header), guided by our own e0.
  const params1 = Object.fromEntries(net.namedParameters().map(([n, p]) => [`param1.${n}`, p]));
  assert.equal(loadSafetensors(params1, fixtureBytes, { strict: false }).missing, []);
  const s1 = await step(fx, 1, net, x, segs, s0.err, o, errors);
  const score = await superAdScores({ model: net, input: x, segs, errMap: s0.err });
  errors.score1 = closeness('score1', score, entry(fx, 'score1'));

  net.zeroGrad();
  for (const s of [s0, s1]) for (const t of [s.xhat, s.loss, s.err, s.keep]) t.dispose();
  for (const t of [x, labels]) t.dispose();
  segs.dispose();
  opt.dispose();
  net.dispose();
  report(errors);
}

test('Super-AD = PyTorch float64: step 0, OBPM, gradients, AdamW, step 1 guided by e0, score', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  await run(gpu);
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test.run();
