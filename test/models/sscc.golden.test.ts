/**
 * SSCC's network and loss (src/models/sscc.ts) against a PyTorch float64 golden
 * (scripts/golden/sscc.py; test/fixtures/golden/sscc.safetensors): widths [6, 8, 12, 16] instead
 * of the code's [32, 64, 128, 256] and a head of 24 instead of 512 (every layer and shape rule the
 * same), 2 blocks per layer, K 4, two views of 6 patches 8×7×7, BatchNorm in training mode with
 * its vectors and running statistics drawn away from 1 and 0. Checked: each loss term alone
 * (ntXent, barlowTwins) on the fixture's c, with its gradient with respect to both views' c; h and
 * c of both views, the loss, every gradient, the running statistics after both views' forwards (and
 * the batch counts, exactly: 2), and the parameters after one torch.optim.Adam step (lr 2e-4,
 * betas (0.9, 0.999), weight decay 5e-3 added to the gradient). The fixture's names are the
 * reference code's state_dict keys; BatchNorm buffers are mapped to ours with torchStateName.
 * The full-width network (K 16) is checked by its state names, shapes and parameter count only.
 *
 * Closeness as the other goldens (golden-check.ts): |got − want| ≤ 1e-4·max|want| + 1e-4·|want|
 * per tensor, gradients with their scale floored at 1e-3 of the largest. Adam's first step moves a
 * parameter by lr·g/(|g| + eps) ≈ lr·sign(g) with g the gradient plus 5e-3·p, so an element whose
 * g is within round-off of 0 may land anywhere in ±lr: param1 is checked against the interval
 * that step maps g's tolerance to, as superad.golden.test.ts does for AdamW. The script chose a
 * seed whose ReLU inputs all keep 2e-5 of their spread from the kink, so none flips in float32,
 * and whose gradients PyTorch's own float32 meets to 1e-5: the loss batch-normalises nearly
 * uniform softmax columns, which makes the head's gradients sums of large cancelling terms (the
 * largest error here, cluster_projector.2.bias, ~3e-5, is the forward's round-off in c amplified
 * by that normalisation; each loss term's own gradient is exact to ~1e-6).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Adam, backward, barlowTwins, liveGraphNodes, loadSafetensors, ntXent, tensor, type Gpu, type Tensor } from '../../src/index.ts';
import { Sscc, ssccLoss, torchStateName } from '../../src/models/sscc.ts';
import { assertClose, testGpu } from '../harness/gpu.ts';
import { GOLDEN_TOL } from '../nn/golden-check.ts';
import { readFixture, type Fixture, type FixtureTensor } from '../ref/safetensors-read.ts';
import fixtureBytes from '../fixtures/golden/sscc.safetensors' with { type: 'bytes' };

const test = suite('models/sscc.golden');
const NOT_STATE = /^(xi|xj|hi|hj|ci|cj|loss|loss\.instance|loss\.cc|(grad|after|param1|dloss)\..*)$/;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function entry(fx: Fixture, key: string): FixtureTensor {
  const v = fx.tensors.get(key);
  if (!v) throw new Error(`sscc golden: ${key}: expected a fixture entry, got none`);
  return v;
}

/** Checks `got` against the fixture's `key`; records max|got − want| / scale. */
async function compare(fx: Fixture, key: string, got: Tensor, errors: Record<string, number>, floor = 0): Promise<void> {
  const want = entry(fx, key);
  assert.equal([...got.shape], want.shape, `${key}: shape`);
  const g = await got.data();
  const scale = Math.max(maxAbs(want.data), floor);
  assertClose(key, g, want.data, { atol: GOLDEN_TOL * scale, rtol: GOLDEN_TOL });
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want.data[i]));
  errors[key] = scale > 0 ? worst / scale : worst;
}

/** The model's state under the reference code's names (running_mean, …), for loading and lookups. */
function torchState(net: Sscc): Record<string, Tensor> {
  return Object.fromEntries(net.stateDict().map(([n, t]) => [torchStateName(n), t]));
}

type AdamSettings = { lr: number; betas: readonly [number, number]; eps: number; weightDecay: number };

