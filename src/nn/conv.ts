/**
 * Convolution layers: Conv2d as torch.nn.Conv2d (NCHW, padding_mode zeros or reflect) with an
 * optional fixed tap mask, and BlindSpotBlock, a PDBSNet-style stack whose output pixel never
 * sees the same input pixel (Wang et al., "PDBSNet: Pixel-Shuffle Down-Sampling Blind-Spot
 * Reconstruction Network for Hyperspectral Anomaly Detection", IEEE TGRS 2023).
 */
import { GpuUsageError, type Gpu } from '../gpu/index.ts';
import { OptionError } from '../errors.ts';
import { empty, fmtShape, view, type Tensor } from '../tensor/tensor.ts';
import { centreMask, conv2d, type PaddingMode } from '../ops/conv2d.ts';
import { pair, type Pair } from '../ops/util.ts';
import { relu } from '../ops/unary.ts';
import type { Seed } from '../ops/random.ts';
import { fans, generatorFor, kaimingUniform_, uniform_ } from './init.ts';
import { Module, parameter, persistent, type Layer } from './module.ts';

export interface Conv2dModuleOptions {
  stride?: Pair;
  padding?: Pair;
  paddingMode?: PaddingMode;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  /** A fixed [KH, KW] 0/1 tap mask (the module keeps its own handle, saved as buffer `mask`). */
  mask?: Tensor | null;
  /** Seed or generator for the initial values (default: the module-wide generator). */
  seed?: Seed;
}

/**
 * y = conv2d(x, weight, bias) over x [N, C, H, W]: weight [O, C/groups, KH, KW], bias [O].
 * Initialised as torch.nn.Conv2d: kaiming_uniform(a = √5) on the weight, i.e.
 * U(−1/√fanIn, 1/√fanIn) with fanIn = C/groups · KH · KW, and the bias from the same range.
 */
export class Conv2d extends Module implements Layer {
  readonly weight: Tensor;
  readonly bias: Tensor | null = null;
  readonly mask: Tensor | null = null;
  readonly kernelSize: [number, number];

  constructor(gpu: Gpu, readonly inChannels: number, readonly outChannels: number, kernelSize: Pair, readonly opts: Conv2dModuleOptions = {}) {
    super();
    const op = 'Conv2d';
    const groups = opts.groups ?? 1;
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new OptionError(op, `${name}: expected a positive integer, got ${v}`);
    }
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw new OptionError(op, `groups: expected a divisor of inChannels ${inChannels} and outChannels ${outChannels}, got ${groups}`);
    }
    this.kernelSize = pair(op, 'kernelSize', kernelSize, 1);
    const gen = generatorFor(opts.seed);
    const shape = [outChannels, inChannels / groups, ...this.kernelSize];
    this.weight = parameter(kaimingUniform_(empty(gpu, shape, 'f32', 'Conv2d.weight'), { a: Math.sqrt(5) }, gen));
    if (opts.bias ?? true) {
      const bound = 1 / Math.sqrt(fans(shape).fanIn);
      this.bias = parameter(uniform_(empty(gpu, [outChannels], 'f32', 'Conv2d.bias'), -bound, bound, gen));
    }
    if (opts.mask) {
      if (opts.mask.rank !== 2 || opts.mask.shape[0] !== this.kernelSize[0] || opts.mask.shape[1] !== this.kernelSize[1]) {
        throw new GpuUsageError(op, `mask: expected [${this.kernelSize.join(', ')}] like the kernel, got ${fmtShape(opts.mask.shape)}`);
      }
      this.mask = persistent(view(opts.mask, opts.mask.shape));
    }
  }

  forward(x: Tensor): Tensor {
    const { stride, padding, paddingMode, dilation, groups } = this.opts;
    return conv2d(x, this.weight, this.bias, { stride, padding, paddingMode, dilation, groups, mask: this.mask });
  }
}

export interface BlindSpotOptions {
  /** Channels of the hidden layers (default 64). */
  hidden?: number;
  /** Dilated 3×3 layers after the masked one (default 2). */
  depth?: number;
  /** Their dilation: must be even (default 2). */
  dilation?: number;
  seed?: Seed;
}

/**
 * A blind-spot block: centre-masked 3×3 conv → ReLU → `depth` × (3×3 conv, dilation d even,
 * padding d → ReLU) → 1×1 conv; all zero-padded, input [N, C, H, W] → [N, out, H, W].
 *
 * Why output pixel p never depends on input pixel p: the masked layer's output at q reads input
 * offsets δ ∈ {−1, 0, 1}² \ {(0, 0)}, so each δ has an odd component. Every later layer reads
 * offsets d·e with d even, and the 1×1 conv and ReLUs read offset 0, so every path from input to
 * output has total offset δ + (a sum of even vectors), which keeps that odd component and is
 * never (0, 0). Zero padding adds no path (padded values are constants); reflect padding would
 * mirror pixels back in at the borders and could break this, so the block does not use it.
 */
export class BlindSpotBlock extends Module implements Layer {
  readonly masked: Conv2d;
  readonly dilated: Conv2d[];
  readonly head: Conv2d;

  constructor(gpu: Gpu, inChannels: number, outChannels: number, opts: BlindSpotOptions = {}) {
    super();
    const { hidden = 64, depth = 2, dilation = 2 } = opts;
    if (!Number.isInteger(dilation) || dilation < 2 || dilation % 2 !== 0) {
      throw new OptionError('BlindSpotBlock', `dilation: expected an even integer ≥ 2 (an odd one lets the centre back in), got ${dilation}`);
    }
    if (!Number.isInteger(depth) || depth < 0) throw new OptionError('BlindSpotBlock', `depth: expected a non-negative integer, got ${depth}`);
    const gen = generatorFor(opts.seed);
    const mask = centreMask(gpu, 3);
    this.masked = new Conv2d(gpu, inChannels, hidden, 3, { padding: 1, mask, seed: gen });
    mask.dispose();
    this.dilated = Array.from({ length: depth }, () => new Conv2d(gpu, hidden, hidden, 3, { padding: dilation, dilation, seed: gen }));
    this.head = new Conv2d(gpu, hidden, outChannels, 1, { seed: gen });
  }

  forward(x: Tensor): Tensor {
    let h = this.masked.forward(x);
    for (const layer of [...this.dilated, null]) {
      const a = relu(h);
      h.dispose();
      h = layer ? layer.forward(a) : this.head.forward(a);
      a.dispose();
    }
    return h;
  }
}
