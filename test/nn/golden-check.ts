/**
 * Checks a module against a PyTorch golden fixture (scripts/golden/, test/fixtures/golden/):
 * loads the fixture's state into the module by name (the library's loadSafetensors), runs the
 * forward on the fixture's input, backward of Σ output·R, and compares the output, the input
 * gradient, every parameter's gradient, the buffers after the forward (running statistics, batch
 * count) and, when present, the eval-mode output afterwards.
 *
 * Closeness is scaled to each tensor's magnitude: |got − want| ≤ tol·max|want| + tol·|want|, with
 * tol = 1e-4 — float32 kernels against a float64 reference, so an error of this size is the
 * arithmetic, not the method. The measured max|got − want| / max|want| per tensor is returned.
 */
import * as assert from 'uvu/assert';
import { backward, loadSafetensors, mul, noGrad, sum, tensor, type Gpu, type Layer, type Module, type Tensor } from '../../src/index.ts';
import { assertClose } from '../harness/gpu.ts';
import { readFixture, type Fixture, type FixtureTensor } from '../ref/safetensors-read.ts';

export const GOLDEN_TOL = 1e-4;
const NOT_STATE = /^(input|cotangent|output|output\.eval|grad\..*|after\..*)$/;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Compares `got` with the fixture's `want`; returns max|got − want| / scale, the scale being
 * max|want| or `floor` when that is larger (see goldenCheck for the gradients' floor).
 */
async function compare(label: string, got: Tensor, want: FixtureTensor | undefined, floor = 0): Promise<number> {
  if (!want) throw new Error(`${label}: expected a fixture entry, got none`);
  assert.equal([...got.shape], want.shape, `${label}: shape`);
  const g = await got.data();
  const scale = Math.max(maxAbs(want.data), floor);
  assertClose(label, g, want.data, { atol: GOLDEN_TOL * scale, rtol: GOLDEN_TOL });
  let worst = 0;
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want.data[i]));
  return scale > 0 ? worst / scale : worst;
}

/** The fixture's entry `key`, or an error naming the fixture. */
function entry(fx: Fixture, name: string, key: string): FixtureTensor {
  const v = fx.tensors.get(key);
  if (!v) throw new Error(`${name}: ${key}: expected a fixture entry, got none`);
  return v;
}

/** Loads the fixture's state into `module` by name; every state tensor on each side must match one on the other. */
function loadState(name: string, bytes: Uint8Array, module: Module): void {
  const loaded = loadSafetensors(module, bytes, { strict: false });
  assert.equal(loaded.missing, [], `${name}: every state tensor of the module is in the fixture`);
  assert.equal(loaded.unexpected.filter((n) => !NOT_STATE.test(n)), [], `${name}: every state tensor of the fixture is the module's`);
}

/**
 * Some gradients are zero by structure and come out as float32 round-off of sums that cancel:
 * qk-norm's k bias (softmax ignores a shift common to a row of scores), BS3LNet's residual bn2
 * biases (a per-channel shift passes the reflect-padded convs as a constant, which the next
 * training-mode BatchNorm removes); PyTorch gives them ~1e-15. Their scale is floored at 1e-3 of
 * the fixture's largest gradient, so an absolute error up to 1e-7 of that (float32's resolution)
 * passes; a tensor of ordinary size keeps its own scale.
 */
function gradFloor(fx: Fixture): number {
  return 1e-3 * Math.max(...[...fx.tensors].filter(([k]) => k.startsWith('grad.')).map(([, v]) => maxAbs(v.data)));
}

/** Compares the input's and every parameter's gradient with the fixture's. */
async function compareGrads(fx: Fixture, name: string, x: Tensor, module: Module, errors: Record<string, number>): Promise<void> {
  const floor = gradFloor(fx);
  errors['grad.input'] = await compare(`${name} grad.input`, x.grad!, fx.tensors.get('grad.input'), floor);
  const params = module.namedParameters();
  assert.equal(params.map(([n]) => `grad.${n}`).sort(), [...fx.tensors.keys()].filter((k) => k.startsWith('grad.') && k !== 'grad.input').sort(), `${name}: gradients`);
  for (const [n, p] of params) {
    if (!p.grad) throw new Error(`${name}: ${n}: expected a gradient, got none`);
    errors[`grad.${n}`] = await compare(`${name} grad.${n}`, p.grad, fx.tensors.get(`grad.${n}`), floor);
  }
}

/** Compares the buffers after the forward (counters exactly) and, when the fixture has it, the eval-mode output. */
async function compareAfter(fx: Fixture, name: string, x: Tensor, module: Module & Layer, errors: Record<string, number>): Promise<void> {
  for (const [n, b] of module.namedBuffers()) {
    if (b.dtype === 'i32') assert.equal(Array.from(await b.data()), Array.from(entry(fx, name, `after.${n}`).data), `${name} after.${n}`);
    else errors[`after.${n}`] = await compare(`${name} after.${n}`, b, fx.tensors.get(`after.${n}`));
  }
  if (!fx.tensors.has('output.eval')) return;
  const wasTraining = module.training;
  const ye = noGrad(() => module.eval().forward(x));
  errors['output.eval'] = await compare(`${name} output.eval`, ye, fx.tensors.get('output.eval'));
  module.train(wasTraining);
  ye.dispose();
}

/** Runs the golden check of `module` (in the mode the fixture was made in); returns the errors by tensor. */
export async function goldenCheck(gpu: Gpu, name: string, bytes: Uint8Array, module: Module & Layer): Promise<Record<string, number>> {
  const fx = readFixture(bytes);
  loadState(name, bytes, module);
  const errors: Record<string, number> = {};
  const [input, cot] = [entry(fx, name, 'input'), entry(fx, name, 'cotangent')];
  const x = tensor(gpu, input.data, input.shape);
  x.requiresGrad = true;
  const y = module.forward(x);
  errors.output = await compare(`${name} output`, y, fx.tensors.get('output'));
  const r = tensor(gpu, cot.data, cot.shape);
  const yr = mul(y, r);
  const loss = sum(yr);
  backward(loss);
  await compareGrads(fx, name, x, module, errors);
  await compareAfter(fx, name, x, module, errors);
  module.zeroGrad();
  for (const v of [x, y, r, yr, loss]) v.dispose();
  report(name, errors);
  return errors;
}

/** With HSI_GOLDEN_REPORT set (Node), prints the worst relative error of each tensor. */
function report(name: string, errors: Record<string, number>): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (!env?.HSI_GOLDEN_REPORT) return;
  const worst = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  console.log(`\n  golden ${name}: max relative error ${worst[0][1].toExponential(2)} (${worst[0][0]}); ` +
    worst.map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', '));
}