/**
 * param1 against the fixture: got must lie in p0 − lr·u(g0 + wd·p0 ± δ), widened by the usual
 * tolerance, u(g) = g / (|g| + eps) being Adam's first step and δ the gradient's tolerance.
 */
async function compareParams(fx: Fixture, net: Sscc, o: AdamSettings, errors: Record<string, number>): Promise<void> {
  const gradFloor = 1e-3 * Math.max(...[...fx.tensors].filter(([k]) => k.startsWith('grad.')).map(([, v]) => maxAbs(v.data)));
  const u = (g: number): number => g / (Math.abs(g) + o.eps);
  for (const [n, p] of net.namedParameters()) {
    const want = entry(fx, `param1.${n}`);
    const p0 = entry(fx, n).data;
    const g0 = entry(fx, `grad.${n}`).data;
    const got = await p.data();
    const scale = maxAbs(want.data);
    const gScale = Math.max(maxAbs(g0), gradFloor);
    for (let i = 0; i < got.length; i++) {
      const slack = GOLDEN_TOL * scale + GOLDEN_TOL * Math.abs(want.data[i]);
      const g = g0[i] + o.weightDecay * p0[i];
      const delta = GOLDEN_TOL * gScale + GOLDEN_TOL * Math.abs(g0[i]);
      const lo = Math.min(want.data[i], p0[i] - o.lr * u(g + delta));
      const hi = Math.max(want.data[i], p0[i] - o.lr * u(g - delta));
      if (!(got[i] >= lo - slack && got[i] <= hi + slack)) {
        assert.unreachable(`param1.${n}[${i}]: expected ${want.data[i]} (Adam range [${lo}, ${hi}] ± ${slack.toExponential(1)}), got ${got[i]} (p0 ${p0[i]}, grad ${g0[i]})`);
      }
    }
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
    errors[`param1.${n}`] = scale > 0 ? worst / scale : worst;
  }
}

/** With HSI_GOLDEN_REPORT set (Node), prints the worst relative error of each group of tensors. */
function report(errors: Record<string, number>): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (!env?.HSI_GOLDEN_REPORT) return;
  const groups = new Map<string, [string, number]>();
  for (const [k, v] of Object.entries(errors)) {
    const g = /^(grad|after|param1)\./.test(k) ? k.split('.')[0] : k;
    if (!groups.has(g) || groups.get(g)![1] < v) groups.set(g, [k, v]);
  }
  console.log('\n  golden sscc: ' + [...groups].map(([g, [k, v]]) => `${g} ${v.toExponential(1)}${g !== k ? ` (${k})` : ''}`).join(', '));
}

/** The forward of both views, the loss and its terms, the gradients and the running statistics. */
async function forwardBackward(fx: Fixture, net: Sscc, errors: Record<string, number>): Promise<Tensor[]> {
  const m = fx.metadata;
  const [xs, ys] = [entry(fx, 'xi'), entry(fx, 'xj')];
  const xi = tensor(net.resnet.conv1.weight.gpu, xs.data, xs.shape);
  const xj = tensor(net.resnet.conv1.weight.gpu, ys.data, ys.shape);
  // One view after the other, as the code's Network.forward: each BatchNorm moves twice.
  const hi = net.features(xi);
  const hj = net.features(xj);
  const ci = net.cluster(hi);
  const cj = net.cluster(hj);
  const loss = ssccLoss(ci, cj, { tradeoff: Number(m.tradeoff), temperature: Number(m.temperature), lambda: Number(m.lambda) });
  for (const [k, t] of Object.entries({ hi, hj, ci, cj, loss })) await compare(fx, k, t, errors);
  backward(loss);
  const floor = 1e-3 * Math.max(...[...fx.tensors].filter(([k]) => k.startsWith('grad.')).map(([, v]) => maxAbs(v.data)));
  const params = net.namedParameters();
  assert.equal(params.map(([n]) => `grad.${n}`).sort(), [...fx.tensors.keys()].filter((k) => k.startsWith('grad.')).sort(), 'a gradient for every parameter');
  for (const [n, p] of params) {
    if (!p.grad) throw new Error(`grad.${n}: expected a gradient, got none`);
    await compare(fx, `grad.${n}`, p.grad, errors, floor);
  }
  for (const [n, b] of net.namedBuffers()) {
    const key = `after.${torchStateName(n)}`;
    if (b.dtype === 'i32') assert.equal(Array.from(await b.data()), Array.from(entry(fx, key).data), key);
    else await compare(fx, key, b, errors);
  }
  return [xi, xj, hi, hj, ci, cj, loss];
}

