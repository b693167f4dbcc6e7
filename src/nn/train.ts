/**
 * The training loop every method uses (docs/engine.md#training-loop): steps, an optimizer, an
 * optional LRScheduler stepped once per step, a per-step batch and loss, an abort signal, a
 * progress callback, and the freeing of every step's intermediates. A method supplies only what
 * is its own: how a batch is made and how its loss is computed.
 *
 * Losses stay on the GPU until progress needs them or every `checkEvery` steps (one read for the
 * steps in between, not a sync per step); a non-finite loss then stops training with a
 * TrainingDivergedError naming the step. The steps queued after it were already submitted; the
 * error, not a result, is what the caller gets, so diverged weights are never used silently.
 */
import { HsiError, OptionError } from '../errors.ts';
import { backward, noGrad } from '../autograd/tape.ts';
import { scope } from '../tensor/scope.ts';
import { view, type Tensor } from '../tensor/tensor.ts';
import { concat } from '../ops/shape.ts';
import type { Module } from './module.ts';
import type { Optimizer } from './optim.ts';
import type { LRScheduler } from './schedule.ts';

/** What progress reports after a step (the loss is the step's own, read back). */
export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  /** The learning rate this step used. */
  lr: number;
  /** Steps per second since training started. */
  stepsPerSecond: number;
  /** The step's metrics (StepLoss.metrics), read back with its loss. */
  metrics: Record<string, number>;
}

/** A step's loss (a scalar on the tape) and tensors the method reads after the step. */
export interface StepLoss {
  loss: Tensor;
  outputs?: Record<string, Tensor | null>;
  /** Scalars to report with the loss (e.g. the fraction of pixels a loss kept); read back with it. */
  metrics?: Record<string, Tensor>;
}

export interface TrainLoopOptions<B> {
  model: Module;
  optimizer: Optimizer;
  /** Stepped after every `schedulerEvery` optimizer steps (default 1: the rate of step i is the schedule's at i). */
  scheduler?: LRScheduler | null;
  /** Steps per scheduler step (an epoch's steps, for schedules defined per epoch). */
  schedulerEvery?: number;
  steps: number;
  /** Makes step i's batch; every tensor among its values is freed after the step. */
  batch(i: number): Promise<B> | B;
  /** Step i's loss from its batch; runs in a scope, so its intermediates are freed. */
  loss(batch: B, i: number): StepLoss;
  /** Awaited after step i with the loss's outputs (freed afterwards): reading them is a sync. */
  after?(i: number, outputs: Record<string, Tensor | null>): Promise<void> | void;
  signal?: AbortSignal;
  onProgress?(p: TrainProgress): void;
  /** Read the losses back at least every this many steps (divergence is found within it). */
  checkEvery?: number;
  /** With onProgress, read back and report at most this often (milliseconds; default 0: every step). */
  progressMs?: number;
}

export interface TrainLoopResult {
  /** Every step's loss, in order. */
  losses: number[];
  /** Every step's metrics by name, in order. */
  metrics: Record<string, number[]>;
  /** Training wall time in seconds. */
  seconds: number;
  /** True when the signal stopped training before the last step. */
  aborted: boolean;
}

/**
 * Training produced a non-finite loss, or (after the last step, whose update no loss sees)
 * non-finite weights in `param`: the weights are not to be trusted.
 */
export class TrainingDivergedError extends HsiError {
  constructor(op: string, readonly step: number, readonly value: number, readonly lastFinite: number | null, readonly param?: string) {
    const last = lastFinite === null ? 'no finite loss before it' : `the last finite loss was ${lastFinite.toPrecision(6)}`;
    const what = param === undefined ? `loss: expected a finite value, got ${value} at step ${step}` : `weights: expected finite values, got ${value} in ${param} after step ${step}`;
    super(op, `${what} (${last}); training stopped. ` +
      'Likely causes: a learning rate too high for this scene (lower it: try a tenth), or unscaled data ' +
      '(values in the thousands: use the preset that standardises bands), or NaN/Inf in the input');
  }
}

