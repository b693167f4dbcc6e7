/**
 * Optimizers with PyTorch's update rules (torch.optim.SGD, Adam, AdamW), each step one fused
 * kernel per parameter (shaders/optim.wgsl) that updates the parameter and its state in place:
 * parameters keep their identity and buffers, so modules and other optimizers holding them see
 * the new values. State is allocated on a parameter's first step, as PyTorch does; parameters
 * without a gradient are skipped (their step count does not advance).
 */
import source from '../../shaders/optim.wgsl';
import { GpuUsageError, type DeviceBuffer } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { keep } from '../tensor/scope.ts';
import { empty, fmtShape, type Tensor } from '../tensor/tensor.ts';
import { elementGrid } from '../ops/util.ts';

const FILE = 'optim.wgsl';
/** The smallest normal f32; below it lavapipe's arithmetic is 9–17× slower. */
const MIN_NORMAL = 2 ** -126;

/** One parameter's optimizer state: its step count and state tensors (empty until its first step). */
export interface ParamState {
  step: number;
  tensors: Tensor[];
}

/** What every optimizer offers: a step, gradient clearing, a settable learning rate, its state. */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  private lrValue = 0;
  protected state = new Map<Tensor, ParamState>();

  constructor(readonly name: string, params: Iterable<Tensor>, lr: number) {
    this.params = checkParams(name, [...params]);
    this.lr = lr;
  }

  /** The learning rate; schedules set it between steps. */
  get lr(): number {
    return this.lrValue;
  }

  set lr(v: number) {
    checkNumber(this.name, 'lr', v, 0);
    this.lrValue = v;
  }

  /** Updates every parameter that has a gradient (records one dispatch each; no sync). */
  step(): void {
    const live = this.params.filter((p) => p.grad);
    for (const p of live) checkGrad(this.name, this.params.indexOf(p), p);
    for (const p of live) {
      let s = this.state.get(p);
      if (!s) this.state.set(p, (s = { step: 0, tensors: [] }));
      s.step++;
      if (p.size > 0) this.update(p, p.grad!, s);
    }
  }

  /** Frees every parameter's gradient (`grad = null`), so no gradient memory stays live. */
  zeroGrad(): void {
    for (const p of this.params) {
      p.grad?.dispose();
      p.grad = null;
    }
  }

  /** The state tensors (moments, momentum buffers), in parameter order. */
  stateTensors(): Tensor[] {
    return this.params.flatMap((p) => this.state.get(p)?.tensors ?? []);
  }

  /** Pool bytes held by the state: buffer capacities, as `gpu.stats().liveBytes` counts them. */
  stateBytes(): number {
    return this.stateTensors().reduce((s, t) => s + t.buffer.capacity, 0);
  }

  /** Steps taken by parameter `p` (0 before its first gradient). */
  stepCount(p: Tensor): number {
    return this.state.get(p)?.step ?? 0;
  }

  /** Frees the state; the optimizer starts afresh at its next step. Parameters are untouched. */
  dispose(): void {
    for (const t of this.stateTensors()) t.dispose();
    this.state.clear();
  }

  /** Records the update of `p` from gradient `g`; `s.step` is already this step's count (≥ 1). */
  protected abstract update(p: Tensor, g: Tensor, s: ParamState): void;

  /** `count` state tensors shaped like `p`, made on its first step (contents set by the kernel). */
  protected stateFor(p: Tensor, s: ParamState, count: number, label: string): DeviceBuffer[] {
    while (s.tensors.length < count) s.tensors.push(keep(empty(p.gpu, p.shape, 'f32', `${this.name} ${label}`)));
    return s.tensors.map((t) => t.buffer);
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay (torch.optim.SGD). */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(params: Iterable<Tensor>, opts: SgdOptions) {
    super('SGD', params, opts?.lr);
    const { momentum = 0, dampening = 0, nesterov = false, weightDecay = 0 } = opts;
    checkNumber('SGD', 'momentum', momentum, 0);
    checkNumber('SGD', 'dampening', dampening);
    checkNumber('SGD', 'weightDecay', weightDecay, 0);
    // PyTorch refuses the same combinations.
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new OptionError('SGD', `nesterov: expected momentum > 0 and dampening = 0, got momentum ${momentum}, dampening ${dampening}`);
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = Boolean(nesterov);
    this.weightDecay = weightDecay;
  }

  protected update(p: Tensor, g: Tensor, s: ParamState): void {
    const params = {
      n: p.size, lr: this.lr, weight_decay: this.weightDecay, momentum: this.momentum,
      one_minus_dampening: 1 - this.dampening, nesterov: this.nesterov ? 1 : 0, first: s.step === 1 ? 1 : 0,
    };
    if (this.momentum === 0) {
      const k = p.gpu.kernel({ file: FILE, source, entry: 'sgd_step' });
      k.dispatch({ p: p.buffer, g: g.buffer }, params, elementGrid(k, p.size));
      return;
    }
    const [buf] = this.stateFor(p, s, 1, 'momentum');
    const k = p.gpu.kernel({ file: FILE, source, entry: 'sgd_momentum_step' });
    k.dispatch({ p: p.buffer, g: g.buffer, buf }, params, elementGrid(k, p.size));
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** What Adam and AdamW share: the moments, bias corrections and the fused kernel. */
export abstract class AdamBase extends Optimizer {
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;

  constructor(name: string, params: Iterable<Tensor>, opts: AdamOptions, defaultDecay: number) {
    super(name, params, opts?.lr ?? 1e-3);
    const { betas = [0.9, 0.999], eps = 1e-8, weightDecay = defaultDecay, amsgrad = false } = opts ?? {};
    if (!Array.isArray(betas) || betas.length !== 2) throw new OptionError(name, `betas: expected [beta1, beta2], got ${String(betas)}`);
    betas.forEach((b, i) => {
      if (typeof b !== 'number' || !(b >= 0 && b < 1)) throw new OptionError(name, `betas[${i}]: expected a number in [0, 1), got ${b}`);
    });
    // eps > 0 (PyTorch allows 0): the kernel must never divide by a zero denominator (no Inf/NaN).
    checkNumber(name, 'eps', eps, Number.MIN_VALUE);
    checkNumber(name, 'weightDecay', weightDecay, 0);
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.amsgrad = Boolean(amsgrad);
  }

  /** Coupled (L2, Adam) or decoupled (multiplier on p, AdamW) weight decay for this step. */
  protected abstract decay(): { l2: number; decay: number };

  protected update(p: Tensor, g: Tensor, s: ParamState): void {
    const [b1, b2] = this.betas;
    // Host float64, as PyTorch computes these Python floats; only the results are rounded to f32.
    const bc1 = 1 - b1 ** s.step;
    const bc2 = 1 - b2 ** s.step;
    const params = {
      n: p.size, step_size: this.lr / bc1, beta1: b1, beta2: b2, one_minus_beta1: 1 - b1, one_minus_beta2: 1 - b2, bc2_sqrt: Math.sqrt(bc2),
      eps: this.eps, ...this.decay(), ...adamFlush(this.eps, b2), first: s.step === 1 ? 1 : 0,
    };
    const [m, v, vmax] = this.stateFor(p, s, this.amsgrad ? 3 : 2, 'moments');
    const k = p.gpu.kernel({ file: FILE, source, entry: this.amsgrad ? 'adam_amsgrad_step' : 'adam_step' });
    const buffers: Record<string, DeviceBuffer> = { p: p.buffer, g: g.buffer, m, v };
    if (vmax) buffers.vmax = vmax;
    k.dispatch(buffers, params, elementGrid(k, p.size));
  }
}

/** Adam (torch.optim.Adam): weight decay is coupled, added to the gradient as L2. */
export class Adam extends AdamBase {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super('Adam', params, opts, 0);
  }

  protected decay(): { l2: number; decay: number } {
    return { l2: this.weightDecay, decay: 1 };
  }
}

/** AdamW (torch.optim.AdamW): decoupled weight decay p ← p·(1 − lr·wd) before the Adam update. */
export class AdamW extends AdamBase {
  constructor(params: Iterable<Tensor>, opts: AdamOptions = {}) {
    super('AdamW', params, opts, 1e-2);
  }

  protected override decay(): { l2: number; decay: number } {
    return { l2: 0, decay: 1 - this.lr * this.weightDecay };
  }
}

/**
 * Adam's denormal thresholds (shaders/optim.wgsl, Numerics): `tiny` for stored values and
 * `d_floor` for gradients left out of v, both 0 (no flushing) unless flushing moves √v̂ by less
 * than 2⁻²⁴·eps. Flushed v and left-out (1 − β2)·d² add at most 2·MIN_NORMAL per step to v,
 * MIN_NORMAL·2·bc2/(1 − β2) in all, so √v̂ moves by at most √2·√(MIN_NORMAL/(1 − β2)).
 */
export function adamFlush(eps: number, beta2: number): { tiny: number; d_floor: number } {
  const dFloor = Math.sqrt(MIN_NORMAL / (1 - beta2));
  return Math.SQRT2 * dFloor < eps * 2 ** -24 ? { tiny: MIN_NORMAL, d_floor: dFloor } : { tiny: 0, d_floor: 0 };
}

function checkParams(op: string, params: Tensor[]): readonly Tensor[] {
  const seen = new Set<Tensor>();
  params.forEach((p, i) => {
    if (!p || typeof p !== 'object' || !('storage' in p)) throw new GpuUsageError(op, `params[${i}]: expected a Tensor, got ${String(p)}`);
    p.assertLive(op);
    if (p.dtype !== 'f32') throw new GpuUsageError(op, `params[${i}] dtype: expected f32, got ${p.dtype} ${fmtShape(p.shape)}`);
    if (seen.has(p)) throw new GpuUsageError(op, `params[${i}]: expected each parameter once, got a duplicate ${fmtShape(p.shape)}`);
    if (p.gpu !== params[0].gpu) throw new GpuUsageError(op, `params[${i}]: expected parameters on one GPU, got tensors from two devices`);
    seen.add(p);
  });
  return Object.freeze(params);
}

function checkGrad(op: string, i: number, p: Tensor): void {
  const g = p.grad!;
  p.assertLive(op);
  g.assertLive(op);
  if (g.dtype !== 'f32' || g.size !== p.size || g.rank !== p.rank || g.shape.some((d, k) => d !== p.shape[k])) {
    throw new GpuUsageError(op, `params[${i}].grad: expected f32 ${fmtShape(p.shape)}, got ${g.dtype} ${fmtShape(g.shape)}`);
  }
  if (g.storage === p.storage) throw new GpuUsageError(op, `params[${i}].grad: expected its own storage, got a view of the parameter`);
}

function checkNumber(op: string, name: string, v: number, min = -Infinity): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new OptionError(op, `${name}: expected a finite number${min > -Infinity ? (min > 0 ? ' > 0' : ` ≥ ${min}`) : ''}, got ${v}`);
  }
}