/**
 * Each loss term alone (ops/contrastive.ts) on the fixture's cluster rows: its value and its
 * gradient with respect to ci and cj, against the reference's InstanceLoss and
 * CrossCorrelationLoss. In the total, NT-Xent's weight of 5e-5 hides its gradient.
 */
async function lossTerms(gpu: Gpu, fx: Fixture, errors: Record<string, number>): Promise<void> {
  const m = fx.metadata;
  const terms = { instance: (a: Tensor, b: Tensor) => ntXent(a, b, Number(m.temperature)), cc: (a: Tensor, b: Tensor) => barlowTwins(a, b, Number(m.lambda)) };
  for (const [name, fn] of Object.entries(terms)) {
    const [ci, cj] = ['ci', 'cj'].map((k) => {
      const t = tensor(gpu, entry(fx, k).data, entry(fx, k).shape);
      t.requiresGrad = true;
      return t;
    });
    const loss = fn(ci, cj);
    await compare(fx, `loss.${name}`, loss, errors);
    backward(loss);
    await compare(fx, `dloss.${name}.ci`, ci.grad!, errors);
    await compare(fx, `dloss.${name}.cj`, cj.grad!, errors);
    for (const t of [ci, cj]) t.grad?.dispose();
    for (const t of [ci, cj, loss]) t.dispose();
  }
}

async function run(gpu: Gpu): Promise<void> {
  const fx = readFixture(fixtureBytes);
  const m = fx.metadata;
  assert.is(m.module, 'Sscc');
  const net = new Sscc(gpu, {
    inChannels: Number(m.inChannels), clusters: Number(m.clusters), widths: JSON.parse(m.widths) as number[], blocks: Number(m.blocks), hidden: Number(m.hidden), seed: 1,
  });
  const loaded = loadSafetensors(torchState(net), fixtureBytes, { strict: false });
  assert.equal(loaded.missing, [], 'every state tensor of the model is in the fixture');
  assert.equal(loaded.unexpected.filter((n) => !NOT_STATE.test(n)), [], 'every state tensor of the fixture is the model\'s');
  const errors: Record<string, number> = {};
  await lossTerms(gpu, fx, errors);
  const live = await forwardBackward(fx, net, errors);
  const adam: AdamSettings = { lr: Number(m.lr), betas: [Number(m.beta1), Number(m.beta2)], eps: Number(m.eps), weightDecay: Number(m.weightDecay) };
  const opt = new Adam(net.parameters(), adam);
  opt.step();
  await compareParams(fx, net, adam, errors);
  opt.zeroGrad();
  for (const t of live) t.dispose();
  opt.dispose();
  net.dispose();
  report(errors);
}

test('SSCC = PyTorch float64: both views\' h and c, the loss, every gradient, running statistics, one Adam step', async () => {
  const gpu = await testGpu();
  const before = gpu.stats().liveBytes;
  await run(gpu);
  assert.is(liveGraphNodes(), 0);
  assert.is(gpu.stats().liveBytes, before);
});

test('SSCC at the code\'s widths: the reference state_dict\'s names and shapes, and its parameter count', async () => {
  const gpu = await testGpu();
  const m = readFixture(fixtureBytes).metadata;
  const net = new Sscc(gpu, { clusters: Number(m.fullClusters) });
  const want = JSON.parse(m.fullState) as [string, number[]][];
  assert.equal(net.stateDict().map(([n, t]) => [torchStateName(n), [...t.shape]]), want);
  const count = net.parameters().reduce((a, p) => a + p.size, 0);
  assert.is(count, Number(m.fullParameters));
  assert.is(count, 2_897_104, 'docs/sscc.md#cost: 2,757,312 + 131,584 + 513·16');
  net.dispose();
});

test.run();
