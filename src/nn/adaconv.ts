/**
 * Super-AD's AdaConv layer (docs/superad.md#adaconv, `SuperAD/AdaConv.py`): with an error map it
 * convolves each pixel's k² lowest-error neighbours of an n × n window (kernel slot r ↔ r-th
 * lowest error, features reflect-padded, the map padded with 999); without one it is a plain
 * k × k convolution with zero padding. The op is src/ops/adaconv.ts.
 */
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { empty, fmtShape, type Tensor } from '../tensor/tensor.ts';
import type { Seed } from '../ops/random.ts';
import { adaConv, adaSelect, AdaSelection, convSelect } from '../ops/adaconv.ts';
import { fans, generatorFor, kaimingUniform_, uniform_ } from './init.ts';
import { Module, parameter } from './module.ts';

export interface AdaConvOptions {
  /** k: the kernel is k × k, fed the k² selected neighbours (Super-AD: 3). */
  kernelSize?: number;
  /** n: the window the neighbours are chosen from (Super-AD's train.py: 5). */
  windowSize?: number;
  /** Guide value outside the image, so those positions are picked last (999 as in the code). */
  guidePad?: number;
  /** Seed or generator for the initial values (default: the module-wide generator). */
  seed?: Seed;
}

/**
 * AdaConv(C_in → C_out): weight [C_out, C_in, k, k] ~ kaiming_uniform(a = √5), bias [C_out] ~
 * U(±1/√(C_in·k²)), as PyTorch's Conv2d and Super-AD's `_init_weights`.
 */
export class AdaConv extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly kernelSize: number;
  readonly windowSize: number;
  readonly guidePad: number;

  constructor(gpu: Gpu, readonly inChannels: number, readonly outChannels: number, opts: AdaConvOptions = {}) {
    super();
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError('AdaConv', `${name}: expected a positive integer, got ${v}`);
    }
    this.kernelSize = opts.kernelSize ?? 3;
    this.windowSize = opts.windowSize ?? 5;
    this.guidePad = opts.guidePad ?? 999;
    const k = this.kernelSize;
    if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new OptionError('AdaConv', `kernelSize: expected an odd positive integer, got ${k}`);
    const gen = generatorFor(opts.seed);
    this.weight = parameter(kaimingUniform_(empty(gpu, [outChannels, inChannels, k, k], 'f32', 'AdaConv.weight'), { a: Math.sqrt(5) }, gen));
    const bound = 1 / Math.sqrt(fans(this.weight.shape).fanIn);
    this.bias = parameter(uniform_(empty(gpu, [outChannels], 'f32', 'AdaConv.bias'), -bound, bound, gen));
  }

  /** The selection for `guide` (to share one among several layers); the caller disposes it. */
  select(guide: Tensor): AdaSelection {
    return adaSelect(guide, this.windowSize, this.kernelSize, this.guidePad);
  }

  /**
   * x [1, C, H, W] or [C, H, W]; guide: an error map [H, W] / [1, 1, H, W], a selection made
   * for this layer's kernel size (select(), adaSelect), or null for the plain zero-padded conv.
   */
  forward(x: Tensor, guide: Tensor | AdaSelection | null): Tensor {
    const op = 'AdaConv';
    x.assertLive(op);
    if ((x.rank !== 3 && x.rank !== 4) || x.shape[x.rank - 3] !== this.inChannels) {
      throw new GpuUsageError(op, `input: expected [1, ${this.inChannels}, H, W] or [${this.inChannels}, H, W], got ${fmtShape(x.shape)}`);
    }
    if (guide instanceof AdaSelection) {
      if (guide.kernelSize !== this.kernelSize) throw new GpuUsageError(op, `selection: expected one for kernel size ${this.kernelSize}, got ${guide.kernelSize}`);
      return adaConv(x, this.weight, this.bias, guide);
    }
    const [h, w] = x.shape.slice(-2);
    const sel = guide === null ? convSelect(x.gpu, h, w, this.kernelSize) : this.select(guide);
    try {
      return adaConv(x, this.weight, this.bias, sel);
    } finally {
      sel.dispose();
    }
  }
}
