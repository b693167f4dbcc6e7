/**
 * Normalisation layers as torch.nn.BatchNorm1d, BatchNorm2d and LayerNorm, on the fused kernels
 * of ops/norm.ts. State follows PyTorch's state_dict order: weight, bias (when affine), then the
 * persistent buffers runningMean, runningVar, numBatchesTracked (when tracking running
 * statistics; PyTorch spells them running_mean, running_var, num_batches_tracked and stores the
 * count as int64, here i32 of shape []).
 */
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { empty, fmtShape, type Shape, type Tensor } from '../tensor/tensor.ts';
import { batchNorm, incrementCount, layerNorm } from '../ops/norm.ts';
import { checkFinite } from '../ops/util.ts';
import { ones_, zeros_ } from './init.ts';
import { Module, parameter, persistent, type Layer } from './module.ts';

export interface BatchNormModuleOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /**
   * Weight of each new batch in the running statistics (default 0.1). PyTorch's momentum = None
   * (a cumulative average) is not supported.
   */
  momentum?: number;
  /** Learnable per-channel weight (ones) and bias (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); without them eval uses batch statistics. */
  trackRunningStats?: boolean;
}

/** A labelled [c] vector of ones or zeros (labels name the buffer in GPU errors). */
function filled(gpu: Gpu, label: string, c: number, value: 0 | 1): Tensor {
  const t = empty(gpu, [c], 'f32', label);
  return value === 1 ? ones_(t) : zeros_(t);
}

/** The batch counter: i32 of shape [] as PyTorch's num_batches_tracked (int64 there). */
function zeroCount(gpu: Gpu, label: string): Tensor {
  const t = empty(gpu, [], 'i32', label);
  gpu.write(t.buffer, new Int32Array(1));
  return t;
}

/**
 * Batch normalisation over the channel axis 1 (shared by BatchNorm1d and BatchNorm2d, which
 * differ only in the input ranks they accept, as in PyTorch's _BatchNorm).
 */
export class BatchNormBase extends Module implements Layer {
  readonly weight: Tensor | null = null;
  readonly bias: Tensor | null = null;
  readonly runningMean: Tensor | null = null;
  readonly runningVar: Tensor | null = null;
  readonly numBatchesTracked: Tensor | null = null;
  readonly eps: number;
  readonly momentum: number;

  /** `layouts`: the input ranks the layer accepts, each with its shape as written in errors. */
  constructor(
    gpu: Gpu, readonly numFeatures: number, opts: BatchNormModuleOptions,
    private readonly kind: string, private readonly layouts: readonly [rank: number, layout: string][],
  ) {
    super();
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true } = opts ?? {};
    if (!Number.isInteger(numFeatures) || numFeatures < 1) throw new OptionError(kind, `numFeatures: expected a positive integer, got ${numFeatures}`);
    checkFinite(kind, 'momentum', momentum);
    checkFinite(kind, 'eps', eps);
    if (eps < 0) throw new OptionError(kind, `eps: expected a number ≥ 0, got ${eps}`);
    this.eps = eps;
    this.momentum = momentum;
    if (affine) {
      this.weight = parameter(filled(gpu, `${kind}.weight`, numFeatures, 1));
      this.bias = parameter(filled(gpu, `${kind}.bias`, numFeatures, 0));
    }
    if (trackRunningStats) {
      this.runningMean = persistent(filled(gpu, `${kind}.runningMean`, numFeatures, 0));
      this.runningVar = persistent(filled(gpu, `${kind}.runningVar`, numFeatures, 1));
      this.numBatchesTracked = persistent(zeroCount(gpu, `${kind}.numBatchesTracked`));
    }
  }

  /**
   * Training mode: normalises with the batch statistics and, when tracking, updates the running
   * statistics (unbiased variance) and counts the batch. Eval mode: the running statistics, or
   * the batch statistics when the layer keeps none.
   */
  forward(x: Tensor): Tensor {
    x.assertLive(this.kind);
    if (!this.layouts.some(([rank]) => rank === x.rank) || x.shape[1] !== this.numFeatures) {
      const want = this.layouts.map(([, layout]) => layout).join(' or ');
      throw new GpuUsageError(this.kind, `input: expected shape ${want}, got ${fmtShape(x.shape)}`);
    }
    const training = this.training || this.runningMean === null;
    const y = batchNorm(x, this.runningMean, this.runningVar, this.weight, this.bias, { training, momentum: this.momentum, eps: this.eps });
    if (this.training && this.numBatchesTracked) incrementCount(this.numBatchesTracked);
    return y;
  }

  /** Running mean 0, running variance 1, batch count 0 (PyTorch's reset_running_stats). */
  resetRunningStats(): void {
    if (!this.runningMean || !this.runningVar || !this.numBatchesTracked) return;
    zeros_(this.runningMean);
    ones_(this.runningVar);
    this.numBatchesTracked.gpu.write(this.numBatchesTracked.buffer, new Int32Array(1));
  }
}

/** torch.nn.BatchNorm1d: input [N, C] or [N, C, L], statistics per channel C. */
export class BatchNorm1d extends BatchNormBase {
  constructor(gpu: Gpu, numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super(gpu, numFeatures, opts, 'BatchNorm1d', [[2, `[N, ${numFeatures}]`], [3, `[N, ${numFeatures}, L]`]]);
  }
}

/** torch.nn.BatchNorm2d: input [N, C, H, W], statistics per channel C over N, H, W. */
export class BatchNorm2d extends BatchNormBase {
  constructor(gpu: Gpu, numFeatures: number, opts: BatchNormModuleOptions = {}) {
    super(gpu, numFeatures, opts, 'BatchNorm2d', [[4, `[N, ${numFeatures}, H, W]`]]);
  }
}

export interface LayerNormOptions {
  /** Added to the variance before the square root (default 1e-5). */
  eps?: number;
  /** Learnable weight (ones) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** Learnable bias (zeros) as well, when elementwiseAffine (default true). */
  bias?: boolean;
}

/**
 * torch.nn.LayerNorm: normalises each sample over its trailing `normalizedShape` dimensions (a
 * number means the last axis) with the biased variance; the same in training and eval.
 */
export class LayerNorm extends Module implements Layer {
  readonly weight: Tensor | null = null;
  readonly bias: Tensor | null = null;
  readonly normalizedShape: readonly number[];
  readonly eps: number;

  constructor(gpu: Gpu, normalizedShape: number | Shape, opts: LayerNormOptions = {}) {
    super();
    const op = 'LayerNorm';
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape] : [];
    if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
      throw new OptionError(op, `normalizedShape: expected a positive integer or a non-empty list of them, got ${JSON.stringify(normalizedShape)}`);
    }
    const { eps = 1e-5, elementwiseAffine = true, bias = true } = opts ?? {};
    checkFinite(op, 'eps', eps);
    if (eps < 0) throw new OptionError(op, `eps: expected a number ≥ 0, got ${eps}`);
    this.normalizedShape = shape;
    this.eps = eps;
    if (elementwiseAffine) {
      this.weight = parameter(ones_(empty(gpu, shape, 'f32', 'LayerNorm.weight')));
      if (bias) this.bias = parameter(zeros_(empty(gpu, shape, 'f32', 'LayerNorm.bias')));
    }
  }

  forward(x: Tensor): Tensor {
    const op = 'LayerNorm';
    x.assertLive(op);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(x.rank - k);
    if (x.rank < k || this.normalizedShape.some((d, i) => d !== tail[i])) {
      throw new GpuUsageError(op, `input: expected shape [..., ${this.normalizedShape.join(', ')}], got ${fmtShape(x.shape)}`);
    }
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}