/** Runs the loop; resolves when every step ran or the signal stopped it between steps. */
export async function trainLoop<B>(op: string, o: TrainLoopOptions<B>): Promise<TrainLoopResult> {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new OptionError(op, `steps: expected a positive integer, got ${o.steps}`);
  const checkEvery = o.checkEvery ?? 10;
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new OptionError(op, `checkEvery: expected a positive integer, got ${checkEvery}`);
  const log = new LossLog(op);
  const t0 = performance.now();
  let lastReport = -Infinity;
  let aborted = false;
  o.model.train();
  try {
    for (let i = 0; i < o.steps; i++) {
      if (o.signal?.aborted) {
        aborted = true;
        break;
      }
      const lr = o.optimizer.lr;
      const b = await o.batch(i);
      const r = scope(() => {
        const s = o.loss(b, i);
        backward(s.loss);
        o.optimizer.step();
        o.optimizer.zeroGrad();
        return s;
      });
      freeValues(b);
      if ((i + 1) % (o.schedulerEvery ?? 1) === 0) o.scheduler?.step();
      log.push(r.loss, r.metrics);
      if (r.outputs) {
        await o.after?.(i, r.outputs);
        freeValues(r.outputs);
      } else await o.after?.(i, {});
      const now = performance.now();
      const report = o.onProgress !== undefined && now - lastReport >= (o.progressMs ?? 0);
      if (report || log.pending >= checkEvery || i === o.steps - 1) {
        await log.flush();
        if (report) {
          lastReport = now;
          o.onProgress!({ step: i + 1, steps: o.steps, loss: log.losses[i], lr, stepsPerSecond: (i + 1) / ((now - t0) / 1e3), metrics: log.metricsAt(i) });
        }
      }
    }
    await log.flush();
    await checkWeights(op, o.model, log.losses);
  } finally {
    log.dispose();
  }
  return { losses: log.losses, metrics: log.metrics, seconds: (performance.now() - t0) / 1e3, aborted };
}

/** The last step's update is seen by no loss: one read of every weight catches it going NaN/Inf. */
async function checkWeights(op: string, model: Module, losses: number[]): Promise<void> {
  const named = model.namedParameters();
  if (named.length === 0) return;
  const flat = named.map(([, t]) => view(t, [t.size]));
  const all = flat.length === 1 ? flat[0] : noGrad(() => concat(flat, 0));
  const values = await all.data();
  for (const t of new Set([...flat, all])) t.dispose();
  let bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const value = values[bad];
  const [name] = named.find(([, t]) => (bad < t.size ? true : ((bad -= t.size), false)))!;
  throw new TrainingDivergedError(op, losses.length, value, losses.length > 0 ? losses[losses.length - 1] : null, name);
}

/** Frees the tensors among an object's own values (a batch or a step's outputs). */
function freeValues(v: unknown): void {
  if (!v || typeof v !== 'object') return;
  for (const x of Object.values(v)) if (x && typeof x === 'object' && 'storage' in x) (x as Tensor).dispose();
}

/** Step losses (and metrics) waiting on the GPU, read back together and checked for divergence. */
class LossLog {
  readonly losses: number[] = [];
  readonly metrics: Record<string, number[]> = {};
  private queued: Tensor[][] = [];
  private names: string[] | null = null;

  constructor(readonly op: string) {}

  get pending(): number {
    return this.queued.length;
  }

  push(loss: Tensor, metrics: Record<string, Tensor> = {}): void {
    const names = Object.keys(metrics);
    this.names ??= names;
    if (names.join() !== this.names.join()) throw new OptionError(this.op, `metrics: expected the same names every step (${this.names.join(', ')}), got ${names.join(', ')}`);
    const row = [loss, ...names.map((n) => metrics[n])];
    row.forEach((t, k) => {
      if (t.size !== 1) throw new OptionError(this.op, `${k ? `metric ${names[k - 1]}` : 'loss'}: expected a scalar, got ${t.size} values`);
    });
    this.queued.push(row);
  }

  metricsAt(i: number): Record<string, number> {
    return Object.fromEntries(Object.entries(this.metrics).map(([n, v]) => [n, v[i]]));
  }

  /** One read for every queued value; throws on the first non-finite loss. */
  async flush(): Promise<void> {
    if (this.queued.length === 0) return;
    const flat = this.queued.flat();
    const parts = flat.map((t) => view(t, [1]));
    const all = parts.length === 1 ? parts[0] : noGrad(() => concat(parts, 0));
    const values = await all.data();
    for (const t of new Set([...parts, all, ...flat])) t.dispose();
    const width = 1 + (this.names?.length ?? 0);
    this.queued = [];
    for (let r = 0; r < values.length / width; r++) {
      const v = values[r * width];
      if (!Number.isFinite(v)) {
        const last = this.losses.length > 0 ? this.losses[this.losses.length - 1] : null;
        throw new TrainingDivergedError(this.op, this.losses.length + 1, v, last);
      }
      this.losses.push(v);
      this.names!.forEach((n, k) => (this.metrics[n] ??= []).push(values[r * width + 1 + k]));
    }
  }

  dispose(): void {
    for (const t of this.queued.flat()) t.dispose();
    this.queued = [];
  }
}
